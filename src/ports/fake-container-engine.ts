// In-memory ContainerEngine for unit tests: a "container" is a function that reads and writes the
// host folders mounted into it, prints lines and returns an exit. Records every spec it was given
// and how many ran at once. Its behaviour is written down in CONTAINER-ENGINE-BEHAVIOUR.md and
// checked by the same contract suite as the Docker adapter (test/contracts/).
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { type OwnerProbe, ownerGone, ownerLabels, systemOwnerProbe } from './container-owner.js';
import { FakeImageTable } from './fake-image-table.js';
import {
  EXECUTION_ID_LABEL,
  LineTail,
  STEP_LABEL,
  type ContainerEngine,
  type ContainerExit,
  type BuildImageOptions,
  type ContainerSpec,
  type ExecResult,
  type GpuSupport,
  type ImageInfo,
  type ImportImageOptions,
  type RemoveImageOutcome,
  type RunOptions,
  type RunningContainer,
  type SweepFilter,
  type TerminalSession,
} from './container-engine.js';

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

/** What a command run by `exec` in a fake container does: its output lines and exit code (default 0). */
export type FakeExecBehaviour = (
  container: FakeContainer,
  command: readonly string[],
) => Promise<{ readonly exitCode?: number; readonly output?: readonly string[] }> | { readonly exitCode?: number; readonly output?: readonly string[] };

export interface FakeContainerEngineOptions {
  /** What every container does, unless `behaviours` has one for its image. @default exit 0 at once */
  readonly behaviour?: FakeBehaviour;
  /** Per local image tag. */
  readonly behaviours?: Readonly<Record<string, FakeBehaviour>>;
  /** What `exec` runs in a started container. @default prints nothing, exits 0 */
  readonly exec?: FakeExecBehaviour;
  /** Where the engine "is", for messages. @default 'fake://container-engine' */
  readonly endpoint?: string;
  /** `false` makes every call throw DOCKER_UNAVAILABLE naming `endpoint`. @default true */
  readonly available?: boolean;
  /** Makes run()/start() reject with DOCKER_ERROR, as an engine API failure would. @default false */
  readonly failApi?: boolean;
  /**
   * The images the engine has from the start: hasImage() finds them (and those imported or built),
   * starting another is IMAGE_NOT_FOUND. @default every image is present
   */
  readonly images?: readonly string[];
  /** What gpuSupport() answers. @default no GPUs */
  readonly gpus?: GpuSupport;
  /** Who this process is, for owner labels and orphan sweeps. @default this process (systemOwnerProbe) */
  readonly ownerProbe?: OwnerProbe;
}

export class FakeContainerEngine implements ContainerEngine {
  readonly endpoint: string;
  /** Every spec run or started, in order. */
  readonly specs: ContainerSpec[] = [];
  /** Containers running now. */
  running = 0;
  /** The most containers that ran at once. */
  maxConcurrent = 0;
  private readonly live = new Map<string, { labels: Readonly<Record<string, string>>; stop: () => Promise<void>; container?: FakeContainer }>();
  private nextId = 1;
  private options: FakeContainerEngineOptions;
  private readonly ownerProbe: OwnerProbe;
  /** The images imported, built and tagged (CONTAINER-ENGINE-BEHAVIOUR.md says what it models). */
  readonly imageTable: FakeImageTable;

  constructor(options: FakeContainerEngineOptions = {}) {
    this.options = options;
    this.endpoint = options.endpoint ?? 'fake://container-engine';
    this.ownerProbe = options.ownerProbe ?? systemOwnerProbe();
    this.imageTable = new FakeImageTable({
      given: (name) => this.options.images === undefined || this.options.images.includes(name),
      inUse: (id) => [...this.live.values()].some(({ container }) => container !== undefined && this.imageTable.resolve(container.spec.image)?.id === id),
      runStep: (image, command, onLine, signal) => this.runStep(image, command, onLine, signal),
    });
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

  /** The labels of a container not yet removed (the owner labels included), as the engine would list them. */
  labelsOf(containerId: string): Readonly<Record<string, string>> | undefined {
    return this.live.get(containerId)?.labels;
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
    if (this.options.available === false) throw unavailable(this.endpoint);
  }

  async hasImage(image: string): Promise<boolean> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.options.images === undefined || this.options.images.includes(image) || this.imageTable.has(image);
  }

  async importImage(rootfsTarPath: string, options: ImportImageOptions): Promise<string> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.imageTable.importImage(rootfsTarPath, options);
  }

  async buildImage(options: BuildImageOptions): Promise<string> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.imageTable.buildImage(options);
  }

  async tagImage(image: string, tag: string): Promise<void> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    this.imageTable.tag(image, tag);
  }

  async listImages(repository: string): Promise<readonly ImageInfo[]> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.imageTable.list(repository);
  }

  async removeImage(tag: string): Promise<RemoveImageOutcome> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.imageTable.remove(tag);
  }

  /** A build's RUN: a container of the image being built FROM, removed when it ends, as the classic builder's. */
  private async runStep(image: string, command: readonly string[], onLine: (line: string) => void, signal: AbortSignal | undefined): Promise<number> {
    const spec: ContainerSpec = { image, command, env: {}, mounts: [], labels: { [EXECUTION_ID_LABEL]: 'image-build', [STEP_LABEL]: 'RUN' }, network: 'host' };
    const exit = await this.run(spec, { signal: signal ?? new AbortController().signal, onLog: onLine });
    return exit.exitCode;
  }

  async gpuSupport(): Promise<GpuSupport> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    return this.options.gpus ?? { available: false, detail: 'the fake runtime has no GPUs' };
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const running = await this.start(spec, options);
    return running.exited;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    this.checkCreate(spec);
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
    const container = this.containerOf(spec, stopController.signal, (line) => {
      tail.push(line);
      options.onLog?.(line);
    });
    const exited = this.exitOf(container, () => ({ timedOut, stopped: stoppedByUser, logTail: tail.snapshot() })).finally(() => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      this.live.delete(id);
    });
    exited.catch(() => undefined);
    const stop = async (): Promise<void> => {
      stoppedByUser = true;
      stopController.abort();
      await exited.catch(() => undefined);
    };
    this.live.set(id, { labels: { ...spec.labels, ...ownerLabels(this.ownerProbe) }, stop, container });
    return { id, exited, logTail: () => tail.snapshot(), stop, [Symbol.asyncDispose]: stop };
  }

  async exec(containerId: string, command: readonly string[]): Promise<ExecResult> {
    if (this.options.available === false) throw unavailable(this.endpoint);
    const container = this.live.get(containerId)?.container;
    if (container === undefined || container.signal.aborted) {
      throw new SagesimError('DOCKER_ERROR', `Docker could not run ${command[0] ?? 'a command'} in container ${containerId}: it is not running`, { source: 'sagesim' });
    }
    const result = (await this.options.exec?.(container, command)) ?? {};
    return { exitCode: result.exitCode ?? 0, output: [...(result.output ?? [])] };
  }

  async runInteractive(spec: ContainerSpec, terminal: TerminalSession): Promise<number> {
    this.checkCreate(spec);
    this.specs.push(spec);
    const container = this.containerOf(spec, new AbortController().signal, (line) => terminal.output.write(`${line}\r\n`));
    const exit = await this.exitOf(container, () => ({ timedOut: false, stopped: false, logTail: [] }));
    return exit.exitCode;
  }

  /** What creating a container checks: the engine answers, the image is there, the labels are. */
  private checkCreate(spec: ContainerSpec): void {
    if (this.options.available === false) throw unavailable(this.endpoint);
    if (this.options.failApi === true) {
      throw new SagesimError('DOCKER_ERROR', `Docker could not create a container of ${spec.image}: (fake) engine error`);
    }
    if (this.options.images !== undefined && !this.options.images.includes(spec.image) && !this.imageTable.has(spec.image)) {
      throw new SagesimError('IMAGE_NOT_FOUND', `image ${spec.image} is not present in the fake container engine`, { source: 'user' });
    }
    if (!spec.labels[EXECUTION_ID_LABEL]) throw new SagesimError('FAKE_CONTAINER_MISUSE', 'container without an execution-id label');
  }

  private containerOf(spec: ContainerSpec, signal: AbortSignal, log: (line: string) => void): FakeContainer {
    return { spec, hostPath: (containerPath) => hostPathOf(spec, containerPath), log, signal };
  }

  /** Runs the container's behaviour until it returns or the container is stopped. */
  private async exitOf(container: FakeContainer, how: () => Omit<ContainerExit, 'exitCode' | 'oomKilled'>): Promise<ContainerExit> {
    // An image built in the fake runs as the given image at the root of its lineage does.
    const root = this.options.behaviours?.[container.spec.image] === undefined ? this.imageTable.resolve(container.spec.image)?.root : undefined;
    const behaviour = this.options.behaviours?.[container.spec.image] ?? (root === undefined ? undefined : this.options.behaviours?.[root]) ?? this.options.behaviour ?? (() => undefined);
    const { signal } = container;
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      const outcome = signal.aborted ? undefined : await Promise.race([Promise.resolve(behaviour(container)), stopped.then(() => undefined)]);
      const oomKilled = outcome?.oomKilled === true;
      return { exitCode: signal.aborted ? 137 : (outcome?.exitCode ?? (oomKilled ? 137 : 0)), oomKilled, ...how() };
    } finally {
      this.running -= 1;
    }
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

function unavailable(endpoint: string): SagesimError {
  return new SagesimError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine at ${endpoint} (the fake engine is configured as unavailable)`, {
    source: 'user',
    hint: 'start Docker',
  });
}
