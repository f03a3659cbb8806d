// The ContainerEngine contract against the dockerode adapter on the real engine (sagesim/base, the
// image every sagesim image is built FROM); the same cases run against the fake in
// test/unit/container-engine-contract.test.ts.
import { DockerEngine } from '../../src/adapters/docker/docker-engine.js';
import { EXECUTION_ID_LABEL } from '../../src/ports/container-engine.js';
import { containerEngineContract } from '../contracts/container-engine-contract.js';
import { dockerClient, dockerEngine } from './support/docker.js';

const IMAGE = 'sagesim/base:latest';

containerEngineContract(
  'Docker (dockerode adapter)',
  async () => {
    const docker = dockerClient();
    return {
      engine: dockerEngine(),
      image: IMAGE,
      unreachable: (endpoint) => new DockerEngine({ socketPath: endpoint }),
      containersOf: async (executionId) => {
        const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${EXECUTION_ID_LABEL}=${executionId}`] }) });
        return list.map((container) => container.Labels);
      },
      leaveBehind: async (labels) => {
        const container = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '60'], Labels: { ...labels } });
        await container.start();
      },
      close: async () => undefined,
    };
  },
  { timeout: 120_000 },
);
