// Fails fast, with how to start Docker, when the engine does not answer: building or inspecting
// images must not hang on a socket nobody listens to.
import type Docker from 'dockerode';
import { SagesimError } from '../errors.js';

export const START_DOCKER_HINT =
  "start Docker: 'sudo systemctl start docker' or 'sudo dockerd &' on Linux, Docker Desktop on macOS and Windows; " +
  'sagesim talks to /var/run/docker.sock unless DOCKER_HOST or "dockerSocket" in sagesim.config.json says otherwise';

/** Throws SagesimError `DOCKER_UNAVAILABLE` unless the engine answers a ping within `timeoutMs`. */
export async function assertDockerReachable(docker: Docker, socketPath: string, timeoutMs = 3000): Promise<void> {
  // Aborting the request (not just racing it) closes the socket: a request left waiting on an
  // engine that accepts and never answers would keep the process alive after the error.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // dockerode takes the signal; its typings do not say so.
    const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: controller.signal });
  } catch (cause) {
    throw dockerUnavailable(socketPath, controller.signal.aborted ? new Error(`no answer within ${timeoutMs} ms`) : cause);
  } finally {
    clearTimeout(timer);
  }
}

export function dockerUnavailable(socketPath: string, cause: unknown): SagesimError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SagesimError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine at ${socketPath} (${detail})`, {
    source: 'user',
    hint: START_DOCKER_HINT,
    cause,
  });
}
