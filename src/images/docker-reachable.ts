// Fails fast, with how to start Docker, when the engine does not answer: building or inspecting
// images must not hang on a socket nobody listens to.
import type Docker from 'dockerode';
import { SagesimError } from '../errors.js';

export const START_DOCKER_HINT =
  "start Docker: 'sudo systemctl start docker' or 'sudo dockerd &' on Linux, Docker Desktop on macOS and Windows; " +
  'sagesim talks to /var/run/docker.sock unless DOCKER_HOST or "dockerSocket" in sagesim.config.json says otherwise';

/** Throws SagesimError `DOCKER_UNAVAILABLE` unless the engine answers a ping within `timeoutMs`. */
export async function assertDockerReachable(docker: Docker, socketPath: string, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (cause) {
    throw dockerUnavailable(socketPath, cause);
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
