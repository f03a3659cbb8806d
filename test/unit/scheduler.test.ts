import { describe, expect, it } from 'vitest';
import type { ParameterDeclaration, PipelineStep } from '../../src/engine/definition-types.js';
import type { Reporter } from '../../src/engine/events.js';
import type { ExecutionRecord, ExecutionStatus } from '../../src/engine/execution-record.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { STEP_FAILURE_REASON } from '../../src/engine/scheduler.js';
import { runPipeline } from '../../src/app/run-pipeline.js';
import { StepFailure, StoppedError, isSagesimError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { ExecutorTable, StepContext, StepExecutor, StepResult } from '../../src/steps/executor.js';
import type { StepRunners } from '../../src/app/run-pipeline.js';
import { conditionStep, definition, failStep, processingStep, run, statuses, stepOf, testConfig, testRun, trainingStep, testExecutors } from './support/pipeline-builders.js';

/** A Training executor the test opens and fails step by step, counting what runs at once. */
class GateExecutor implements StepExecutor {
  readonly stepType = 'Training' as const;
  readonly started: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly gates = new Map<string, { resolve: (r: StepResult) => void; reject: (e: unknown) => void }>();

  async execute(context: StepContext): Promise<StepResult> {
    const name = context.step.Name;
    this.started.push(name);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await new Promise<StepResult>((resolve, reject) => {
        this.gates.set(name, { resolve, reject });
        context.signal.addEventListener('abort', () => reject(new StoppedError(`${name} stopped`)), { once: true });
      });
    } finally {
      this.inFlight--;
    }
  }

  succeed(name: string): void {
    this.gate(name).resolve({ properties: { TrainingJobName: name }, metadata: { TrainingJob: { Arn: `arn:${name}` } } });
  }

  fail(name: string, reason = `${name} broke`): void {
    this.gate(name).reject(new StepFailure(reason));
  }

  running(): string[] {
    return [...this.gates.keys()];
  }

  private gate(name: string) {
    const gate = this.gates.get(name);
    if (!gate) throw new Error(`${name} is not running; running: ${this.running().join(', ')}`);
    this.gates.delete(name);
    return gate;
  }
}

/** Lets the engine run until `predicate` holds (no timers: it only yields to pending work). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (predicate()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function gated(steps: readonly PipelineStep[], options: { maxParallel?: number; signal?: AbortSignal; reporter?: Reporter } = {}) {
  const executor = new GateExecutor();
  const store = new MemoryExecutionStore();
  const promise = runPipeline({
    definition: definition(steps),
    pipelineName: 'gated',
    config: testConfig({ maxParallel: options.maxParallel ?? 4 }),
    executors: testExecutors(executor),
    store,
    objectStore: new MemoryObjectStore(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  return { executor, store, promise };
}

const intParam = (name: string, value: number): ParameterDeclaration => ({ Name: name, Type: 'Integer', DefaultValue: value });

describe('ordering', () => {
  it('runs a step only after its DependsOn and data-reference upstream steps finished', async () => {
    const steps = [
      trainingStep('C', { args: { HyperParameters: { upstream: { Get: 'Steps.B.TrainingJobName' } } } }),
      trainingStep('B', { dependsOn: ['A'] }),
      trainingStep('A'),
    ];
    const { executor, promise } = gated(steps);
    await until(() => executor.running().length === 1, 'A to start');
    expect(executor.running()).toEqual(['A']);
    executor.succeed('A');
    await until(() => executor.running().includes('B'), 'B to start');
    expect(executor.running()).toEqual(['B']);
    executor.succeed('B');
    await until(() => executor.running().includes('C'), 'C to start');
    executor.succeed('C');
    const record = await promise;
    expect(executor.started).toEqual(['A', 'B', 'C']);
    expect(record.status).toBe('Succeeded');
    // C was given B's property, resolved.
    expect(stepOf(record, 'C').resolvedArguments).toMatchObject({ HyperParameters: { upstream: 'B' } });
  });
});

describe('condition branches', () => {
  const pipeline = (threshold: number) =>
    definition(
      [
        trainingStep('Train'),
        conditionStep(
          'Check',
          [{ Type: 'GreaterThanOrEqualTo', LeftValue: { Get: 'Parameters.Score' }, RightValue: threshold }],
          [trainingStep('Register', { dependsOn: ['Train'] })],
          [failStep('TooLow', { 'Std:Join': { On: ' ', Values: ['score', { Get: 'Parameters.Score' }, 'is below', threshold] } })],
        ),
        // Downstream of an IfSteps step: runs only when the if branch ran.
        processingStep('Deploy', { dependsOn: ['Register'] }),
      ],
      [intParam('Score', 7)],
    );

  it('True: IfSteps run, ElseSteps are skipped with the reason', async () => {
    const record = await run(pipeline(5));
    expect(statuses(record)).toEqual({ Train: 'Succeeded', Check: 'Succeeded', Register: 'Succeeded', TooLow: 'Skipped', Deploy: 'Succeeded' });
    expect(stepOf(record, 'Check').metadata).toEqual({ Condition: { Outcome: 'True' } });
    expect(stepOf(record, 'Check').properties).toEqual({ Outcome: true });
    expect(stepOf(record, 'TooLow').skipReason).toBe('branch not taken: condition Check evaluated to True and this step is in its ElseSteps');
    expect(record.status).toBe('Succeeded');
  });

  it('False: ElseSteps run, IfSteps and every step downstream of them are skipped', async () => {
    const record = await run(pipeline(9));
    expect(statuses(record)).toEqual({ Train: 'Succeeded', Check: 'Succeeded', Register: 'Skipped', TooLow: 'Failed', Deploy: 'Skipped' });
    expect(stepOf(record, 'Register').skipReason).toContain('evaluated to False and this step is in its IfSteps');
    expect(stepOf(record, 'Deploy').skipReason).toBe('upstream step Register was skipped');
  });

  it('a chain below a skipped step is skipped step by step', async () => {
    const record = await run(
      definition([
        conditionStep('Gate', [{ Type: 'Equals', LeftValue: 1, RightValue: 2 }], [trainingStep('A')]),
        trainingStep('B', { dependsOn: ['A'] }),
        trainingStep('C', { args: { HyperParameters: { b: { Get: 'Steps.B.TrainingJobName' } } } }),
      ]),
    );
    expect(statuses(record)).toEqual({ Gate: 'Succeeded', A: 'Skipped', B: 'Skipped', C: 'Skipped' });
    expect(stepOf(record, 'C').skipReason).toBe('upstream step B was skipped');
    expect(record.status).toBe('Succeeded');
  });
});

describe('Fail steps', () => {
  it('fail the execution with the rendered ErrorMessage as the step FailureReason and metadata', async () => {
    const record = await run(
      definition([failStep('Stop', { 'Std:Join': { On: ': ', Values: ['bad score', { Get: 'Parameters.Score' }] } })], [intParam('Score', 3)]),
    );
    expect(record.status).toBe('Failed');
    expect(record.failureReason).toBe(STEP_FAILURE_REASON);
    expect(stepOf(record, 'Stop')).toMatchObject({ status: 'Failed', failureReason: 'bad score: 3', metadata: { Fail: { ErrorMessage: 'bad score: 3' } } });
  });

  it('without an ErrorMessage have no FailureReason and an empty Fail.ErrorMessage, as the cloud reports', async () => {
    const record = await run(definition([{ Name: 'Stop', Type: 'Fail', Arguments: {} }]));
    expect(stepOf(record, 'Stop').failureReason).toBeUndefined();
    expect(stepOf(record, 'Stop').metadata).toEqual({ Fail: { ErrorMessage: '' } });
  });
});

describe('failure handling', () => {
  it('lets running steps finish, starts nothing new, and records every step', async () => {
    const { executor, promise } = gated([trainingStep('A'), trainingStep('B'), trainingStep('C'), trainingStep('D', { dependsOn: ['A'] })], { maxParallel: 2 });
    await until(() => executor.running().length === 2, 'A and B to start');
    expect(executor.running()).toEqual(['A', 'B']);
    executor.fail('A', 'exit code 1');
    await until(() => executor.inFlight === 1, 'A to end');
    // A slot is free, but C must not start after a failure.
    expect(executor.running()).toEqual(['B']);
    executor.succeed('B');
    const record = await promise;
    expect(executor.started).toEqual(['A', 'B']);
    expect(statuses(record)).toEqual({ A: 'Failed', B: 'Succeeded', C: 'Skipped', D: 'Skipped' });
    expect(stepOf(record, 'A').failureReason).toBe('exit code 1');
    expect(stepOf(record, 'C').skipReason).toBe('not started: step A failed');
    expect(stepOf(record, 'D').skipReason).toBe('upstream step A failed');
    expect(record).toMatchObject({ status: 'Failed', failureReason: 'Step failure: One or multiple steps failed.' });
    expect(record.endTime).toBeDefined();
  });

  it('an expression that cannot be resolved fails the step with the reason', async () => {
    const record = await run(definition([trainingStep('T', { args: { HyperParameters: { x: { Get: 'Steps.Nope.TrainingJobName' } } } })]));
    expect(stepOf(record, 'T').status).toBe('Failed');
    expect(stepOf(record, 'T').failureReason).toContain('Nope');
  });

  it('an executor table missing a step type does not compile; only an all-stub run needs none', () => {
    const { Training: _left, ...missingTraining } = testExecutors();
    // @ts-expect-error -- every runnable step type needs its executor (ExecutorTable is keyed by all of them)
    const partial: ExecutorTable = missingTraining;
    // @ts-expect-error -- without executors, every step must be a stub
    const notAllStubbed: StepRunners = { stubs: { steps: { Train: {} } } };
    const allStubbed: StepRunners = { stubs: { all: true } };
    expect([partial, notAllStubbed, allStubbed]).toHaveLength(3);
  });

  it('stubs naming unknown steps are refused', async () => {
    const error = await run(definition([trainingStep('Train')]), testRun(), { stubs: { all: true, steps: { Trian: {} } } }).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('UNKNOWN_STUB_STEP');
  });
});

describe('concurrency', () => {
  it.each([1, 3, 5])('never runs more than maxParallel=%i steps at once, and does reach it', async (maxParallel) => {
    const names = Array.from({ length: 12 }, (_, i) => `S${i}`);
    const { executor, promise } = gated(
      names.map((n) => trainingStep(n)),
      { maxParallel },
    );
    let finished = 0;
    while (finished < names.length) {
      await until(() => executor.running().length === Math.min(maxParallel, names.length - finished), `${maxParallel} running`);
      expect(executor.inFlight).toBeLessThanOrEqual(maxParallel);
      const [next] = executor.running();
      executor.succeed(next as string);
      finished++;
    }
    const record = await promise;
    expect(record.status).toBe('Succeeded');
    expect(executor.maxInFlight).toBe(maxParallel);
  });
});

describe('stopping', () => {
  it('SIGINT: the execution goes Stopping then Stopped, running steps get the abort, nothing new starts', async () => {
    const controller = new AbortController();
    const seen: ExecutionStatus[] = [];
    const { executor, store, promise } = gated([trainingStep('A'), trainingStep('B', { dependsOn: ['A'] }), trainingStep('C')], { maxParallel: 1, signal: controller.signal });
    const save = store.save.bind(store);
    store.save = (record: Readonly<ExecutionRecord>) => {
      if (seen[seen.length - 1] !== record.status) seen.push(record.status);
      save(record);
    };
    await until(() => executor.running().length === 1, 'A to start');
    controller.abort();
    const record = await promise;
    expect(seen).toEqual(['Executing', 'Stopping', 'Stopped']);
    expect(record.status).toBe('Stopped');
    expect(record.failureReason).toBeUndefined();
    expect(statuses(record)).toEqual({ A: 'Stopped', B: 'Skipped', C: 'Skipped' });
    expect(stepOf(record, 'C').skipReason).toBe('not started: the execution was stopped');
    expect(executor.started).toEqual(['A']);
    expect((await store.get(record.executionId))?.status).toBe('Stopped');
  });

  it('a stop during a retry back-off ends the step as Stopped', async () => {
    const env = testRun();
    const controller = new AbortController();
    const def = definition([trainingStep('T', { retry: [{ ExceptionType: ['Step.SERVICE_FAULT'], IntervalSeconds: 300, MaxAttempts: 3 }] })]);
    const promise = runPipeline({
      definition: def,
      pipelineName: 'p',
      config: testConfig(),
      executors: testExecutors(),
      stubs: { steps: { T: { fail: { exceptionType: 'Step.SERVICE_FAULT' } } } },
      store: env.store,
      objectStore: env.objectStore,
      clock: env.clock,
      signal: controller.signal,
    });
    await until(() => env.clock.pendingSleeps === 1, 'the back-off wait');
    controller.abort();
    const record = await promise;
    expect(record.status).toBe('Stopped');
    expect(stepOf(record, 'T')).toMatchObject({ status: 'Stopped', attemptCount: 1 });
  });
});

describe('retries in a run', () => {
  it('retries a step per its policy on the injected clock and records AttemptCount', async () => {
    const env = testRun();
    const events: string[] = [];
    const reporter: Reporter = {
      stepStarted: (e) => events.push(`start ${e.step.stepName} #${e.attempt}`),
      stepFailed: (e) => events.push(`fail ${e.step.stepName} retry=${e.willRetry} in=${e.retryInSeconds ?? '-'}`),
      stepSucceeded: (e) => events.push(`ok ${e.step.stepName}`),
    };
    const start = env.clock.now().getTime();
    const def = definition([trainingStep('T', { retry: [{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 5 }] })]);
    const record = await run(def, env, { reporter, stubs: { steps: { T: { fail: { reason: 'no capacity', exceptionType: 'SageMaker.CAPACITY_ERROR', times: 2 } } } } });
    expect(events).toEqual(['start T #1', 'fail T retry=true in=10', 'start T #2', 'fail T retry=true in=20', 'start T #3', 'ok T']);
    expect(stepOf(record, 'T')).toMatchObject({ status: 'Succeeded', attemptCount: 3 });
    expect(stepOf(record, 'T').failureReason).toBeUndefined();
    expect(Date.parse(stepOf(record, 'T').endTime ?? '') - start).toBe(30_000);
  });

  it('does not retry a user failure even with a policy', async () => {
    const def = definition([trainingStep('T', { retry: [{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], MaxAttempts: 5 }] })]);
    const record = await run(def, testRun(), { stubs: { steps: { T: { fail: { reason: 'bug in train.py' } } } } });
    expect(stepOf(record, 'T')).toMatchObject({ status: 'Failed', attemptCount: 1, failureReason: 'bug in train.py' });
  });
});

describe('property files and JsonGet', () => {
  const evaluate = processingStep('Evaluate', {
    outputs: { evaluation: { 'Std:Join': { On: '/', Values: ['s3://bucket', { Get: 'Execution.PipelineExecutionId' }, 'evaluation'] } } },
    propertyFiles: [{ PropertyFileName: 'Report', OutputName: 'evaluation', FilePath: 'evaluation.json' }],
  });
  const check = conditionStep(
    'Check',
    [
      { Type: 'LessThanOrEqualTo', LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'mse' } }, RightValue: 5 },
      {
        Type: 'Equals',
        LeftValue: {
          'Std:JsonGet': {
            S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } },
            Path: 'model',
          },
        },
        RightValue: 'xgb',
      },
    ],
    [trainingStep('Register')],
  );

  it('reads the property file the step wrote, by PropertyFile and by S3Uri', async () => {
    const record = await run(definition([evaluate, check]), testRun(), {
      stubs: { all: true, steps: { Evaluate: { propertyFiles: { Report: { mse: 4.5, model: 'xgb' } } } } },
    });
    expect(stepOf(record, 'Evaluate').propertyFiles).toEqual({ Report: { mse: 4.5, model: 'xgb' } });
    expect(stepOf(record, 'Check').metadata).toEqual({ Condition: { Outcome: 'True' } });
    expect(stepOf(record, 'Register').status).toBe('Succeeded');
  });

  it('a property file the job did not write fails the step, saying where it looked', async () => {
    const writesNothing: StepExecutor = { stepType: 'Processing', execute: async (ctx) => ({ properties: { ProcessingOutputConfig: ctx.arguments['ProcessingOutputConfig'] ?? null } }) };
    const record = await run(definition([evaluate, check]), testRun(), { stubs: {}, executors: testExecutors(writesNothing, new GateExecutor()) });
    expect(stepOf(record, 'Evaluate').status).toBe('Failed');
    expect(stepOf(record, 'Evaluate').failureReason).toMatch(/property file Report was not written: no object at s3:\/\/bucket\/[a-z0-9]{12}\/evaluation\/evaluation.json/);
    expect(statuses(record)).toMatchObject({ Check: 'Skipped', Register: 'Skipped' });
  });
});

describe('reusing results of another execution', () => {
  it('copies the listed steps instead of running them, and runs the rest on their outputs', async () => {
    const env = testRun();
    const def = definition([trainingStep('Train'), processingStep('Report', { args: { Environment: { MODEL: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } } } })]);
    const source = await run(def, env);
    const again = await run(def, env, { reuse: { execution: source, steps: ['Train'] } });
    expect(stepOf(again, 'Train')).toMatchObject({ status: 'Succeeded', reusedFrom: source.executionArn, properties: stepOf(source, 'Train').properties });
    expect(stepOf(again, 'Report').resolvedArguments).toMatchObject({ Environment: { MODEL: stepOf(source, 'Train').properties?.['ModelArtifacts'] && (stepOf(source, 'Train').properties?.['ModelArtifacts'] as { S3ModelArtifacts: string }).S3ModelArtifacts } });
    expect(again.sourceExecutionArn).toBe(source.executionArn);
  });

  it('onlySteps skips every step neither selected nor reused', async () => {
    const env = testRun();
    const def = definition([trainingStep('A'), trainingStep('B', { dependsOn: ['A'] }), trainingStep('C', { dependsOn: ['B'] })]);
    const source = await run(def, env);
    const selective = await run(def, env, { reuse: { execution: source, steps: ['A'] }, onlySteps: ['B'] });
    expect(statuses(selective)).toEqual({ A: 'Succeeded', B: 'Succeeded', C: 'Skipped' });
    expect(stepOf(selective, 'C').skipReason).toBe('not selected for this execution');
    expect(selective.selectedSteps).toEqual(['B']);
  });

  it('refuses to reuse a step that did not succeed in the source', async () => {
    const env = testRun();
    const def = definition([trainingStep('A')]);
    const failed = await run(def, env, { stubs: { steps: { A: { fail: {} } } } });
    const error = await run(def, env, { reuse: { execution: failed, steps: ['A'] } }).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('CANNOT_REUSE_STEPS');
  });
});

describe('the record and the reporter', () => {
  it('persists parameters, resolved arguments, properties and times, and reports each transition', async () => {
    const env = testRun();
    const events: string[] = [];
    const reporter: Reporter = {
      executionStarted: (e) => events.push(`execution ${e.status}`),
      stepStarted: (e) => events.push(`${e.step.stepName} started`),
      stepSucceeded: (e) => events.push(`${e.step.stepName} succeeded`),
      stepSkipped: (e) => events.push(`${e.step.stepName} skipped`),
      executionFinished: (e) => events.push(`execution ${e.status}`),
    };
    const def = definition(
      [trainingStep('Train', { args: { HyperParameters: { depth: { Std: 'x', Get: 'ignored' }, eta: { Get: 'Parameters.Eta' } } } }), conditionStep('Never', [{ Type: 'Equals', LeftValue: 1, RightValue: 2 }], [trainingStep('Skipped')])],
      [{ Name: 'Eta', Type: 'Float', DefaultValue: 0.3 }],
    );
    const record = await run(def, env, { reporter, parameters: { Eta: '0.2' } });
    // Train and Never run side by side: check the order within each step and around the execution.
    expect(events[0]).toBe('execution Executing');
    expect(events.at(-1)).toBe('execution Succeeded');
    expect(events.filter((e) => e.startsWith('Train '))).toEqual(['Train started', 'Train succeeded']);
    expect(events.filter((e) => e.startsWith('Never ') || e.startsWith('Skipped '))).toEqual(['Never started', 'Never succeeded', 'Skipped skipped']);
    const saved = await env.store.get(record.executionId);
    expect(saved?.parameters).toEqual({ Eta: 0.2 });
    expect(saved?.executionArn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:pipeline\/test-pipeline\/execution\/[a-z0-9]{12}$/);
    const train = saved ? stepOf(saved, 'Train') : undefined;
    expect(train?.resolvedArguments).toMatchObject({ HyperParameters: { eta: 0.2 } });
    expect(train?.properties?.['TrainingJobName']).toMatch(/^pipelines-[a-z0-9]{12}-Train-/);
    expect(train?.startTime).toBe('2024-06-01T12:00:00.000Z');
    expect(saved?.endTime).toBeDefined();
  });
});
