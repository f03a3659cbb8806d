// What the Docker engine is asked for, from a ContainerSpec (create options), and what its
// `docker info` says about GPUs. Pure: no engine call here.
import type Docker from 'dockerode';
import type { ContainerSpec, GpuSupport } from '../../ports/container-engine.js';

/**
 * Processes (and threads) a job container may have at once unless its spec says otherwise: a fork
 * bomb in a step stops there instead of exhausting the host. Generous for data loaders and BLAS
 * thread pools.
 */
export const DEFAULT_PIDS_LIMIT = 4096;

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
    // setuid binaries in an image cannot raise a step's privileges (see ports/CONTAINER-ENGINE-BEHAVIOUR.md).
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
