// The one composition point of a run: which executors, object store and execution store a
// configuration gets. Containers, the embedded S3 and real AWS plug in here and nowhere else.
import type { SagesimConfig } from '../config.js';
import { type Clock, systemClock } from '../engine/clock.js';
import type { Reporter } from '../engine/events.js';
import type { ExecutionStore } from '../engine/execution-store.js';
import { FileExecutionStore } from '../store/file-execution-store.js';
import { MemoryExecutionStore } from '../store/memory-execution-store.js';
import { MemoryObjectStore } from '../mock-aws/memory-object-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ContainerRuntime } from '../ports/container-engine.js';
import { type ExecutorTable, type StepExecutor, withExecutors } from '../steps/executor.js';
import { instanceMemoryBytes } from '../steps/instance-memory.js';
import { type Releaser, releaseAll } from './release-all.js';

/** Everything a run needs from the outside world. */
export interface RunEnvironment {
  readonly config: SagesimConfig;
  readonly executors: ExecutorTable;
  readonly objectStore: ObjectStore;
  /** The S3 endpoint job containers are pointed at; undefined for an in-memory store. */
  readonly s3Endpoint: string | undefined;
  readonly runtime: ContainerRuntime;
  readonly store: ExecutionStore;
  readonly clock: Clock;
}

export interface CreateRunEnvironmentOptions {
  /** Keep executions in memory instead of under `config.home`. @default 'file' */
  readonly store?: 'file' | 'memory';
  /**
   * The object store: an instance, `'memory'` for an in-memory one (stub-only runs in tests), or
   * `'config'` to build it from `config.s3` (embedded S3 in mock mode, an endpoint, or AWS).
   * @default 'config'
   */
  readonly objectStore?: ObjectStore | 'memory' | 'config';
  /**
   * With the `'config'` object store and the SDK's standard credential chain (not mock mode): a
   * named AWS profile instead of AWS_PROFILE / `default` (`reproduce --no-mock --profile`).
   */
  readonly awsProfile?: string;
  /** Executors added to (or replacing) the built-in ones, by step type. */
  readonly executors?: readonly StepExecutor[];
  /** @default the Docker engine of config.dockerSocket */
  readonly runtime?: ContainerRuntime;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told about slow preparation (starting S3, building images). */
  readonly reporter?: Reporter;
}

/**
 * Builds the environment of a run from the configuration. Dispose it (`await using`) to release
 * what it started, in reverse order, even when the run failed. Nothing here contacts Docker:
 * prepareRun() checks the engine and the images only when a step really needs a container.
 */
export async function createRunEnvironment(config: SagesimConfig, options: CreateRunEnvironmentOptions = {}): Promise<RunEnvironment & AsyncDisposable> {
  const releasers: Releaser[] = [];
  try {
    const store: ExecutionStore = options.store === 'memory' ? new MemoryExecutionStore() : new FileExecutionStore({ home: config.home });
    releasers.push(() => store.flush());

    let objectStore: ObjectStore;
    let s3Endpoint: string | undefined;
    const wanted = options.objectStore ?? 'config';
    if (wanted === 'memory') {
      objectStore = new MemoryObjectStore();
    } else if (wanted === 'config') {
      if (config.s3.kind === 'embedded' && config.mock) options.reporter?.progress?.({ message: 'starting the embedded S3' });
      const { createObjectStore } = await import('../mock-aws/s3-client.js');
      const s3 = await createObjectStore(config, options.awsProfile === undefined ? {} : { profile: options.awsProfile });
      releasers.push(() => s3[Symbol.asyncDispose]());
      objectStore = s3;
      s3Endpoint = s3.endpoint;
    } else {
      objectStore = wanted;
      s3Endpoint = 'endpoint' in wanted && typeof wanted.endpoint === 'string' ? wanted.endpoint : undefined;
    }

    // The AWS SDK, dockerode and the job executors load on first use (they take most of a
    // command's start-up), so `validate`, `ls` and `--help` never pay for them.
    const runtime = options.runtime ?? (await import('../adapters/docker/docker-engine.js')).dockerEngineFor(config);
    const { createContainerExecutors } = await import('../steps/job-executors.js');
    const clock = options.clock ?? systemClock;
    const executors = withExecutors(
      createContainerExecutors({
        config,
        runtime,
        objectStore,
        // Containers of an in-memory run can reach no S3; job steps of such runs are stubbed.
        s3Endpoint: s3Endpoint ?? 'http://127.0.0.1:9',
        ...(options.reporter ? { reporter: options.reporter } : {}),
        now: () => clock.now(),
        // A job gets the memory its instance type has in the cloud, so it runs out where it would there.
        ...(config.instanceMemory ? { memoryLimit: instanceMemoryBytes } : {}),
      }),
      options.executors ?? [],
    );
    return {
      config,
      executors,
      objectStore,
      s3Endpoint,
      runtime,
      store,
      clock,
      [Symbol.asyncDispose]: () => releaseAll(releasers),
    };
  } catch (error) {
    await releaseAll(releasers).catch(() => undefined);
    throw error;
  }
}
