// Small builders for pipeline definitions in the SDK's shapes, and a one-call runner over the
// in-memory stores, for scheduler, cache and stub tests.
import type { SagesimConfig } from '../../../src/config.js';
import { FakeClock } from '../../../src/engine/clock.js';
import type { CacheConfig, Condition, JobStep, ParameterDeclaration, PipelineDefinition, PipelineStep, RetryPolicy } from '../../../src/engine/definition-types.js';
import type { Reporter } from '../../../src/engine/events.js';
import type { ExecutionRecord, StepRecord } from '../../../src/engine/execution-record.js';
import type { ExecutionStore } from '../../../src/engine/execution-store.js';
import { MemoryExecutionStore } from '../../../src/store/memory-execution-store.js';
import type { JsonObject, JsonValue } from '../../../src/engine/json.js';
import { type RunPipelineBase, runPipeline } from '../../../src/app/run-pipeline.js';
import { MemoryObjectStore } from '../../../src/mock-aws/memory-object-store.js';
import type { ObjectStore } from '../../../src/ports/object-store.js';
import { STEP_KINDS } from '../../../src/engine/step-kinds.js';
import type { ExecutorTable, RunnableStepType, StepExecutor } from '../../../src/steps/executor.js';
import type { StubOptions } from '../../../src/steps/stub-executor.js';

export function testConfig(overrides: Partial<SagesimConfig> = {}): SagesimConfig {
  return Object.freeze({
    cwd: '/tmp',
    home: '/tmp/.sagesim-test-unused',
    mock: true,
    region: 'us-east-1',
    accountId: '111122223333',
    maxParallel: 4,
    cache: true,
    instanceMemory: true,
    gpu: true,
    s3: { kind: 'embedded' },
    images: {},
    lambdas: {},
    dockerSocket: '/fake/docker.sock',
    sagemakerSdk: { python: 'python3', pythonPath: [] },
    debug: false,
    ...overrides,
  } as SagesimConfig);
}

export function definition(steps: readonly PipelineStep[], parameters: readonly ParameterDeclaration[] = []): PipelineDefinition {
  return { Version: '2020-12-01', Metadata: {}, Parameters: parameters, PipelineExperimentConfig: null, Steps: steps };
}

interface JobOptions {
  readonly dependsOn?: readonly string[];
  readonly cache?: CacheConfig;
  readonly retry?: readonly RetryPolicy[];
  readonly args?: JsonObject;
}

export function trainingStep(name: string, options: JobOptions = {}): JobStep {
  return {
    Name: name,
    Type: 'Training',
    ...(options.dependsOn ? { DependsOn: options.dependsOn } : {}),
    ...(options.cache ? { CacheConfig: options.cache } : {}),
    ...(options.retry ? { RetryPolicies: options.retry } : {}),
    Arguments: {
      AlgorithmSpecification: { TrainingImage: 'xgboost:1.7-1', TrainingInputMode: 'File' },
      OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      RoleArn: 'arn:aws:iam::111122223333:role/r',
      HyperParameters: { max_depth: '5' },
      ...options.args,
    },
  };
}

export function processingStep(
  name: string,
  options: JobOptions & { readonly outputs?: Record<string, JsonValue>; readonly propertyFiles?: JobStep['PropertyFiles'] } = {},
): JobStep {
  const outputs = options.outputs ?? { out: `s3://bucket/${name}/out` };
  return {
    Name: name,
    Type: 'Processing',
    ...(options.dependsOn ? { DependsOn: options.dependsOn } : {}),
    ...(options.cache ? { CacheConfig: options.cache } : {}),
    ...(options.retry ? { RetryPolicies: options.retry } : {}),
    ...(options.propertyFiles ? { PropertyFiles: options.propertyFiles } : {}),
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: 'sklearn:1.2-1' },
      RoleArn: 'arn:aws:iam::111122223333:role/r',
      ProcessingOutputConfig: {
        Outputs: Object.entries(outputs).map(([OutputName, S3Uri]) => ({
          OutputName,
          AppManaged: false,
          S3Output: { S3Uri, LocalPath: `/opt/ml/processing/${OutputName}`, S3UploadMode: 'EndOfJob' },
        })),
      },
      ...options.args,
    },
  };
}

export function conditionStep(name: string, conditions: readonly Condition[], ifSteps: readonly PipelineStep[], elseSteps: readonly PipelineStep[] = [], dependsOn?: readonly string[]): PipelineStep {
  return { Name: name, Type: 'Condition', ...(dependsOn ? { DependsOn: dependsOn } : {}), Arguments: { Conditions: conditions, IfSteps: ifSteps, ElseSteps: elseSteps } };
}

export function failStep(name: string, message: JsonValue, dependsOn?: readonly string[]): PipelineStep {
  return { Name: name, Type: 'Fail', ...(dependsOn ? { DependsOn: dependsOn } : {}), Arguments: { ErrorMessage: message } };
}

export interface TestRun {
  readonly store: ExecutionStore;
  readonly objectStore: ObjectStore;
  readonly clock: FakeClock;
}

/** Fresh in-memory stores and a fake clock; share one between runs to test caching. */
export function testRun(): TestRun {
  return { store: new MemoryExecutionStore(), objectStore: new MemoryObjectStore(), clock: new FakeClock('2024-06-01T12:00:00.000Z') };
}

/**
 * An executor for every runnable type: the given ones, and for the others one that fails the step
 * saying the test gave none (a test stubs the steps it does not give an executor).
 */
export function testExecutors(...given: readonly StepExecutor[]): ExecutorTable {
  const table = {} as Record<RunnableStepType, StepExecutor>;
  for (const type of Object.keys(STEP_KINDS) as (keyof typeof STEP_KINDS)[]) {
    if (STEP_KINDS[type].control) continue;
    const stepType = type as RunnableStepType;
    table[stepType] = given.find((executor) => executor.stepType === stepType) ?? {
      stepType,
      execute: () => Promise.reject(new Error(`this test gives no ${stepType} executor: stub the step or give one`)),
    };
  }
  return table;
}

export interface RunOptions extends Partial<Omit<RunPipelineBase, 'definition' | 'config'>> {
  readonly executors?: ExecutorTable;
  readonly config?: Partial<SagesimConfig>;
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
}

/** Runs `def` with every job step stubbed unless `stubs` says otherwise; drives the fake clock. */
export async function run(def: PipelineDefinition, env: TestRun = testRun(), options: RunOptions = {}): Promise<ExecutionRecord> {
  const promise = runPipeline({
    pipelineName: 'test-pipeline',
    executors: options.executors ?? testExecutors(),
    stubs: { all: true },
    store: env.store,
    objectStore: env.objectStore,
    clock: env.clock,
    ...options,
    definition: def,
    config: testConfig(options.config),
  });
  return env.clock.runUntilSettled(promise);
}

export function stepOf(record: ExecutionRecord, name: string): StepRecord {
  const step = record.steps.find((s) => s.stepName === name);
  if (!step) throw new Error(`step ${name} not in the record: ${record.steps.map((s) => s.stepName).join(', ')}`);
  return step;
}

/** Step name -> status, for whole-execution assertions. */
export function statuses(record: ExecutionRecord): Record<string, string> {
  return Object.fromEntries(record.steps.map((s) => [s.stepName, s.status]));
}
