// RetryPipelineExecution semantics: a Failed (or Stopped) execution runs again in place: the same
// execution id and ARN, status back to Executing; steps that succeeded keep their results, failed,
// stopped and never-started steps run again. What `sagesim retry` calls.
import type { SagesimConfig } from '../config.js';
import { SagesimError } from '../errors.js';
import { type CreateRunEnvironmentOptions, createRunEnvironment } from '../runtime/create-environment.js';
import { prepareRun } from '../runtime/prepare-run.js';
import type { ObjectStore } from '../mock-aws/object-store.js';
import type { ExecutorRegistry } from '../steps/executor.js';
import type { StubOptions } from '../steps/stub-executor.js';
import type { Clock } from './clock.js';
import type { Reporter } from './events.js';
import type { ExecutionRecord } from './execution-record.js';
import type { ExecutionStore } from './execution-store.js';
import type { ExecutionIdentity } from './resolve-context.js';
import { type ReuseSteps, runPipeline } from './scheduler.js';

export interface RetryPlan {
  /** The identity the retried execution keeps. */
  readonly identity: ExecutionIdentity;
  /** Steps whose results are kept (they succeeded). */
  readonly kept: readonly string[];
  readonly reuse: ReuseSteps | undefined;
}

/**
 * What a retry of `record` keeps and runs. Throws SagesimError `RETRY_NOT_ALLOWED` (source user)
 * unless the execution is Failed or Stopped and ran here.
 */
export function planRetry(record: ExecutionRecord): RetryPlan {
  if (record.status !== 'Failed' && record.status !== 'Stopped') {
    throw new SagesimError('RETRY_NOT_ALLOWED', `execution ${record.executionId} is ${record.status}: only a Failed or Stopped execution can be retried`, {
      source: 'user',
      hint: record.status === 'Succeeded' ? 'run the pipeline again, or re-run some steps with `sagesim run <file> --from <execution> --steps A,B`' : 'wait for it to end',
    });
  }
  if (record.mode === 'remote') {
    throw new SagesimError('RETRY_NOT_ALLOWED', `execution ${record.executionId} ran in SageMaker, not here`, {
      source: 'user',
      hint: 'retry it where it ran (RetryPipelineExecution)',
    });
  }
  const kept = record.steps.filter((step) => step.status === 'Succeeded').map((step) => step.stepName);
  return {
    identity: identityOf(record),
    kept,
    reuse: kept.length > 0 ? { execution: record, steps: kept } : undefined,
  };
}

/** The identity of a stored execution, so a retry answers to the same id and ARN. */
export function identityOf(record: ExecutionRecord): ExecutionIdentity {
  // arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>
  const [, , , region, accountId] = record.executionArn.split(':');
  return {
    executionId: record.executionId,
    executionArn: record.executionArn,
    pipelineName: record.pipelineName,
    pipelineArn: record.pipelineArn,
    startTime: new Date(record.startTime),
    region: region ?? 'us-east-1',
    accountId: accountId ?? '111122223333',
  };
}

export interface RetryPipelineExecutionOptions {
  /** The execution to retry, as stored. */
  readonly execution: ExecutionRecord;
  /** maxParallel, cache, region are read from here. */
  readonly config: SagesimConfig;
  readonly executors: ExecutorRegistry;
  readonly objectStore: ObjectStore;
  readonly store: ExecutionStore;
  /** Steps that run as stubs (a record does not say which ran as stubs before). */
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
  readonly clock?: Clock;
  /** Abort to stop the retried execution. */
  readonly signal?: AbortSignal;
  readonly onStarted?: (execution: Readonly<ExecutionRecord>) => void;
}

/** Runs the failed and never-started steps of an execution again, in place; resolves with its final record. */
export async function retryPipelineExecution(options: RetryPipelineExecutionOptions): Promise<ExecutionRecord> {
  const plan = planRetry(options.execution);
  const record = options.execution;
  return runPipeline({
    definition: record.definition,
    parameters: record.parameters,
    pipelineName: record.pipelineName,
    ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
    config: options.config,
    executors: options.executors,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    objectStore: options.objectStore,
    store: options.store,
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(plan.reuse ? { reuse: plan.reuse } : {}),
    // A selective execution retried stays selective: the steps it left out still do not run.
    ...(record.selectedSteps ? { onlySteps: record.selectedSteps } : {}),
    identity: plan.identity,
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
  });
}

export interface RetryExecutionOptions {
  /** Execution id, ARN or unique prefix of the id. */
  readonly reference: string;
  readonly config: SagesimConfig;
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** How the environment is built (store kind, extra executors, object store). */
  readonly environment?: CreateRunEnvironmentOptions;
  readonly onStarted?: (execution: Readonly<ExecutionRecord>) => void;
}

/** Finds the execution in the configured store and retries it (what `sagesim retry` calls). */
export async function retryExecution(options: RetryExecutionOptions): Promise<ExecutionRecord> {
  await using env = await createRunEnvironment(options.config, {
    ...options.environment,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  const execution = await env.store.find(options.reference);
  planRetry(execution);
  // Docker reachable and the images there before anything runs again (no manifest: no file).
  await prepareRun(env, {
    definition: execution.definition,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Awaited here: the environment (its S3, its containers) must outlive the execution.
  return await retryPipelineExecution({
    execution,
    config: options.config,
    executors: env.executors,
    objectStore: env.objectStore,
    store: env.store,
    clock: env.clock,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
  });
}
