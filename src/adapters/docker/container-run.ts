// One created container's life on the Docker engine: attached before it starts (no lost output),
// stopped on abort or after maxRuntimeSeconds, its exit read from inspect (OOMKilled), and removed
// once it ends, fails, times out or is stopped.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { isSagesimError } from '../../errors.js';
import { LineTail, type ContainerExit, type ContainerSpec, type RunOptions, type RunningContainer } from '../../ports/container-engine.js';
import { type DockerApi, statusOf } from './docker-api.js';
import { pipeLines } from './output-lines.js';

export class ContainerRun {
  private readonly tail = new LineTail();
  private stoppedByUser = false;
  private timedOut = false;
  private started = false;
  private stopRequested = false;
  private runtimeTimer: NodeJS.Timeout | undefined;
  // Waiting is not bounded (a job may run for hours), except once a stop was asked for: then an
  // engine that never answers must not hold the run (or Ctrl-C) forever.
  private readonly waitController = new AbortController();
  private waitTimer: NodeJS.Timeout | undefined;
  private readonly stopDeadlineMs: number;
  private stream: Readable | undefined;
  private outputDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: DockerApi,
    private readonly container: Docker.Container,
    private readonly spec: ContainerSpec,
    private readonly options: RunOptions,
    private readonly stopGraceSeconds: number,
  ) {
    this.stopDeadlineMs = (stopGraceSeconds + 5) * 1000 + api.apiTimeoutMs;
  }

  /** Attaches, starts, and hands back the running container (already stopped when aborted meanwhile). */
  async begin(): Promise<RunningContainer> {
    const { signal } = this.options;
    await this.attach();
    if (signal.aborted) {
      this.stream?.destroy();
      await this.removeQuietly();
      return alreadyStopped();
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    await this.startContainer();
    signal.addEventListener('abort', this.boundWait, { once: true });
    const exited = this.waitForExit();
    // A caller of start() may only ever call stop(); the rejection is still observed there.
    exited.catch(() => undefined);
    const stop = async (): Promise<void> => {
      this.stoppedByUser = true;
      this.boundWait();
      await this.stop();
      await exited.catch(() => undefined);
    };
    return { id: this.container.id, exited, logTail: () => this.tail.snapshot(), stop, [Symbol.asyncDispose]: stop };
  }

  private readonly emit = (line: string): void => {
    this.tail.push(line);
    this.options.onLog?.(line);
  };

  private readonly onAbort = (): void => {
    this.stoppedByUser = true;
    void this.stop();
  };

  private readonly boundWait = (): void => {
    this.waitTimer ??= setTimeout(() => this.waitController.abort(), this.stopDeadlineMs);
  };

  private async attach(): Promise<void> {
    try {
      // The timer is cleared once the stream is there: the stream itself lives as long as the container.
      // The engine registers an attach before it answers it, so nothing written after start is lost.
      // No `logs`: a replay of the log file races the live stream, and a line written between the
      // two came out twice (seen on a loaded machine: `ls /sys/class/net` printed `lo` twice).
      this.stream = (await this.api.bounded('attach to a container', (abortSignal) =>
        this.container.attach({ stream: true, stdout: true, stderr: true, abortSignal }),
      )) as unknown as Readable;
    } catch (cause) {
      await this.removeQuietly();
      throw this.api.apiError(`attach to the container of ${this.spec.image}`, cause);
    }
    this.outputDone = pipeLines(this.api.docker, this.stream, this.emit);
  }

  private async startContainer(): Promise<void> {
    try {
      await this.api.bounded('start a container', (abortSignal) => this.container.start({ abortSignal }));
    } catch (cause) {
      this.options.signal.removeEventListener('abort', this.onAbort);
      this.stream?.destroy();
      await this.removeQuietly();
      throw this.api.apiError(`start the container of ${this.spec.image}`, cause);
    }
    this.started = true;
    // A stop that reached the engine before `start` did nothing: it is sent again now.
    if (this.stopRequested) {
      this.boundWait();
      void this.stop();
    }
    const limit = this.spec.maxRuntimeSeconds;
    if (limit !== undefined && limit > 0) {
      this.runtimeTimer = setTimeout(() => {
        this.timedOut = true;
        this.boundWait();
        void this.stop();
      }, limit * 1000);
    }
  }

  private async stop(): Promise<void> {
    this.stopRequested = true;
    if (!this.started) return;
    // The engine answers a stop once the grace period has passed.
    const deadline = this.api.apiTimeoutMs + this.stopGraceSeconds * 1000;
    await this.api.bounded('stop a container', (abortSignal) => this.container.stop({ t: this.stopGraceSeconds, abortSignal }), deadline).catch(() => {
      // 304: already stopped; 404: already gone. Anything else is reported by wait/remove.
    });
  }

  private async waitForExit(): Promise<ContainerExit> {
    try {
      let result: { StatusCode?: number };
      try {
        result = (await this.container.wait({ abortSignal: this.waitController.signal })) as { StatusCode?: number };
      } catch (cause) {
        if (this.waitController.signal.aborted) throw this.api.timedOut('end a stopped container', this.stopDeadlineMs, cause);
        throw cause;
      }
      // The attach stream ends with the container; give it a moment to flush its last frames.
      await Promise.race([this.outputDone, delay(2000)]);
      const info = await this.api.bounded('inspect a container', (abortSignal) => this.container.inspect({ abortSignal }));
      return {
        exitCode: info.State.ExitCode ?? result.StatusCode ?? -1,
        oomKilled: info.State.OOMKilled === true,
        timedOut: this.timedOut,
        stopped: this.stoppedByUser,
        logTail: this.tail.snapshot(),
      };
    } catch (cause) {
      throw isSagesimError(cause) ? cause : this.api.apiError(`wait for the container of ${this.spec.image}`, cause);
    } finally {
      clearTimeout(this.runtimeTimer);
      clearTimeout(this.waitTimer);
      this.options.signal.removeEventListener('abort', this.onAbort);
      this.options.signal.removeEventListener('abort', this.boundWait);
      this.stream?.destroy();
      await this.removeQuietly();
    }
  }

  private async removeQuietly(): Promise<void> {
    await removeContainer(this.api, this.container).catch(() => undefined);
  }
}

/** Removes a container with its anonymous volumes; one already gone (or going) is not an error. */
export async function removeContainer(api: DockerApi, container: Docker.Container): Promise<void> {
  try {
    await api.bounded('remove a container', (abortSignal) => container.remove({ force: true, v: true, abortSignal }));
  } catch (error) {
    // 404: removed already; 409: removal already in progress.
    if (statusOf(error) === 404 || statusOf(error) === 409) return;
    throw api.apiError(`remove container ${container.id}`, error);
  }
}

/** What start() gives back when it was aborted before the container ran. */
export function alreadyStopped(): RunningContainer {
  const exit: ContainerExit = { exitCode: 137, oomKilled: false, timedOut: false, stopped: true, logTail: [] };
  return {
    id: '',
    exited: Promise.resolve(exit),
    logTail: () => [],
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
