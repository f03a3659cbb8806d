// Calls to the Docker Engine API with a deadline, and the errors they end in: every message names
// the socket, so a user with two engines (or a wrong DOCKER_HOST) sees which one did not answer.
import type Docker from 'dockerode';
import { isSagesimError, SagesimError } from '../../errors.js';

/** How to start the engine, shown whenever it cannot be reached. */
export const START_DOCKER_HINT =
  'start Docker (Docker Desktop, `sudo systemctl start docker`, or `dockerd &`), or point sagesim at its socket with DOCKER_HOST=unix:///path/to/docker.sock or "dockerSocket" in sagesim.config.json';

export interface DockerApiOptions {
  readonly docker: Docker;
  readonly socketPath: string;
  /** How long a call may go unanswered. */
  readonly apiTimeoutMs: number;
}

export class DockerApi {
  readonly docker: Docker;
  readonly socketPath: string;
  readonly apiTimeoutMs: number;

  constructor(options: DockerApiOptions) {
    this.docker = options.docker;
    this.socketPath = options.socketPath;
    this.apiTimeoutMs = options.apiTimeoutMs;
  }

  /**
   * Runs one engine call, aborting its request (which closes its socket: a request merely raced
   * would keep the process alive) when the engine has not answered within `timeoutMs`.
   */
  async bounded<T>(what: string, call: (signal: AbortSignal) => Promise<T>, timeoutMs = this.apiTimeoutMs, outer?: AbortSignal): Promise<T> {
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

  /** `bounded`, with any failure turned into a SagesimError (a 404 on `image`: IMAGE_NOT_FOUND). */
  async call<T>(what: string, call: (signal: AbortSignal) => Promise<T>, image?: string): Promise<T> {
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

  apiError(what: string, cause: unknown): SagesimError {
    if (isSagesimError(cause)) return cause;
    if (isConnectionError(cause)) return this.unavailable(cause);
    const message = cause instanceof Error ? cause.message : String(cause);
    return new SagesimError('DOCKER_ERROR', `Docker could not ${what}: ${message}`, { source: 'sagesim', cause });
  }

  timedOut(what: string, timeoutMs: number, cause: unknown): SagesimError {
    return new SagesimError('DOCKER_TIMEOUT', `the Docker engine at ${this.socketPath} did not ${what} within ${timeoutMs} ms`, {
      source: 'user',
      hint: `check that the engine is healthy (\`docker info\`), or that DOCKER_HOST / "dockerSocket" points at a Docker engine; ${START_DOCKER_HINT}`,
      cause,
    });
  }

  unavailable(cause: unknown): SagesimError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new SagesimError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine at ${this.socketPath} (${detail})`, {
      source: 'user',
      hint: START_DOCKER_HINT,
      cause,
    });
  }
}

/** The HTTP status of a failed engine call, when it got that far. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET';
}
