// The "serve and invoke" container phase, given a plan of no particular job type: the runner builds
// the container as for any job, the phase starts it in the background, waits for /ping, runs the
// job's work against it, and stops it whatever happens.
import { describe, expect, it } from 'vitest';
import { StepFailure, StoppedError } from '../../src/errors.js';
import type { FakeBehaviour } from '../../src/ports/fake-container-engine.js';
import { jobContextOf } from '../../src/steps/job-container.js';
import type { JobPlan } from '../../src/steps/job-plan.js';
import { runJob } from '../../src/steps/job-runner.js';
import { serveAndInvoke, type ServeWork } from '../../src/steps/serve-phase.js';
import type { ModelServer } from '../../src/steps/transform-invoker.js';
import { executorContext } from './support/executor-context.js';
import { jobDeps } from './support/job-deps.js';

const plan: JobPlan = {
  jobName: 'serve-1',
  arn: 'arn:aws:sagemaker:us-east-1:111122223333:transform-job/serve-1',
  metadata: { TransformJob: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:transform-job/serve-1' } },
  imageUri: 'example/server:1',
  localImage: 'local/server:1',
  warnings: [],
  folder: '',
  folders: [],
  mounts: [{ hostPath: 'model', containerPath: '/opt/ml/model' }],
  configFiles: [],
  inputs: [],
  outputs: [],
  container: { command: ['serve'], environment: { SAGEMAKER_BIND_TO_PORT: 'not mine' }, jobVariables: { SAGEMAKER_BATCH: 'true' }, networkIsolation: false, pipWheels: false, gpuEnvironment: false },
  metricDefinitions: [],
  messageFiles: [],
  readMessage: 'on-failure',
  describe: (_run, end) => ({ Status: end.status }),
};

/** A container that serves until it is stopped. */
const serving: FakeBehaviour = async (container) => {
  container.log('listening');
  await new Promise<void>((resolve) => container.signal.addEventListener('abort', () => resolve(), { once: true }));
};

const readyServer: ModelServer = {
  ping: async () => true,
  invoke: async () => ({ status: 200, body: Buffer.from('ok') }),
};

async function serve(work: ServeWork) {
  const deps = jobDeps(serving);
  const context = await executorContext({ Name: 'Serve', Type: 'Transform', Arguments: {} });
  const phase = serveAndInvoke({ modelServer: () => readyServer, freePort: async () => 18123 }, work);
  return { runtime: deps.runtime, context, result: runJob(deps, jobContextOf(context), plan, phase) };
}

describe('serveAndInvoke', () => {
  it('starts the container with the port in SAGEMAKER_BIND_TO_PORT, runs the work once /ping answers, then stops it', async () => {
    const during: number[] = [];
    const { runtime, context, result } = await serve(async ({ server, running }) => {
      during.push(runtime.leftovers);
      expect((await server.invoke(Buffer.from('x'), {}, { signal: context.signal, timeoutMs: 1000 })).body.toString()).toBe('ok');
      expect(running.logTail()).toContain('listening');
    });
    expect((await result).properties).toEqual({ Status: 'Completed' });
    expect(during).toEqual([1]);
    expect(runtime.leftovers).toBe(0);
    expect(runtime.specs[0]).toMatchObject({ image: 'local/server:1', command: ['serve'], network: 'host' });
    // The port is SageMaker's to set: a step's Environment cannot move it.
    expect(runtime.specs[0]?.env).toMatchObject({ SAGEMAKER_BIND_TO_PORT: '18123', SAGEMAKER_BATCH: 'true' });
    expect(context.logs).toContain('listening');
  });

  it('a failure of the work fails the job and still stops the container', async () => {
    const { runtime, result } = await serve(async () => {
      throw new StepFailure('ClientError: the model said no', { code: 'TRANSFORM_INVOCATION_FAILED' });
    });
    await expect(result).rejects.toMatchObject({ code: 'TRANSFORM_INVOCATION_FAILED' });
    expect(runtime.leftovers).toBe(0);
  });

  it('a stop during the work throws StoppedError and leaves no container', async () => {
    const { runtime, context, result } = await serve(async () => {
      context.controller.abort();
      throw new StoppedError();
    });
    await expect(result).rejects.toBeInstanceOf(StoppedError);
    expect(runtime.leftovers).toBe(0);
  });
});
