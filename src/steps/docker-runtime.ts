// ContainerRuntime over dockerode, talking to the Docker Engine API on a unix socket (no compose,
// no CLI). Every container is labelled, attached before it starts (no lost output), and removed
// once it ends, fails, times out or is stopped; the exit is read from inspect (OOMKilled).
import Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { SagesimError } from '../errors.js';
import {
  EXECUTION_ID_LABEL,
  LineTail,
  PID_LABEL,
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
}

/** How to start the engine, shown whenever it cannot be reached. */
const START_DOCKER_HINT =
  'start Docker (Docker Desktop, `sudo systemctl start docker`, or `dockerd &`), or point sagesim at its socket with DOCKER_HOST=unix:///path/to/docker.sock or "dockerSocket" in sagesim.config.json';

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly socketPath: string;
  private readonly stopGraceSeconds: number;
  private readonly pingTimeoutMs: number;
  private gpus: Promise<GpuSupport> | undefined;

  constructor(options: DockerRuntimeOptions = {}) {
    this.socketPath = options.socketPath ?? '/var/run/docker.sock';
    this.docker = new Docker({ socketPath: this.socketPath });
    this.stopGraceSeconds = options.stopGraceSeconds ?? 2;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 3000;
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    try {
      await Promise.race([this.docker.ping(), timeout]);
    } catch (cause) {
      throw this.unavailable(cause);
    } finally {
      clearTimeout(timer);
    }
  }

  gpuSupport(): Promise<GpuSupport> {
    this.gpus ??= this.api('read the engine\'s runtimes (docker info)', () => this.docker.info() as Promise<unknown>).then(gpuSupportFromInfo);
    return this.gpus;
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const running = await this.start(spec, options);
    return running.exited;
  }

  async start(spec: ContainerSpec, options: RunOptions): Promise<RunningContainer> {
    const { signal, onLog } = options;
    if (signal.aborted) return alreadyStopped();

    const container = await this.api(`create a container of ${spec.image}`, () => this.docker.createContainer(createOptions(spec)), spec.image);
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
      await container.stop({ t: this.stopGraceSeconds }).catch(() => {
        // 304: already stopped; 404: already gone. Anything else is reported by wait/remove.
      });
    };
    const remove = (): Promise<void> =>
      container.remove({ force: true, v: true }).then(
        () => undefined,
        (error: unknown) => {
          // 404: removed already; 409: removal already in progress.
          if (statusOf(error) === 404 || statusOf(error) === 409) return;
          throw error;
        },
      );

    let stream: Readable;
    try {
      stream = (await container.attach({ stream: true, stdout: true, stderr: true, logs: true })) as unknown as Readable;
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
      await container.start();
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
        void stop();
      }, spec.maxRuntimeSeconds * 1000);
    }

    const exited = (async (): Promise<ContainerExit> => {
      try {
        const result = (await container.wait()) as { StatusCode?: number };
        // The attach stream ends with the container; give it a moment to flush its last frames.
        await Promise.race([outputDone, delay(2000)]);
        const info = await container.inspect();
        return {
          exitCode: info.State.ExitCode ?? result.StatusCode ?? -1,
          oomKilled: info.State.OOMKilled === true,
          timedOut,
          stopped: stoppedByUser,
          logTail: tail.snapshot(),
        };
      } catch (cause) {
        throw this.apiError(`wait for the container of ${spec.image}`, cause);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
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
        await stop();
        await exited.catch(() => undefined);
      },
      [Symbol.asyncDispose]: async () => {
        stoppedByUser = true;
        await stop();
        await exited.catch(() => undefined);
      },
    };
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (cause) {
      if (statusOf(cause) === 404) return false;
      throw this.apiError(`inspect image ${image}`, cause);
    }
  }

  async sweep(filter: SweepFilter = {}): Promise<number> {
    const label = filter.executionId === undefined ? EXECUTION_ID_LABEL : `${EXECUTION_ID_LABEL}=${filter.executionId}`;
    const containers = await this.api('list sagesim containers', () =>
      this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) }),
    );
    let removed = 0;
    for (const info of containers) {
      if (filter.orphaned === true && processAlive(info.Labels?.[PID_LABEL])) continue;
      try {
        await this.docker.getContainer(info.Id).remove({ force: true, v: true });
        removed += 1;
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 409) throw this.apiError(`remove container ${info.Id}`, error);
      }
    }
    return removed;
  }

  private async api<T>(what: string, call: () => Promise<T>, image?: string): Promise<T> {
    try {
      return await call();
    } catch (cause) {
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

export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const hostConfig: Docker.HostConfig = {
    NetworkMode: spec.network,
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
    Labels: { ...spec.labels, [PID_LABEL]: String(process.pid) },
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

/** Whether the sagesim process that labelled a container still runs (on this machine). */
function processAlive(pidLabel: string | undefined): boolean {
  const pid = Number(pidLabel);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as { code?: string }).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
