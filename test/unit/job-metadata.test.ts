// A job step's metadata as ListPipelineExecutionSteps shows it: the job's ARN from the moment the
// job exists, while it runs and after a stop, not only once it has finished.
import { describe, expect, it } from 'vitest';
import type { PipelineStep } from '../../src/engine/definition-types.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { runPipeline } from '../../src/app/run-pipeline.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { StepExecutor } from '../../src/steps/executor.js';
import type { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { ProcessingExecutor } from '../../src/steps/processing-executor.js';
import { TrainingExecutor } from '../../src/steps/training-executor.js';
import { jobDeps } from './support/job-deps.js';
import { definition, processingStep, testConfig, trainingStep, testExecutors } from './support/pipeline-builders.js';

/** Lets the engine run until `predicate` holds (no timers: it only yields to pending work). */
async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (await predicate()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function start(step: PipelineStep, make: (deps: ReturnType<typeof jobDeps>) => StepExecutor) {
  // Every container runs until it is stopped.
  const deps = jobDeps((container) => new Promise((resolve) => container.signal.addEventListener('abort', () => resolve({ exitCode: 143 }), { once: true })));
  const store = new MemoryExecutionStore();
  const controller = new AbortController();
  let executionId = '';
  const promise = runPipeline({
    definition: definition([step]),
    pipelineName: 'meta',
    config: testConfig(),
    executors: testExecutors(make(deps)),
    store,
    objectStore: new MemoryObjectStore(),
    signal: controller.signal,
    onStarted: (record) => (executionId = record.executionId),
  });
  const saved = async (): Promise<ExecutionRecord | undefined> => (executionId === '' ? undefined : store.get(executionId));
  return { runtime: deps.runtime as FakeContainerEngine, controller, promise, saved };
}

const ARN = /^arn:aws:sagemaker:us-east-1:111122223333:(training|processing)-job\/pipelines-[a-z0-9]{12}-[a-z]+-[a-z0-9]{10}$/;

describe('job metadata while the job runs', () => {
  it.each([
    ['Training', 'TrainingJob', trainingStep('train'), (deps: ReturnType<typeof jobDeps>) => new TrainingExecutor(deps)],
    ['Processing', 'ProcessingJob', processingStep('prep'), (deps: ReturnType<typeof jobDeps>) => new ProcessingExecutor(deps)],
  ] as const)('%s: the saved record shows %s.Arn while the container runs, and keeps it after a stop', async (_type, key, step, make) => {
    const { runtime, controller, promise, saved } = start(step, make);
    await until(async () => runtime.running === 1 || ['Failed', 'Succeeded'].includes((await saved())?.steps[0]?.status ?? ''), 'the container to start');
    if (runtime.running !== 1) throw new Error(JSON.stringify((await saved())?.steps[0]));
    const running = (await saved())?.steps[0];
    expect(running?.status).toBe('Executing');
    expect((running?.metadata[key] as { Arn?: string } | undefined)?.Arn).toMatch(ARN);
    controller.abort();
    const record = await promise;
    expect(record.steps[0]?.status).toBe('Stopped');
    expect(record.steps[0]?.metadata[key]).toEqual(running?.metadata[key]);
  });
});
