// ContainerRuntime over dockerode, talking to the Docker Engine API on a unix socket (no compose,
// no CLI). Every container is labelled, attached before it starts (no lost output), and removed
// once it ends, fails, times out or is stopped; the exit is read from inspect (OOMKilled).
import Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { isSagesimError, SagesimError } from '../errors.js';
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

export interface DockerRuntimeOptions {
  /** Unix socket of the Docker engine. @default '/var/run/docker.sock' */
  readonly socketPath?: string;
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

/**
 * Processes (and threads) a job container may have at once unless its spec says otherwise: a fork
 * bomb in a step stops there instead of exhausting the host. Generous for data loaders and BLAS
 * thread pools.
 */
export const DEFAULT_PIDS_LIMIT = 4096;

/** How to start the engine, shown whenever it cannot be reached. */
const START_DOCKER_HINT =
  'start Docker (Docker Desktop, `sudo systemctl start docker`, or `dockerd &`), or point sagesim at its socket with DOCKER_HOST=unix:///path/to/docker.sock or "dockerSocket" in sagesim.config.json';

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly socketPath: string;
  private readonly stopGraceSeconds: number;
  private readonly pingTimeoutMs: number;
  private gpus: Promise<GpuSupport> | undefined;
  private readonly apiTimeoutMs: number;
  private readonly ownerProbe: OwnerProbe;

  constructor(options: DockerRuntimeOptions = {}) {
    this.socketPath = options.socketPath ?? '/var/run/docker.sock';
    this.docker = new Docker({ socketPath: this.socketPath });
    this.stopGraceSeconds = options.stopGraceSeconds ?? 2;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 3000;
    this.apiTimeoutMs = options.apiTimeoutMs ?? 30_000;
    this.ownerProbe = options.ownerProbe ?? systemOwnerProbe();
  }

  async ping(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    // dockerode takes the signal; its typings do not say so.
    const ping = this.docker.ping.bind(this.docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    try {
      await this.bounded('answer a ping', (abortSignal) => ping({ abortSignal }), this.pingTimeoutMs, options.signal);
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      const timedOut = isSagesimError(cause) && cause.code === 'DOCKER_TIMEOUT';
      throw this.unavailable(timedOut ? new Error(`no answer within ${this.pingTimeoutMs} ms`, { cause }) : cause);
    }
  }

  /**
   * Runs one engine call, aborting its request (which closes its socket: a request merely raced
   * would keep the process alive) when the engine has not answered within `timeoutMs`.
   */
  private async bounded<T>(what: string, call: (signal: AbortSignal) => Promise<T>, timeoutMs = this.apiTimeoutMs, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onOuter = (): void => controller.abort();
    outer?.addEventListener('abort', onOuter, { once: true });
    try {
      return await call(controller.signal);
    } catch (cause) {
      if (controller.signal.aborted && outer?.aborted !== true) throw this.timedOut(what, timeoutMs, cause);
      throw cause;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
  }

  gpuSupport(): Promise<GpuSupport> {
    this.gpus ??= this.api('read the engine\'s runtimes (docker info)', (abortSignal) =>
      // dockerode takes the signal; its typings do not say so.
      (this.docker.info as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>).call(this.docker, { abortSignal }),
    ).then(gpuSupportFromInfo);
    return this.gpus;
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const running = await this.start(spec, options);
    return running.exited;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    const { signal, onLog } = options;
    if (signal.aborted) return alreadyStopped();

    const container = await this.api(
      `create a container of ${spec.image}`,
      (abortSignal) => this.docker.createContainer({ ...createOptions(spec, ownerLabels(this.ownerProbe)), abortSignal }),
      spec.image,
    );
    const tail = new LineTail();
    const emit = (line: string): void => {
      tail.push(line);
      onLog?.(line);
    };
    let stoppedByUser = false;
    let timedOut = false;
    let started = false;
    let stopRequested = false;
    // A stop that reaches the engine before `start` does nothing; it is sent again once started.
    const stop = async (): Promise<void> => {
      stopRequested = true;
      if (!started) return;
      // The engine answers a stop once the grace period has passed.
      await this.bounded('stop a container', (abortSignal) => container.stop({ t: this.stopGraceSeconds, abortSignal }), this.apiTimeoutMs + this.stopGraceSeconds * 1000).catch(() => {
        // 304: already stopped; 404: already gone. Anything else is reported by wait/remove.
      });
    };
    const remove = (): Promise<void> =>
      this.bounded('remove a container', (abortSignal) => container.remove({ force: true, v: true, abortSignal })).then(
        () => undefined,
        (error: unknown) => {
          // 404: removed already; 409: removal already in progress.
          if (statusOf(error) === 404 || statusOf(error) === 409) return;
          throw error;
        },
      );

    let stream: Readable;
    try {
      // The timer is cleared once the stream is there: the stream itself lives as long as the container.
      stream = (await this.bounded('attach to a container', (abortSignal) =>
        container.attach({ stream: true, stdout: true, stderr: true, logs: true, abortSignal }),
      )) as unknown as Readable;
    } catch (cause) {
      await remove().catch(() => undefined);
      throw this.apiError(`attach to the container of ${spec.image}`, cause);
    }
    const outputDone = pipeLines(this.docker, stream, emit);
    if (signal.aborted) {
      stream.destroy();
      await remove().catch(() => undefined);
      return alreadyStopped();
    }

    const onAbort = (): void => {
      stoppedByUser = true;
      void stop();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;

    try {
      await this.bounded('start a container', (abortSignal) => container.start({ abortSignal }));
    } catch (cause) {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
      await remove().catch(() => undefined);
      throw this.apiError(`start the container of ${spec.image}`, cause);
    }
    started = true;
    if (stopRequested) void stop();
    if (spec.maxRuntimeSeconds !== undefined && spec.maxRuntimeSeconds > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        boundWait();
        void stop();
      }, spec.maxRuntimeSeconds * 1000);
    }

    // Waiting is not bounded (a job may run for hours), except once a stop was asked for: then an
    // engine that never answers must not hold the run (or Ctrl-C) forever.
    const waitController = new AbortController();
    const stopDeadlineMs = (this.stopGraceSeconds + 5) * 1000 + this.apiTimeoutMs;
    let waitTimer: NodeJS.Timeout | undefined;
    const boundWait = (): void => {
      waitTimer ??= setTimeout(() => waitController.abort(), stopDeadlineMs);
    };
    signal.addEventListener('abort', boundWait, { once: true });

    const exited = (async (): Promise<ContainerExit> => {
      try {
        let result: { StatusCode?: number };
        try {
          result = (await container.wait({ abortSignal: waitController.signal })) as { StatusCode?: number };
        } catch (cause) {
          if (waitController.signal.aborted) throw this.timedOut('end a stopped container', stopDeadlineMs, cause);
          throw cause;
        }
        // The attach stream ends with the container; give it a moment to flush its last frames.
        await Promise.race([outputDone, delay(2000)]);
        const info = await this.bounded('inspect a container', (abortSignal) => container.inspect({ abortSignal }));
        return {
          exitCode: info.State.ExitCode ?? result.StatusCode ?? -1,
          oomKilled: info.State.OOMKilled === true,
          timedOut,
          stopped: stoppedByUser,
          logTail: tail.snapshot(),
        };
      } catch (cause) {
        throw isSagesimError(cause) ? cause : this.apiError(`wait for the container of ${spec.image}`, cause);
      } finally {
        clearTimeout(timer);
        clearTimeout(waitTimer);
        signal.removeEventListener('abort', onAbort);
        signal.removeEventListener('abort', boundWait);
        stream.destroy();
        await remove().catch(() => undefined);
      }
    })();
    // A caller of start() may only ever call stop(); the rejection is still observed there.
    exited.catch(() => undefined);

    return {
      id: container.id,
      exited,
      logTail: () => tail.snapshot(),
      stop: async () => {
        stoppedByUser = true;
        boundWait();
        await stop();
        await exited.catch(() => undefined);
      },
      [Symbol.asyncDispose]: async () => {
        stoppedByUser = true;
        boundWait();
        await stop();
        await exited.catch(() => undefined);
      },
    };
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      // Image.inspect() of dockerode drops the abort signal: the same request, dialled with it.
      await this.bounded(`inspect image ${image}`, (abortSignal) =>
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
      throw isSagesimError(cause) ? cause : this.apiError(`inspect image ${image}`, cause);
    }
  }

  async sweep(filter: SweepFilter = {}): Promise<number> {
    const label = filter.executionId === undefined ? EXECUTION_ID_LABEL : `${EXECUTION_ID_LABEL}=${filter.executionId}`;
    const containers = await this.api('list sagesim containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }), abortSignal }),
    );
    let removed = 0;
    for (const info of containers) {
      // Only containers whose owner is provably gone from this host and PID namespace: never those
      // of another live sagesim, of a CI job in another namespace, or of another machine.
      if (filter.orphaned === true && ownerGone(info.Labels ?? {}, this.ownerProbe) === undefined) continue;
      try {
        await this.bounded('remove a container', (abortSignal) => this.docker.getContainer(info.Id).remove({ force: true, v: true, abortSignal }));
        removed += 1;
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 409) throw isSagesimError(error) ? error : this.apiError(`remove container ${info.Id}`, error);
      }
    }
    return removed;
  }

  private async api<T>(what: string, call: (signal: AbortSignal) => Promise<T>, image?: string): Promise<T> {
    try {
      return await this.bounded(what, call);
    } catch (cause) {
      if (isSagesimError(cause)) throw cause;
      if (image !== undefined && statusOf(cause) === 404) {
        throw new SagesimError('IMAGE_NOT_FOUND', `image ${image} is not present in the local Docker engine`, {
          source: 'user',
          hint: 'build it (`npm run images` builds the sagesim/* images, `docker build -t <tag> .` your own), or map the image URI to a local tag in sagesim.config.json "images"',
          cause,
        });
      }
      throw this.apiError(what, cause);
    }
  }

  private apiError(what: string, cause: unknown): SagesimError {
    if (isConnectionError(cause)) return this.unavailable(cause);
    const message = cause instanceof Error ? cause.message : String(cause);
    return new SagesimError('DOCKER_ERROR', `Docker could not ${what}: ${message}`, { source: 'sagesim', cause });
  }

  private timedOut(what: string, timeoutMs: number, cause: unknown): SagesimError {
    return new SagesimError('DOCKER_TIMEOUT', `the Docker engine at ${this.socketPath} did not ${what} within ${timeoutMs} ms`, {
      source: 'user',
      hint: `check that the engine is healthy (\`docker info\`), or that DOCKER_HOST / "dockerSocket" points at a Docker engine; ${START_DOCKER_HINT}`,
      cause,
    });
  }

  private unavailable(cause: unknown): SagesimError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new SagesimError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine at ${this.socketPath} (${detail})`, {
      source: 'user',
      hint: START_DOCKER_HINT,
      cause,
    });
  }
}

/**
 * GPUs from `docker info`: the nvidia runtime (NVIDIA Container Toolkit), or CDI devices of a GPU
 * vendor (Docker 25+ lists them in DiscoveredDevices). Either serves `DeviceRequests` for `gpu`.
 */
export function gpuSupportFromInfo(info: unknown): GpuSupport {
  const record = typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {};
  const runtimes = record['Runtimes'];
  if (typeof runtimes === 'object' && runtimes !== null && Object.keys(runtimes).some((name) => name.startsWith('nvidia'))) {
    return { available: true, detail: 'the nvidia runtime' };
  }
  const devices = Array.isArray(record['DiscoveredDevices']) ? (record['DiscoveredDevices'] as unknown[]) : [];
  const gpus = devices
    .map((device) => (typeof device === 'object' && device !== null ? (device as Record<string, unknown>) : {}))
    .filter((device) => device['Source'] === 'cdi' && typeof device['ID'] === 'string' && /gpu/i.test(device['ID']))
    .map((device) => device['ID'] as string);
  if (gpus.length > 0) return { available: true, detail: `CDI devices ${gpus.join(', ')}` };
  return { available: false, detail: 'no nvidia runtime and no CDI GPU devices in `docker info`' };
}

export function createOptions(spec: ContainerSpec, owner: Readonly<Record<string, string>> = {}): Docker.ContainerCreateOptions {
  const hostConfig: Docker.HostConfig = {
    NetworkMode: spec.network,
    // setuid binaries in an image cannot raise a step's privileges (see CONTAINER-RUNTIME-BEHAVIOUR.md).
    SecurityOpt: ['no-new-privileges'],
    PidsLimit: spec.pidsLimit ?? DEFAULT_PIDS_LIMIT,
    Mounts: spec.mounts.map((mount) => ({
      Type: 'bind' as const,
      Source: mount.hostPath,
      Target: mount.containerPath,
      ReadOnly: mount.readOnly === true,
    })),
  };
  if (spec.memoryBytes !== undefined) {
    hostConfig.Memory = spec.memoryBytes;
    // Equal to Memory: no swap, so exceeding the limit is an OOM kill rather than a crawl.
    hostConfig.MemorySwap = spec.memoryBytes;
  }
  if (spec.gpus !== undefined) {
    // `docker run --gpus N`: the engine picks the devices (nvidia runtime hook or CDI).
    hostConfig.DeviceRequests = [{ Driver: '', Count: spec.gpus.count, Capabilities: [['gpu']] }];
  }
  const options: Docker.ContainerCreateOptions = {
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels, ...owner },
    HostConfig: hostConfig,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
  };
  if (spec.command !== undefined) options.Cmd = [...spec.command];
  if (spec.entrypoint !== undefined) options.Entrypoint = [...spec.entrypoint];
  if (spec.workingDir !== undefined) options.WorkingDir = spec.workingDir;
  if (spec.name !== undefined) options.name = spec.name;
  if (spec.network === 'none') options.NetworkDisabled = true;
  return options;
}

/** Demultiplexes the attach stream into lines (stdout and stderr split separately). */
function pipeLines(docker: Docker, stream: Readable, emit: (line: string) => void): Promise<void> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const done = Promise.all([splitLines(stdout, emit), splitLines(stderr, emit)]).then(() => undefined);
  docker.modem.demuxStream(stream, stdout, stderr);
  const end = (): void => {
    stdout.end();
    stderr.end();
  };
  stream.once('end', end);
  stream.once('close', end);
  stream.once('error', end);
  return done;
}

function splitLines(stream: PassThrough, emit: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial += chunk;
      let newline = partial.indexOf('\n');
      while (newline !== -1) {
        emit(partial.slice(0, newline).replace(/\r$/, ''));
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
      }
    });
    stream.on('end', () => {
      if (partial !== '') emit(partial.replace(/\r$/, ''));
      resolve();
    });
  });
}

function alreadyStopped(): RunningContainer {
  const exit: ContainerExit = { exitCode: 137, oomKilled: false, timedOut: false, stopped: true, logTail: [] };
  return {
    id: '',
    exited: Promise.resolve(exit),
    logTail: () => [],
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
