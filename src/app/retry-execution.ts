// Retries a stored execution in place (the rules are in engine/retry-plan.ts). What `sagesim retry`
// and the harness call.
import type { SagesimConfig } from '../config.js';
import { prepareRun } from '../runtime/prepare-run.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ExecutorTable } from '../steps/executor.js';
import type { StubOptions } from '../steps/stub-executor.js';
import type { Clock } from '../engine/clock.js';
import type { Reporter } from '../engine/events.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionStore } from '../engine/execution-store.js';
import { runPipeline } from './run-pipeline.js';
import { type LaunchOptions, launchEnvironment } from './launch-options.js';
import { planLaunch } from './plan-launch.js';

export interface RetryPipelineExecutionOptions {
  /** The execution to retry, as stored. */
  readonly execution: ExecutionRecord;
  /** maxParallel, cache, region are read from here. */
  readonly config: SagesimConfig;
  readonly executors: ExecutorTable;
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
  const record = options.execution;
  const plan = planLaunch(record.definition, record.pipelineName, { kind: 'retry', execution: record });
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
    ...plan,
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
  });
}

export interface RetryExecutionOptions extends LaunchOptions {
  /** Execution id, ARN or unique prefix of the id. */
  readonly reference: string;
}

/** Finds the execution in the configured store and retries it (what `sagesim retry` calls). */
export async function retryExecution(options: RetryExecutionOptions): Promise<ExecutionRecord> {
  await using env = await launchEnvironment(options);
  const execution = await env.store.find(options.reference);
  planLaunch(execution.definition, execution.pipelineName, { kind: 'retry', execution });
  // Docker reachable and the images there before anything runs again (no manifest: no file).
  await prepareRun(env, {
    definition: execution.definition,
    // Its succeeded steps are reused: a full preflight would judge inputs they no longer need.
    checks: 'step-types',
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
