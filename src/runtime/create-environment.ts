// The one composition point of a run: which executors, object store and execution store a
// configuration gets. Containers, the embedded S3 and real AWS plug in here and nowhere else.
import type { SagesimConfig } from '../config.js';
import { type Clock, systemClock } from '../engine/clock.js';
import type { Reporter } from '../engine/events.js';
import { type ExecutionStore, FileExecutionStore, MemoryExecutionStore } from '../engine/execution-store.js';
import { MemoryObjectStore } from '../mock-aws/memory-object-store.js';
import type { ObjectStore } from '../mock-aws/object-store.js';
import { ConditionExecutor } from '../steps/condition-executor.js';
import { type ExecutorRegistry, type StepExecutor, createRegistry } from '../steps/executor.js';
import { FailExecutor } from '../steps/fail-executor.js';

/** Everything a run needs from the outside world. */
export interface RunEnvironment {
  readonly config: SagesimConfig;
  readonly executors: ExecutorRegistry;
  readonly objectStore: ObjectStore;
  readonly store: ExecutionStore;
  readonly clock: Clock;
}

export interface CreateRunEnvironmentOptions {
  /** Keep executions in memory instead of under `config.home`. @default 'file' */
  readonly store?: 'file' | 'memory';
  /** Use this object store instead of building one from `config.s3`. */
  readonly objectStore?: ObjectStore;
  /** Executors added to (or replacing) the built-in ones, by step type. */
  readonly executors?: readonly StepExecutor[];
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told about slow preparation (starting S3, building images). */
  readonly reporter?: Reporter;
}

/**
 * Builds the environment of a run from the configuration. Dispose it (`await using`) to release
 * what it started, in reverse order, even when the run failed.
 *
 * Today: Condition and Fail executors, an in-memory object store; job steps need stubs.
 */
export async function createRunEnvironment(config: SagesimConfig, options: CreateRunEnvironmentOptions = {}): Promise<RunEnvironment & AsyncDisposable> {
  const releasers: (() => Promise<void>)[] = [];
  try {
    const objectStore = options.objectStore ?? new MemoryObjectStore();
    const store: ExecutionStore = options.store === 'memory' ? new MemoryExecutionStore() : new FileExecutionStore({ home: config.home });
    releasers.push(() => store.flush());
    const executors = createRegistry([new ConditionExecutor(), new FailExecutor(), ...(options.executors ?? [])]);
    return {
      config,
      executors,
      objectStore,
      store,
      clock: options.clock ?? systemClock,
      [Symbol.asyncDispose]: () => release(releasers),
    };
  } catch (error) {
    await release(releasers).catch(() => undefined);
    throw error;
  }
}

/** Runs every releaser, last first; all run even if one fails, and the first failure is rethrown. */
async function release(releasers: (() => Promise<void>)[]): Promise<void> {
  let failure: unknown;
  while (releasers.length > 0) {
    const releaser = releasers.pop();
    try {
      await releaser?.();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
