// In-memory ContainerRuntime for unit tests: a "container" is a function that reads and writes the
// host folders mounted into it, prints lines and returns an exit. Records every spec it was given
// and how many ran at once. Its behaviour is written down in CONTAINER-RUNTIME-BEHAVIOUR.md.
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { type OwnerProbe, ownerGone, ownerLabels, systemOwnerProbe } from './container-owner.js';
import {
  EXECUTION_ID_LABEL,
  LineTail,
  type ContainerExit,
  type ContainerRuntime,
  type ContainerSpec,
  type GpuSupport,
  type RunOptions,
  type RunningContainer,
  type SweepFilter,
} from './container-runtime.js';

/** What a fake container sees while it "runs". */
export interface FakeContainer {
  readonly spec: ContainerSpec;
  /** The host path behind a path inside the container (through the longest matching mount). */
  hostPath(containerPath: string): string;
  /** Prints a line (stdout and stderr are the same to the fake). */
  log(line: string): void;
  /** Aborted when the container is stopped (by the caller's signal or by MaxRuntimeInSeconds). */
  readonly signal: AbortSignal;
}

/** How a fake container ends. @default exit code 0 */
export interface FakeOutcome {
  readonly exitCode?: number;
  /** Reported as the kernel's OOM kill (exit code defaults to 137). */
  readonly oomKilled?: boolean;
}

export type FakeBehaviour = (container: FakeContainer) => Promise<FakeOutcome | void> | FakeOutcome | void;

export interface FakeContainerRuntimeOptions {
  /** What every container does, unless `behaviours` has one for its image. @default exit 0 at once */
  readonly behaviour?: FakeBehaviour;
  /** Per local image tag. */
  readonly behaviours?: Readonly<Record<string, FakeBehaviour>>;
  /** `false` makes ping() and run() throw DOCKER_UNAVAILABLE. @default true */
  readonly available?: boolean;
  /** Makes run()/start() reject with DOCKER_ERROR, as an engine API failure would. @default false */
  readonly failApi?: boolean;
  /** The images hasImage() finds. @default every image is present */
  readonly images?: readonly string[];
  /** What gpuSupport() answers. @default no GPUs */
  readonly gpus?: GpuSupport;
  /** Who this process is, for owner labels and orphan sweeps. @default this process (systemOwnerProbe) */
  readonly ownerProbe?: OwnerProbe;
}

export class FakeContainerRuntime implements ContainerRuntime {
  /** Every spec run or started, in order. */
  readonly specs: ContainerSpec[] = [];
  /** Containers running now. */
  running = 0;
  /** The most containers that ran at once. */
  maxConcurrent = 0;
  private readonly live = new Map<string, { labels: Readonly<Record<string, string>>; stop: () => Promise<void> }>();
  private nextId = 1;
  private options: FakeContainerRuntimeOptions;
  private readonly ownerProbe: OwnerProbe;

  constructor(options: FakeContainerRuntimeOptions = {}) {
    this.options = options;
    this.ownerProbe = options.ownerProbe ?? systemOwnerProbe();
  }

  /**
   * A container some other process left on the engine (labels as Docker shows them): it does
   * nothing until a sweep removes it. Returns its id.
   */
  addLeftover(labels: Readonly<Record<string, string>>): string {
    const id = `fake-${this.nextId++}`;
    this.live.set(id, { labels, stop: async () => void this.live.delete(id) });
    return id;
  }

  /** Ids of the containers not yet removed. */
  containerIds(): string[] {
    return [...this.live.keys()];
  }

  /** Replaces the behaviour of every container started from now on. */
  setBehaviour(behaviour: FakeBehaviour): void {
    this.options = { ...this.options, behaviour };
  }

  /** Containers not yet removed (always 0 once every run has settled: the fake removes on exit). */
  get leftovers(): number {
    return this.live.size;
  }

  async ping(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (this.options.available === false) throw unavailable();
  }

  async hasImage(image: string): Promise<boolean> {
    if (this.options.available === false) throw unavailable();
    return this.options.images === undefined || this.options.images.includes(image);
  }

  async gpuSupport(): Promise<GpuSupport> {
    if (this.options.available === false) throw unavailable();
    return this.options.gpus ?? { available: false, detail: 'the fake runtime has no GPUs' };
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const running = await this.start(spec, options);
    return running.exited;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    if (this.options.available === false) throw unavailable();
    if (this.options.failApi === true) {
      throw new SagesimError('DOCKER_ERROR', `Docker could not create a container of ${spec.image}: (fake) engine error`);
    }
    if (!spec.labels[EXECUTION_ID_LABEL]) throw new SagesimError('FAKE_CONTAINER_MISUSE', 'container without an execution-id label');
    this.specs.push(spec);
    const id = `fake-${this.nextId++}`;
    const tail = new LineTail();
    const stopController = new AbortController();
    let stoppedByUser = false;
    let timedOut = false;
    const onAbort = (): void => {
      stoppedByUser = true;
      stopController.abort();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    const timer =
      spec.maxRuntimeSeconds !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stopController.abort();
          }, spec.maxRuntimeSeconds * 1000)
        : undefined;

    const behaviour = this.options.behaviours?.[spec.image] ?? this.options.behaviour ?? (() => undefined);
    const container: FakeContainer = {
      spec,
      hostPath: (containerPath) => hostPathOf(spec, containerPath),
      log: (line) => {
        tail.push(line);
        options.onLog?.(line);
      },
      signal: stopController.signal,
    };
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    const stopped = new Promise<void>((resolve) => stopController.signal.addEventListener('abort', () => resolve(), { once: true }));
    const exited = (async (): Promise<ContainerExit> => {
      try {
        const outcome = stopController.signal.aborted
          ? undefined
          : await Promise.race([Promise.resolve(behaviour(container)), stopped.then(() => undefined)]);
        const killed = stopController.signal.aborted;
        const oomKilled = outcome?.oomKilled === true;
        return {
          exitCode: killed ? 137 : (outcome?.exitCode ?? (oomKilled ? 137 : 0)),
          oomKilled,
          timedOut,
          stopped: stoppedByUser,
          logTail: tail.snapshot(),
        };
      } finally {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        this.running -= 1;
        this.live.delete(id);
      }
    })();
    exited.catch(() => undefined);
    const stop = async (): Promise<void> => {
      stoppedByUser = true;
      stopController.abort();
      await exited.catch(() => undefined);
    };
    this.live.set(id, { labels: { ...spec.labels, ...ownerLabels(this.ownerProbe) }, stop });
    return { id, exited, logTail: () => tail.snapshot(), stop, [Symbol.asyncDispose]: stop };
  }

  async sweep(filter: SweepFilter = {}): Promise<number> {
    let removed = 0;
    for (const { labels, stop } of [...this.live.values()]) {
      // The same rule as the Docker runtime's: the containers this process started are never orphans.
      if (filter.orphaned === true && ownerGone(labels, this.ownerProbe) === undefined) continue;
      if (filter.executionId === undefined || labels[EXECUTION_ID_LABEL] === filter.executionId) {
        await stop();
        removed += 1;
      }
    }
    return removed;
  }
}

/** Maps a path inside a container to the host through the spec's mounts (longest prefix wins). */
export function hostPathOf(spec: ContainerSpec, containerPath: string): string {
  const target = path.posix.normalize(containerPath);
  let best: { hostPath: string; containerPath: string } | undefined;
  for (const mount of spec.mounts) {
    const base = path.posix.normalize(mount.containerPath).replace(/\/$/, '');
    if ((target === base || target.startsWith(`${base}/`)) && (best === undefined || base.length > best.containerPath.length)) {
      best = { hostPath: mount.hostPath, containerPath: base };
    }
  }
  if (!best) throw new SagesimError('FAKE_CONTAINER_MISUSE', `nothing is mounted at ${containerPath} in the fake container of ${spec.image}`);
  return path.join(best.hostPath, target.slice(best.containerPath.length));
}

function unavailable(): SagesimError {
  return new SagesimError('DOCKER_UNAVAILABLE', 'cannot reach the Docker engine (fake runtime configured as unavailable)', {
    source: 'user',
    hint: 'start Docker',
  });
}
