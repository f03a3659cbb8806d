// The Docker engine integration tests talk to: the one sagesim's configuration resolves
// (sagesim.config.json "dockerSocket", DOCKER_HOST, or the default), never a path of their own.
import Docker from 'dockerode';
import { dockerEngineFor, type DockerEngine } from '../../../src/adapters/docker/docker-engine.js';
import { resolveConfig, type SagesimConfig } from '../../../src/config.js';

const config: SagesimConfig = resolveConfig({}, process.env);

/** The engine's unix socket. */
export const DOCKER_SOCKET = config.dockerSocket;

/** A raw dockerode client on that socket, for what a test inspects behind sagesim's back. */
export function dockerClient(): Docker {
  return new Docker({ socketPath: DOCKER_SOCKET });
}

/** sagesim's adapter on that engine. */
export function dockerEngine(): DockerEngine {
  return dockerEngineFor(config);
}
