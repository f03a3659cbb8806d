// What every launch through the API takes besides what it launches (a definition file, a stored
// execution to retry): configuration, stubs, reporting, stopping, time, and how its environment
// is built. One declaration, so the entry points cannot drift apart in what they accept.
import type { SagesimConfig } from '../config.js';
import type { Clock } from '../engine/clock.js';
import type { Reporter } from '../engine/events.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import { type CreateRunEnvironmentOptions, type RunEnvironment, createRunEnvironment } from '../runtime/create-environment.js';
import type { StubOptions } from '../steps/stub-executor.js';

export interface LaunchOptions {
  readonly config: SagesimConfig;
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
  /** Abort to stop the execution. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** How the environment is built (store kind, extra executors, object store). */
  readonly environment?: CreateRunEnvironmentOptions;
  /** Called with the record as soon as the execution exists. */
  readonly onStarted?: (execution: Readonly<ExecutionRecord>) => void;
}

/** The environment a launch runs in; the caller releases it (`await using`). */
export function launchEnvironment(options: LaunchOptions): Promise<RunEnvironment & AsyncDisposable> {
  return createRunEnvironment(options.config, {
    ...options.environment,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
}
