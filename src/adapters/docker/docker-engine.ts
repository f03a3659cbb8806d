// The container-engine port over dockerode: the Docker Engine API on a unix socket (no compose, no
// CLI). The socket comes from configuration (config.ts resolves it once); nothing here defaults it.
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { type SagesimConfig, timeoutsOf } from '../../config.js';
import { isSagesimError } from '../../errors.js';
import { type OwnerProbe, ownerGone, ownerLabels, systemOwnerProbe } from '../../ports/container-owner.js';
import {
  EXECUTION_ID_LABEL,
  type ContainerEngine,
  type ContainerExit,
  type ContainerSpec,
  type ExecResult,
  type BuildImageOptions,
  type GpuSupport,
  type ImageInfo,
  type ImportImageOptions,
  type RemoveImageOutcome,
  type RunOptions,
  type RunningContainer,
  type SweepFilter,
  type TerminalSession,
} from '../../ports/container-engine.js';
import { createOptions, gpuSupportFromInfo } from './container-options.js';
import { alreadyStopped, ContainerRun, removeContainer } from './container-run.js';
import { DockerApi, statusOf } from './docker-api.js';
import { DockerImages } from './docker-images.js';
import { runInteractive } from './interactive-run.js';
import { pipeLines } from './output-lines.js';

export interface DockerEngineOptions {
  /** Unix socket of the Docker engine: `SagesimConfig.dockerSocket`. */
  readonly socketPath: string;
  /** Seconds a stopped container gets between SIGTERM and SIGKILL. @default 2 */
  readonly stopGraceSeconds?: number;
  /** How long ping() waits for the engine. @default 3000 */
  readonly pingTimeoutMs?: number;
  /**
   * How long any other engine call (create, attach, start, inspect, stop, remove, list) may go
   * unanswered before it fails naming the socket. Waiting for a container to end is not bounded by
   * it: a job may run for hours. @default 30000
   */
  readonly apiTimeoutMs?: number;
  /** Who this process is, for the owner labels and orphan sweeps. @default this process */
  readonly ownerProbe?: OwnerProbe;
}

/** dockerode's calls take an abort signal; its typings do not always say so. */
type Abortable = (options: { abortSignal: AbortSignal }) => Promise<unknown>;

export class DockerEngine implements ContainerEngine {
  readonly endpoint: string;
  private readonly api: DockerApi;
  private readonly stopGraceSeconds: number;
  private readonly pingTimeoutMs: number;
  private gpus: Promise<GpuSupport> | undefined;
  private readonly ownerProbe: OwnerProbe;
  private readonly images: DockerImages;

  constructor(options: DockerEngineOptions) {
    this.endpoint = options.socketPath;
    this.api = new DockerApi({ docker: new Docker({ socketPath: options.socketPath }), socketPath: options.socketPath, apiTimeoutMs: options.apiTimeoutMs ?? 30_000 });
    this.stopGraceSeconds = options.stopGraceSeconds ?? 2;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 3000;
    this.ownerProbe = options.ownerProbe ?? systemOwnerProbe();
    this.images = new DockerImages(this.api);
  }

  private get docker(): Docker {
    return this.api.docker;
  }

  async ping(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const ping = this.docker.ping.bind(this.docker) as unknown as Abortable;
    try {
      await this.api.bounded('answer a ping', (abortSignal) => ping({ abortSignal }), this.pingTimeoutMs, options.signal);
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      const timedOut = isSagesimError(cause) && cause.code === 'DOCKER_TIMEOUT';
      throw this.api.unavailable(timedOut ? new Error(`no answer within ${this.pingTimeoutMs} ms`, { cause }) : cause);
    }
  }

  gpuSupport(): Promise<GpuSupport> {
    const info = (this.docker.info as unknown as Abortable).bind(this.docker);
    this.gpus ??= this.api.call("read the engine's runtimes (docker info)", (abortSignal) => info({ abortSignal })).then(gpuSupportFromInfo);
    return this.gpus;
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const running = await this.start(spec, options);
    return running.exited;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    if (options.signal.aborted) return alreadyStopped();
    const container = await this.api.call(
      `create a container of ${spec.image}`,
      (abortSignal) => this.docker.createContainer({ ...createOptions(spec, ownerLabels(this.ownerProbe)), abortSignal }),
      spec.image,
    );
    return new ContainerRun(this.api, container, spec, options, this.stopGraceSeconds).begin();
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      // Image.inspect() of dockerode drops the abort signal: the same request, dialled with it.
      await this.api.bounded(`inspect image ${image}`, (abortSignal) =>
        new Promise<unknown>((resolve, reject) => {
          this.docker.modem.dial(
            { path: `/images/${image}/json`, method: 'GET', options: {}, abortSignal, statusCodes: { 200: true, 404: 'no such image', 500: 'server error' } },
            (error: unknown, data: unknown) => (error ? reject(error as Error) : resolve(data)),
          );
        }),
      );
      return true;
    } catch (cause) {
      if (statusOf(cause) === 404) return false;
      throw this.api.apiError(`inspect image ${image}`, cause);
    }
  }

  importImage(rootfsTarPath: string, options: ImportImageOptions): Promise<string> {
    return this.images.importImage(rootfsTarPath, options);
  }

  buildImage(options: BuildImageOptions): Promise<string> {
    return this.images.buildImage(options);
  }

  tagImage(image: string, tag: string): Promise<void> {
    return this.images.tagImage(image, tag);
  }

  listImages(repository: string): Promise<readonly ImageInfo[]> {
    return this.images.listImages(repository);
  }

  removeImage(tag: string): Promise<RemoveImageOutcome> {
    return this.images.removeImage(tag);
  }

  async sweep(filter: SweepFilter = {}): Promise<number> {
    const label = filter.executionId === undefined ? EXECUTION_ID_LABEL : `${EXECUTION_ID_LABEL}=${filter.executionId}`;
    const containers = await this.api.call('list sagesim containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }), abortSignal }),
    );
    let removed = 0;
    for (const info of containers) {
      // Only containers whose owner is provably gone from this host and PID namespace: never those
      // of another live sagesim, of a CI job in another namespace, or of another machine.
      if (filter.orphaned === true && ownerGone(info.Labels ?? {}, this.ownerProbe) === undefined) continue;
      await removeContainer(this.api, this.docker.getContainer(info.Id));
      removed += 1;
    }
    return removed;
  }

  async exec(containerId: string, command: readonly string[]): Promise<ExecResult> {
    const container = this.docker.getContainer(containerId);
    const exec = await this.api.call(`run ${command[0] ?? 'a command'} in container ${containerId}`, (abortSignal) =>
      container.exec({ Cmd: [...command], AttachStdout: true, AttachStderr: true, abortSignal } as Docker.ExecCreateOptions),
    );
    const stream = (await this.api.call('start an exec', (abortSignal) =>
      exec.start({ hijack: true, stdin: false, abortSignal } as Docker.ExecStartOptions),
    )) as unknown as Readable;
    const output: string[] = [];
    await pipeLines(this.docker, stream, (line) => output.push(line));
    const info = await this.api.call('inspect an exec', (abortSignal) => (exec.inspect as unknown as (o: { abortSignal: AbortSignal }) => Promise<Docker.ExecInspectInfo>).call(exec, { abortSignal }));
    return { exitCode: info.ExitCode ?? -1, output };
  }

  async runInteractive(spec: ContainerSpec, terminal: TerminalSession): Promise<number> {
    const container = await this.api.call(
      `create a container of ${spec.image}`,
      (abortSignal) => this.docker.createContainer({ ...interactiveOptions(spec, ownerLabels(this.ownerProbe)), abortSignal }),
      spec.image,
    );
    return runInteractive(this.api, container, terminal);
  }
}

/** The job's container, with a TTY and its stdin open. */
function interactiveOptions(spec: ContainerSpec, owner: Readonly<Record<string, string>>): Docker.ContainerCreateOptions {
  return { ...createOptions(spec, owner), Tty: true, OpenStdin: true, StdinOnce: false, AttachStdin: true };
}

/** The engine a configuration names: its socket and timeouts, resolved once by resolveConfig. */
export function dockerEngineFor(config: Pick<SagesimConfig, 'dockerSocket' | 'timeouts'>): DockerEngine {
  const timeouts = timeoutsOf(config);
  return new DockerEngine({ socketPath: config.dockerSocket, pingTimeoutMs: timeouts.dockerPingMs, apiTimeoutMs: timeouts.dockerApiMs });
}
