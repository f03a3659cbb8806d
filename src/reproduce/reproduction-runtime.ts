// The container runtime of a reproduction: the real one, watched, so the reproduction can say
// which container ran (image, environment, mounts) and how it exited; or, for `--shell`, one that
// opens an interactive shell in that very container instead of running the job's command.
import type { ContainerEngine, ContainerExit, ContainerRuntime, ContainerSpec, GpuSupport, RunOptions, RunningContainer, SweepFilter } from '../ports/container-engine.js';

/** Thrown out of the executor once the user's shell session ends: the job itself did not run. */
export class ShellSessionEnded extends Error {
  constructor(readonly exitCode: number) {
    super(`the shell exited with code ${exitCode}`);
    this.name = 'ShellSessionEnded';
  }
}

/** Opens an interactive shell, through `engine`, in a container built from `spec`; resolves with the shell's exit code. */
export type ShellOpener = (spec: ContainerSpec, engine: ContainerEngine) => Promise<number>;

export class ReproductionRuntime implements ContainerRuntime {
  /** Every container the executor asked for, in order (a Transform job starts one). */
  readonly specs: ContainerSpec[] = [];
  /** How the job's container exited (run() only). */
  lastExit: ContainerExit | undefined;

  constructor(
    private readonly inner: ContainerEngine,
    private readonly shell?: ShellOpener,
  ) {}

  ping(options?: { readonly signal?: AbortSignal }): Promise<void> {
    return this.inner.ping(options);
  }

  gpuSupport(): Promise<GpuSupport> {
    return this.inner.gpuSupport();
  }

  sweep(filter?: SweepFilter): Promise<number> {
    return this.inner.sweep(filter);
  }

  hasImage(image: string): Promise<boolean> {
    return this.inner.hasImage(image);
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    this.specs.push(spec);
    if (this.shell) throw new ShellSessionEnded(await this.shell(spec, this.inner));
    this.lastExit = await this.inner.run(spec, options);
    return this.lastExit;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    this.specs.push(spec);
    if (this.shell) throw new ShellSessionEnded(await this.shell(spec, this.inner));
    return this.inner.start(spec, options);
  }
}

/** The ShellSessionEnded somewhere in an error's cause chain (executors wrap what the runtime throws). */
export function shellSessionIn(error: unknown): ShellSessionEnded | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof ShellSessionEnded) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
