// What a job of a GPU instance type asks the container engine for: its instance type's GPUs when
// the engine has them; a clear error when it has none; the CPU when the user says so (`gpu: false`).
import { isSagesimError, StepFailure } from '../errors.js';
import { instanceGpuCount } from './instance-gpus.js';
import type { JobContext, JobDeps } from './job-container.js';

export interface JobGpus {
  /** For the container spec; undefined: no GPUs asked for. */
  readonly gpus?: { readonly count: number };
  /** SM_NUM_GPUS, as SageMaker sets it for the instance type (none for `local_gpu`: the toolkit counts). */
  readonly env: Readonly<Record<string, string>>;
}

const HOW_TO_RUN_ON_CPU = 'to run it on the CPU instead, set "gpu": false in sagesim.config.json, SAGESIM_GPU=0, or --no-gpu';

export async function jobGpus(deps: Pick<JobDeps, 'config' | 'runtime'>, context: Pick<JobContext, 'stepName' | 'warn'>, instanceType: string | undefined): Promise<JobGpus> {
  const count = instanceGpuCount(instanceType);
  if (count === undefined) return { env: {} };
  const described = `instance type ${instanceType ?? ''} has ${count === -1 ? 'every GPU of the machine' : `${count} GPU${count === 1 ? '' : 's'}`}`;
  if (!deps.config.gpu) {
    context.warn({ code: 'GPU_AS_CPU', message: `step "${context.stepName}": ${described}; it runs on the CPU (gpu: false)` });
    return { env: { SM_NUM_GPUS: '0' } };
  }
  let available: boolean;
  let detail: string;
  try {
    ({ available, detail } = await deps.runtime.gpuSupport());
  } catch (error) {
    if (isSagesimError(error)) throw new StepFailure(`ClientError: step "${context.stepName}": ${error.message}`, { code: error.code, source: error.source, cause: error });
    throw error;
  }
  if (!available) {
    throw new StepFailure(
      `ClientError: step "${context.stepName}": ${described}, but the Docker engine offers none (${detail}). Install the NVIDIA Container Toolkit (the nvidia runtime or CDI) to give containers GPUs; ${HOW_TO_RUN_ON_CPU}`,
      { code: 'GPU_UNAVAILABLE', source: 'user' },
    );
  }
  return { gpus: { count }, env: count === -1 ? {} : { SM_NUM_GPUS: String(count) } };
}
