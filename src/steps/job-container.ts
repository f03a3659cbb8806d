// What every container-backed job step shares: its dependencies, the environment SageMaker gives a
// job container (with dummy credentials in mock mode), image resolution, staging through S3 with
// readable errors, and running the container with infrastructure errors marked retryable.
import type { SagesimConfig } from '../config.js';
import { isNoSpace } from '../util/atomic-file.js';
import type { JsonObject, JsonValue } from '../engine/json.js';
import { isSagesimError, SagesimError, StepFailure, StoppedError, type Warning } from '../errors.js';
import {
  EXECUTION_ID_LABEL,
  STEP_LABEL,
  type ContainerExit,
  type ContainerMount,
  type ContainerRuntime,
  type ContainerSpec,
} from '../ports/container-engine.js';
import type { EarlyEnd } from './container-phase.js';
import type { StepContext } from './executor.js';
import { type ContainerFailure, containerFailureReason, missingInputReason } from './failure-reason.js';
import type { ArgumentReader } from './job-arguments.js';
import type { MetricDefinition } from './metrics.js';
import type { SdkLocator } from './remote-function/sdk-locator.js';
import { type SkippedEntry, downloadPrefix, uploadDir, uploadFile } from './staging.js';

/** A SageMaker image URI mapped to a local tag; built-in algorithm images bring their metric definitions. */
export interface ResolvedJobImage {
  readonly localTag: string;
  readonly builtin?: { readonly algorithm: string; readonly metricDefinitions: readonly MetricDefinition[] };
}

/** Maps an image URI to a local image; throws a SagesimError (source user) that says how to map it. */
export type ImageResolver = (imageUri: string) => ResolvedJobImage;

/** Dependencies of the container-backed executors, built once at the edge. */
export interface JobDeps {
  readonly config: SagesimConfig;
  readonly runtime: ContainerRuntime;
  /** The S3 endpoint containers are pointed at (AWS_ENDPOINT_URL / S3_ENDPOINT_URL). */
  readonly s3Endpoint: string;
  readonly resolveImage: ImageResolver;
  /** Injected so tests control timestamps. */
  readonly now: () => Date;
  /**
   * Memory limit of a job's container from its instance type. createRunEnvironment passes
   * instanceMemoryBytes unless `config.instanceMemory` is false. @default no limit
   */
  readonly memoryLimit?: (instanceType: string | undefined) => number | undefined;
  /**
   * Finds the user's SageMaker Python SDK, which `@step` function steps run with.
   * createRunEnvironment passes a PythonSdkLocator over `config.sagemakerSdk`. @default none: such steps fail saying so
   */
  readonly sdk?: SdkLocator;
}

/** The part of a StepContext a job needs; tuning runs several training jobs under one step. */
export type JobContext = Pick<StepContext, 'execution' | 'signal' | 'objectStore' | 'log' | 'warn' | 'workDir'> & {
  readonly stepName: string;
};

export function jobContextOf(context: StepContext): JobContext {
  return {
    execution: context.execution,
    signal: context.signal,
    objectStore: context.objectStore,
    log: context.log,
    warn: context.warn,
    workDir: context.workDir,
    stepName: context.step.Name,
  };
}

/** Credentials given to containers in mock mode: the embedded S3 accepts anything. */
export const MOCK_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'sagesim', AWS_SECRET_ACCESS_KEY: 'sagesim' } as const;

/**
 * The environment of a job container: region and S3 endpoint (and dummy credentials in mock mode,
 * so the host's AWS credentials never reach a container), then the step's `Environment`, then the
 * variables SageMaker itself sets (job name, ARN), which the step cannot override.
 */
export function jobEnvironment(
  deps: Pick<JobDeps, 'config' | 's3Endpoint'>,
  stepEnvironment: Readonly<Record<string, string>>,
  jobVariables: Readonly<Record<string, string>>,
): Record<string, string> {
  const base: Record<string, string> = {
    AWS_REGION: deps.config.region,
    AWS_DEFAULT_REGION: deps.config.region,
  };
  if (deps.config.mock || deps.config.s3.kind === 'endpoint') {
    base['AWS_ENDPOINT_URL'] = deps.s3Endpoint;
    base['AWS_ENDPOINT_URL_S3'] = deps.s3Endpoint;
    base['S3_ENDPOINT_URL'] = deps.s3Endpoint;
  }
  if (deps.config.mock) Object.assign(base, MOCK_CREDENTIALS);
  return { ...base, ...stepEnvironment, ...jobVariables };
}

/** Where the `pipWheels` folder appears in a container. */
export const PIP_WHEELS_DIR = '/opt/sagesim/wheels';

/**
 * The configured wheel folder, mounted read-only, with pip pointed at it (PIP_FIND_LINKS) and, unless
 * the step names an index or says otherwise, told not to look for an index it cannot reach.
 */
export function pipWheelsSetup(
  config: Pick<SagesimConfig, 'pipWheels'>,
  stepEnvironment: Readonly<Record<string, string>>,
): { readonly mounts: readonly ContainerMount[]; readonly env: Readonly<Record<string, string>> } {
  if (config.pipWheels === undefined) return { mounts: [], env: {} };
  const env: Record<string, string> = { PIP_FIND_LINKS: PIP_WHEELS_DIR };
  if (stepEnvironment['PIP_INDEX_URL'] === undefined && stepEnvironment['PIP_NO_INDEX'] === undefined) env['PIP_NO_INDEX'] = '1';
  return { mounts: [{ hostPath: config.pipWheels, containerPath: PIP_WHEELS_DIR, readOnly: true }], env };
}

/** Labels of a job container: the execution and step (for sweeps) and the job name. */
export function jobLabels(context: JobContext, jobName: string): Record<string, string> & {
  [EXECUTION_ID_LABEL]: string;
  [STEP_LABEL]: string;
} {
  return {
    [EXECUTION_ID_LABEL]: context.execution.executionId,
    [STEP_LABEL]: context.stepName,
    'sagesim.job-name': jobName,
  };
}

export function resolveJobImage(deps: Pick<JobDeps, 'resolveImage'>, stepName: string, imageUri: string): ResolvedJobImage {
  try {
    return deps.resolveImage(imageUri);
  } catch (error) {
    if (isSagesimError(error)) {
      const hint = error.hint === undefined ? '' : ` (${error.hint})`;
      throw new StepFailure(`ClientError: step "${stepName}": ${error.message}${hint}`, { code: error.code, source: 'user', cause: error });
    }
    throw error;
  }
}

/** Docker API failures and S3 errors other than a missing object: SageMaker would retry these. */
export function infrastructureFailure(stepName: string, what: string, cause: unknown): StepFailure {
  const message = cause instanceof Error ? cause.message : String(cause);
  const hint = isSagesimError(cause) && cause.hint !== undefined ? ` (${cause.hint})` : diskFullHint(cause);
  return new StepFailure(`InternalServerError: step "${stepName}": could not ${what}: ${message}${hint}`, {
    exceptionType: 'SageMaker.JOB_INTERNAL_ERROR',
    code: isSagesimError(cause) ? cause.code : 'JOB_INTERNAL_ERROR',
    source: 'sagesim',
    cause,
  });
}

/** Says the disk is full when an error (or one it wraps) is ENOSPC: the fix is the user's. */
function diskFullHint(cause: unknown): string {
  for (let current: unknown = cause, depth = 0; current && depth < 5; depth++) {
    if (isNoSpace(current)) return ' (the disk is full: free some space, then retry the execution)';
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new StoppedError();
}

export interface StageInput {
  /** InputName / ChannelName, for messages. */
  readonly name: string;
  readonly s3Uri: string;
  readonly dataType: 'S3Prefix' | 'ManifestFile';
  readonly hostDir: string;
}

/** Codes the staging layer and object stores use for data that is not there. */
const MISSING_INPUT_CODES = new Set(['S3_INPUT_NOT_FOUND', 'S3_NOT_FOUND', 'S3_NO_SUCH_BUCKET', 'NoSuchBucket']);

/** Downloads inputs in parallel; an input with no objects fails the step naming the input and URI. */
export async function stageInputs(context: JobContext, inputs: readonly StageInput[]): Promise<void> {
  await Promise.all(
    inputs.map(async (input) => {
      let files: number;
      try {
        ({ files } = await downloadPrefix(context.objectStore, input.s3Uri, input.hostDir, {
          dataType: input.dataType,
          signal: context.signal,
        }));
      } catch (error) {
        throwIfStopped(context.signal);
        if (isSagesimError(error) && MISSING_INPUT_CODES.has(error.code)) throw missingInput(context, input, error);
        if (isSagesimError(error) && error.source === 'user') {
          const hint = error.hint === undefined ? '' : ` (${error.hint})`;
          throw new StepFailure(`ClientError: step "${context.stepName}": input "${input.name}" (${input.s3Uri}): ${error.message}${hint}`, {
            code: error.code,
            source: 'user',
            cause: error,
          });
        }
        throw infrastructureFailure(context.stepName, `download input "${input.name}" from ${input.s3Uri}`, error);
      }
      if (files === 0) throw missingInput(context, input);
    }),
  );
  throwIfStopped(context.signal);
}

function missingInput(context: JobContext, input: StageInput, cause?: unknown): StepFailure {
  // The staging layer says which object is missing (a manifest entry may be the culprit).
  const detail = isSagesimError(cause) && cause.code === 'S3_INPUT_NOT_FOUND' ? ` (${cause.message})` : '';
  return new StepFailure(`${missingInputReason(context.stepName, input.name, input.s3Uri, context.objectStore.description)}${detail}`, {
    code: 'S3_INPUT_NOT_FOUND',
    source: 'user',
    cause,
  });
}

/**
 * Uploads a folder's files under an S3 prefix (keys relative to the folder). A link the container
 * left that leads out of the folder is not followed (see LinkPolicy); the step's log says so.
 */
export async function uploadOutput(context: JobContext, name: string, hostDir: string, s3Uri: string): Promise<void> {
  try {
    const { skipped } = await uploadDir(context.objectStore, hostDir, s3Uri, { signal: context.signal });
    logSkipped(context, `output "${name}"`, skipped);
  } catch (error) {
    throwIfStopped(context.signal);
    throw infrastructureFailure(context.stepName, `upload output "${name}" to ${s3Uri}`, error);
  }
}

/** Tells the step's log which entries of a container's folder were left out, and why. */
export function logSkipped(context: Pick<JobContext, 'log'>, what: string, skipped: readonly SkippedEntry[]): void {
  for (const entry of skipped) context.log(`[sagesim] ${what}: not uploaded: ${entry.path}: ${entry.reason}`);
}

/** Uploads one local file to an exact URI (streamed). */
export async function uploadFileTo(context: JobContext, file: string, s3Uri: string): Promise<void> {
  try {
    await uploadFile(context.objectStore, file, s3Uri, { signal: context.signal });
  } catch (error) {
    throwIfStopped(context.signal);
    throw infrastructureFailure(context.stepName, `upload ${s3Uri}`, error);
  }
}

export interface JobContainer {
  readonly jobName: string;
  readonly localImage: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly mounts: readonly ContainerMount[];
  readonly networkIsolation: boolean;
  readonly maxRuntimeSeconds?: number;
  readonly memoryBytes?: number;
  /** GPUs for the container (jobGpus). @default none */
  readonly gpus?: { readonly count: number };
  /** Each output line, besides the step's log. */
  readonly onLine?: (line: string) => void;
}

/** The container spec of a job: its image, command, environment and mounts, labelled for sweeps. */
export function jobContainerSpec(context: JobContext, job: JobContainer): ContainerSpec {
  return {
    image: job.localImage,
    ...(job.command === undefined ? {} : { command: job.command }),
    ...(job.entrypoint === undefined ? {} : { entrypoint: job.entrypoint }),
    env: job.env,
    mounts: job.mounts,
    labels: jobLabels(context, job.jobName),
    network: job.networkIsolation ? 'none' : 'host',
    ...(job.maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds: job.maxRuntimeSeconds }),
    ...(job.memoryBytes === undefined ? {} : { memoryBytes: job.memoryBytes }),
    ...(job.gpus === undefined ? {} : { gpus: job.gpus }),
  };
}

/** Each output line of a job's container goes to the step's log, then to the job's own listener. */
export function jobLogListener(context: JobContext, job: JobContainer): (line: string) => void {
  return (line) => {
    context.log(line);
    job.onLine?.(line);
  };
}

/**
 * Runs a job's container to its end. Stopping (the signal) throws StoppedError; engine failures
 * throw a retryable StepFailure; a non-zero exit is returned for the executor to explain.
 */
export async function runJobContainer(deps: JobDeps, context: JobContext, job: JobContainer): Promise<ContainerExit> {
  throwIfStopped(context.signal);
  let exit: ContainerExit;
  try {
    exit = await deps.runtime.run(jobContainerSpec(context, job), { signal: context.signal, onLog: jobLogListener(context, job) });
  } catch (error) {
    throw containerEngineFailure(context, `run the container of ${job.localImage}`, error);
  }
  if (exit.stopped) throw new StoppedError();
  return exit;
}

/**
 * Why the engine could not run or start a job's container: stopped, an image that is not there
 * (the user's to build), or an engine failure SageMaker would retry. `what` says what was tried.
 */
export function containerEngineFailure(context: JobContext, what: string, error: unknown): StepFailure | StoppedError {
  if (context.signal.aborted) return new StoppedError();
  if (isSagesimError(error) && error.code === 'IMAGE_NOT_FOUND') {
    return new StepFailure(`ClientError: step "${context.stepName}": ${error.message}${error.hint ? ` (${error.hint})` : ''}`, {
      code: error.code,
      source: 'user',
      cause: error,
    });
  }
  return infrastructureFailure(context.stepName, what, error);
}

/**
 * The StepFailure of a job whose container exited non-zero, outran MaxRuntimeInSeconds, or ended
 * before its container phase was done (`early`: a serving container gone before /ping): its
 * FailureReason explains the exit, and `failedProperties` is what Describe reports for the failed job.
 */
export function containerJobFailure(
  failure: ContainerFailure,
  metadata: Readonly<Record<string, JsonValue>>,
  failedProperties: (reason: string) => JsonObject,
  early?: EarlyEnd,
): StepFailure {
  const reason = early === undefined ? containerFailureReason(failure) : `${containerFailureReason(failure)}\n${early.note}`;
  return new StepFailure(reason, {
    code: early?.code ?? (failure.exit.timedOut ? 'MAX_RUNTIME_EXCEEDED' : 'CONTAINER_FAILED'),
    source: 'container',
    metadata,
    properties: failedProperties(reason),
  });
}

/** The RoleArn a job describes: the step's, or a local placeholder in the execution's account. */
export function describedRoleArn(args: ArgumentReader, execution: Pick<JobContext['execution'], 'accountId'>): string {
  return args.optionalString('RoleArn') ?? `arn:aws:iam::${execution.accountId}:role/sagesim`;
}

/** The StoppingCondition a job describes: the step's, or SageMaker's default of one day. */
export function describedStoppingCondition(args: ArgumentReader): JsonObject {
  return args.has('StoppingCondition') ? args.object('StoppingCondition').value : { MaxRuntimeInSeconds: 86400 };
}

/** SageMaker would start InstanceCount copies of the job; locally one container runs, and the user is told. */
export function singleInstanceWarnings(stepName: string, instanceCount: number | undefined): Warning[] {
  return instanceCount !== undefined && instanceCount > 1 ? [{ code: 'INSTANCE_COUNT_AS_ONE', message: `step "${stepName}": InstanceCount ${instanceCount} runs as a single local container` }] : [];
}

/** A SagesimError for definitions sagesim cannot run locally (FileSystemDataSource, AlgorithmName...). */
export function unsupported(stepName: string, what: string, hint: string): StepFailure {
  return new StepFailure(`ClientError: step "${stepName}": ${what} does not run locally. ${hint}`, {
    code: 'UNSUPPORTED_LOCALLY',
    source: 'user',
    cause: new SagesimError('UNSUPPORTED_LOCALLY', what, { source: 'user' }),
  });
}
