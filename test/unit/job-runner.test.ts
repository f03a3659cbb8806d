// The one job runner, given plans written by hand (not by a job type's planner): it stages inputs,
// writes config files, runs the container with the plan's mounts and environment, reads metrics and
// message files, uploads outputs, and explains failures, stops and timeouts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { describe, expect, it } from 'vitest';
import { StepFailure, StoppedError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { ContainerExit, ContainerSpec, RunOptions } from '../../src/ports/container-engine.js';
import { FakeContainerEngine, type FakeBehaviour } from '../../src/ports/fake-container-engine.js';
import { runToCompletion, type ContainerPhase } from '../../src/steps/container-phase.js';
import { jobContextOf } from '../../src/steps/job-container.js';
import type { JobPlan } from '../../src/steps/job-plan.js';
import { runJob } from '../../src/steps/job-runner.js';
import { executorContext } from './support/executor-context.js';
import { jobDeps } from './support/job-deps.js';

/** A plan of no particular job type: one input, one config file, three kinds of output. */
function handPlan(overrides: Partial<JobPlan> = {}): JobPlan {
  return {
    jobName: 'job-1',
    arn: 'arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1',
    metadata: { TrainingJob: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1' } },
    imageUri: 'example/image:1',
    localImage: 'local/image:1',
    warnings: [{ code: 'INSTANCE_COUNT_AS_ONE', message: 'heads up' }],
    folder: 'job',
    folders: ['work/config'],
    mounts: [
      { hostPath: 'work', containerPath: '/work' },
      { hostPath: 'out', containerPath: '/out' },
    ],
    configFiles: [{ hostPath: 'work/config/settings.json', content: { answer: 42 } }],
    inputs: [{ name: 'data', s3Uri: 's3://bucket/data/', dataType: 'S3Prefix', hostPath: 'work/data' }],
    outputs: [
      { name: 'files', hostPath: 'out', s3Uri: 's3://bucket/result', upload: 'files' },
      { name: 'packed', hostPath: 'work/packed', s3Uri: 's3://bucket/packed.tar.gz', upload: 'archive' },
      { name: 'maybe', hostPath: 'work/maybe', s3Uri: 's3://bucket/maybe.tar.gz', upload: 'archive-if-any' },
    ],
    container: {
      command: ['go'],
      environment: { STEP_VAR: 'step', AWS_REGION: 'eu-west-1', JOB_NAME: 'mine' },
      jobVariables: { JOB_NAME: 'job-1' },
      networkIsolation: false,
      pipWheels: false,
      gpuEnvironment: false,
    },
    metricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }],
    messageFiles: [{ hostPath: 'out/why', containerPath: '/out/why' }],
    readMessage: 'on-failure',
    describe: (run, end) => ({
      Status: end.status,
      ...(end.status === 'Failed' ? { FailureReason: end.reason, TimedOut: end.timedOut } : {}),
      Start: run.startTime.toISOString(),
      End: run.endTime.toISOString(),
      Metrics: run.finalMetrics.map((datum) => ({ ...datum })),
      ...(run.exitMessage === undefined ? {} : { Message: run.exitMessage }),
    }),
    ...overrides,
  };
}

async function setup(behaviour: FakeBehaviour, plan = handPlan(), runtime?: FakeContainerEngine, phase?: ContainerPhase) {
  const objectStore = new MemoryObjectStore();
  await objectStore.put('s3://bucket/data/part-1.csv', 'a,b\n');
  const deps = jobDeps(behaviour, runtime === undefined ? {} : { runtime });
  const context = await executorContext({ Name: 'Job', Type: 'Training', Arguments: {} }, { objectStore });
  return { deps, context, objectStore, run: () => runJob(deps, jobContextOf(context), plan, phase) };
}

function failureOf(promise: Promise<unknown>): Promise<StepFailure> {
  return promise.then(
    () => {
      throw new Error('expected the job to fail');
    },
    (error: unknown) => {
      if (error instanceof StepFailure) return error;
      throw error;
    },
  );
}

/** A runtime whose containers end as `exit` says (what an engine reports for a timeout). */
class ScriptedExitRuntime extends FakeContainerEngine {
  constructor(private readonly exit: Partial<ContainerExit>) {
    super();
  }

  override async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const exit = await super.run(spec, options);
    return { ...exit, ...this.exit };
  }
}

describe('runJob', () => {
  it('stages inputs and writes config files where the plan says, then runs the container with its mounts', async () => {
    const seen: Record<string, string> = {};
    const { run, deps, context } = await setup(async (container) => {
      seen['data'] = await readFile(container.hostPath('/work/data/part-1.csv'), 'utf8');
      seen['config'] = await readFile(container.hostPath('/work/config/settings.json'), 'utf8');
    });
    await run();
    expect(seen).toEqual({ data: 'a,b\n', config: '{\n  "answer": 42\n}\n' });
    const spec = deps.runtime.specs[0];
    expect(spec?.image).toBe('local/image:1');
    expect(spec?.command).toEqual(['go']);
    expect(spec?.mounts).toEqual([
      { hostPath: `${context.workDir}/job/work`, containerPath: '/work' },
      { hostPath: `${context.workDir}/job/out`, containerPath: '/out' },
    ]);
    expect(context.warnings).toEqual(['heads up']);
  });

  it('the step Environment overrides sagesim defaults, and the job variables override the step', async () => {
    const { run, deps } = await setup(() => undefined);
    await run();
    expect(deps.runtime.specs[0]?.env).toMatchObject({ STEP_VAR: 'step', AWS_REGION: 'eu-west-1', JOB_NAME: 'job-1', AWS_ACCESS_KEY_ID: 'sagesim' });
  });

  it('uploads files, an archive always, and an archive-if-any only when its folder holds something', async () => {
    const { run, objectStore } = await setup(async (container) => {
      await writeFile(container.hostPath('/out/result.txt'), 'ok');
      await mkdir(container.hostPath('/work/packed'), { recursive: true });
      await writeFile(container.hostPath('/work/packed/model.bin'), 'MODEL');
    });
    await run();
    const keys = (await objectStore.list('s3://bucket/')).map((object) => object.key);
    expect(keys).toContain('result/result.txt');
    expect(keys).toContain('packed.tar.gz');
    expect(keys).not.toContain('maybe.tar.gz');
  });

  it('returns the plan described as Completed, with the times of the clock and the last value of each metric', async () => {
    const { run } = await setup((container) => {
      container.log('loss=0.9');
      container.log('loss=0.4');
    });
    const outcome = await run();
    expect(outcome.properties).toMatchObject({ Status: 'Completed', Start: '2024-05-01T00:00:02.000Z', Metrics: [{ MetricName: 'loss', Value: 0.4 }] });
    expect(outcome.finalMetrics).toEqual([expect.objectContaining({ MetricName: 'loss', Value: 0.4 })]);
    expect(outcome).toMatchObject({ jobName: 'job-1', arn: 'arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1' });
  });

  it('a non-zero exit: FailureReason with the message file and the log tail, the plan described as Failed, nothing uploaded', async () => {
    const { run, objectStore } = await setup(async (container) => {
      container.log('Traceback: boom');
      await writeFile(container.hostPath('/out/why'), 'ValueError: bad row 7');
      return { exitCode: 1 };
    });
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'CONTAINER_FAILED', source: 'container', exceptionType: undefined });
    expect(failure.message).toContain('AlgorithmError: step "Job" failed: its container (image local/image:1 (for example/image:1)) exited with code 1');
    expect(failure.message).toContain('Failure file (/out/why):\n  | ValueError: bad row 7');
    expect(failure.message).toContain('  | Traceback: boom');
    expect(failure.properties).toMatchObject({ Status: 'Failed', TimedOut: false, FailureReason: failure.message });
    expect(failure.metadata).toEqual({ TrainingJob: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1' } });
    expect(await objectStore.list('s3://bucket/result')).toEqual([]);
  });

  it('readMessage always: the message file of a job that succeeded reaches its properties', async () => {
    const { run } = await setup(async (container) => {
      await writeFile(container.hostPath('/out/why'), 'all good');
    }, handPlan({ readMessage: 'always' }));
    expect((await run()).properties).toMatchObject({ Message: 'all good' });
  });

  it('outrunning MaxRuntimeInSeconds is MAX_RUNTIME_EXCEEDED, described as timed out', async () => {
    const runtime = new ScriptedExitRuntime({ exitCode: 137, timedOut: true });
    const plan = handPlan({ container: { ...handPlan().container, maxRuntimeSeconds: 60 } });
    const { run } = await setup(() => undefined, plan, runtime);
    const failure = await failureOf(run());
    expect(failure.code).toBe('MAX_RUNTIME_EXCEEDED');
    expect(failure.message).toContain('ran longer than StoppingCondition.MaxRuntimeInSeconds (60 s)');
    expect(failure.properties).toMatchObject({ Status: 'Failed', TimedOut: true });
  });

  it('a stop while the container runs throws StoppedError and uploads nothing', async () => {
    let abort: () => void = () => undefined;
    const { run, context, objectStore } = await setup(async (container) => {
      await writeFile(container.hostPath('/out/result.txt'), 'partial');
      abort();
      await new Promise((resolve) => container.signal.addEventListener('abort', resolve, { once: true }));
    });
    abort = () => context.controller.abort();
    await expect(run()).rejects.toBeInstanceOf(StoppedError);
    expect(await objectStore.list('s3://bucket/result')).toEqual([]);
  });

  it('a required input with no objects fails before any container starts; an optional one is simply empty', async () => {
    const missing = handPlan({ inputs: [{ name: 'data', s3Uri: 's3://bucket/nothing/', dataType: 'S3Prefix', hostPath: 'work/data' }] });
    const first = await setup(() => undefined, missing);
    const failure = await failureOf(first.run());
    expect(failure).toMatchObject({ code: 'S3_INPUT_NOT_FOUND', source: 'user' });
    expect(failure.message).toContain('input "data" has no objects at s3://bucket/nothing/');
    expect(first.deps.runtime.specs).toEqual([]);

    const optional = handPlan({ inputs: [{ name: 'checkpoints', s3Uri: 's3://bucket/nothing/', dataType: 'S3Prefix', hostPath: 'work/ckpt', optional: true }] });
    const second = await setup(() => undefined, optional);
    await second.run();
    expect(second.deps.runtime.specs).toHaveLength(1);
  });

  it('an engine API failure is retryable (SageMaker.JOB_INTERNAL_ERROR)', async () => {
    const { run } = await setup(() => undefined, handPlan(), new FakeContainerEngine({ failApi: true }));
    expect(await failureOf(run())).toMatchObject({ exceptionType: 'SageMaker.JOB_INTERNAL_ERROR', source: 'sagesim' });
  });

  it("a model's artifacts: a model.tar.gz is extracted into its folder before the container starts, the archive not left beside it", async () => {
    const source = await mkdtemp(path.join(tmpdir(), 'sagesim-model-'));
    try {
      await writeFile(path.join(source, 'weights.bin'), 'W');
      await createTar({ gzip: true, file: path.join(source, 'model.tar.gz'), cwd: source }, ['weights.bin']);
      const plan = handPlan({ modelArtifacts: { s3Uri: 's3://bucket/train/model.tar.gz', hostPath: 'work/model' } });
      const seen: string[] = [];
      const { run, objectStore, context } = await setup(async (container) => {
        seen.push(await readFile(container.hostPath('/work/model/weights.bin'), 'utf8'));
      }, plan);
      await objectStore.put('s3://bucket/train/model.tar.gz', await readFile(path.join(source, 'model.tar.gz')));
      await run();
      expect(seen).toEqual(['W']);
      expect(existsSync(path.join(context.workDir, 'job', 'model.tar.gz'))).toBe(false);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });

  it("a model's artifacts that are not there fail before any container starts, naming the ModelDataUrl", async () => {
    const plan = handPlan({ modelArtifacts: { s3Uri: 's3://bucket/train/model.tar.gz', hostPath: 'work/model' } });
    const { run, deps } = await setup(() => undefined, plan);
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'MODEL_DATA_NOT_FOUND', source: 'user' });
    expect(failure.message).toContain("the model's ModelDataUrl s3://bucket/train/model.tar.gz does not exist");
    expect(deps.runtime.specs).toEqual([]);
  });

  it("a phase that ends early fails the job with the phase's code, the exit explained, even after exit code 0", async () => {
    const early: ContainerPhase = {
      async run(deps, context, job) {
        const { exit } = await runToCompletion.run(deps, context, job);
        return { exit, early: { code: 'TRANSFORM_CONTAINER_EXITED', note: 'It ended before it was asked anything.' } };
      },
    };
    const { run, objectStore } = await setup((container) => container.log('bye'), handPlan(), undefined, early);
    const failure = await failureOf(run());
    expect(failure).toMatchObject({ code: 'TRANSFORM_CONTAINER_EXITED', source: 'container' });
    expect(failure.message).toMatch(/exited with code 0[\s\S]*\| bye[\s\S]*\nIt ended before it was asked anything\.$/);
    expect(failure.properties).toMatchObject({ Status: 'Failed', FailureReason: failure.message });
    expect(await objectStore.list('s3://bucket/result')).toEqual([]);
  });
});
