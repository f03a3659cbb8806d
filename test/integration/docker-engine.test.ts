// What the dockerode adapter does beyond the ContainerEngine contract (container-engine-contract
// tests): a silent engine reported within seconds, GPUs read from `docker info`, output lines
// split exactly, env/entrypoint/read-only mounts, network none, OOM kills, hardening.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../src/ports/container-engine.js';
import { DEFAULT_PIDS_LIMIT } from '../../src/adapters/docker/container-options.js';
import { DockerEngine } from '../../src/adapters/docker/docker-engine.js';
import { dockerClient, dockerEngine } from './support/docker.js';

const IMAGE = 'sagesim/base:latest';
const docker = dockerClient();
const runtime = dockerEngine();
const executionId = `rt-${randomBytes(4).toString('hex')}`;
const live = (): AbortSignal => new AbortController().signal;

function spec(command: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: IMAGE,
    command,
    env: {},
    mounts: [],
    labels: { 'sagesim.execution-id': executionId, 'sagesim.step': 'runtime-test' },
    network: 'host',
    ...overrides,
  };
}

async function containersOf(id: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`sagesim.execution-id=${id}`] }) });
  return list.length;
}

describe('Docker runtime', { timeout: 120_000 }, () => {
  afterAll(async () => {
    await runtime.sweep({ executionId });
  });

  it('answers ping; an unreachable engine is reported within seconds with how to start Docker', async () => {
    await runtime.ping();
    const started = Date.now();
    const error = await new DockerEngine({ socketPath: '/tmp/no-such-docker.sock' }).ping().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3500);
    expect(error).toMatchObject({ code: 'DOCKER_UNAVAILABLE', hint: expect.stringMatching(/start Docker/) });
  });

  it('says whether the engine has GPUs as `docker info` shows them (an nvidia runtime or CDI GPU devices)', async () => {
    const info = (await docker.info()) as { Runtimes?: Record<string, unknown>; DiscoveredDevices?: { Source?: string; ID?: string }[] };
    const expected = Object.keys(info.Runtimes ?? {}).some((name) => name.startsWith('nvidia')) || (info.DiscoveredDevices ?? []).some((d) => d.Source === 'cdi' && /gpu/i.test(d.ID ?? ''));
    const support = await runtime.gpuSupport();
    expect(support.available).toBe(expected);
    expect(support.detail).not.toBe('');
  });

  it('splits stdout and stderr into lines (TABs kept, a last line without newline included) and returns the exit code', async () => {
    const lines: string[] = [];
    const exit = await runtime.run(spec(['sh', '-c', 'echo out1; echo "err1" >&2; printf "a\\tb\\n"; printf "no newline"; exit 3']), {
      signal: live(),
      onLog: (line) => lines.push(line),
    });
    expect(lines.sort()).toEqual(['a\tb', 'err1', 'no newline', 'out1']);
    expect(exit).toMatchObject({ exitCode: 3, oomKilled: false, timedOut: false, stopped: false });
    expect(await containersOf(executionId)).toBe(0);
  });

  it('labels the container, passes env, entrypoint and mounts (read-only when asked)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rt-mount-'));
    await writeFile(path.join(dir, 'in.txt'), 'hello');
    const ro = await mkdtemp(path.join(tmpdir(), 'rt-ro-'));
    const lines: string[] = [];
    const running = await runtime.start(
      spec(['-c', 'cat /data/in.txt; echo " $GREETING"; echo made > /data/out.txt; touch /ro/x 2>/dev/null || echo read-only; sleep 30'], {
        entrypoint: ['sh'],
        env: { GREETING: 'world' },
        mounts: [
          { hostPath: dir, containerPath: '/data' },
          { hostPath: ro, containerPath: '/ro', readOnly: true },
        ],
      }),
      { signal: live(), onLog: (line) => lines.push(line) },
    );
    const info = await docker.getContainer(running.id).inspect();
    expect(info.Config.Labels).toMatchObject({ 'sagesim.execution-id': executionId, 'sagesim.step': 'runtime-test' });
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await running.stop();
    expect(lines).toEqual(['hello world', 'read-only']);
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('made\n');
    expect(await containersOf(executionId)).toBe(0);
  });

  it('has no network interface but loopback when network is none', async () => {
    const lines: string[] = [];
    await runtime.run(spec(['ls', '/sys/class/net'], { network: 'none' }), { signal: live(), onLog: (line) => lines.push(line) });
    expect(lines).toEqual(['lo']);
  });

      it('reports a container killed by its memory limit as OOMKilled, exit 137', async () => {
    const exit = await runtime.run(spec(['python3', '-c', "x = bytearray(400 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"], { memoryBytes: 64 * 1024 * 1024 }), {
      signal: live(),
    });
    expect(exit).toMatchObject({ exitCode: 137, oomKilled: true });
    expect(await containersOf(executionId)).toBe(0);
  });

  it('an image that is not present is IMAGE_NOT_FOUND with how to build or map it', async () => {
    await expect(runtime.run(spec(['true'], { image: 'sagesim/does-not-exist:1' }), { signal: live() })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      hint: expect.stringMatching(/npm run images/),
    });
  });

        it('runs containers without new privileges and with a pids limit (read back from docker inspect)', async () => {
    const running = await runtime.start(spec(['sleep', '30']), { signal: live() });
    const info = await docker.getContainer(running.id).inspect();
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.HostConfig.PidsLimit).toBe(DEFAULT_PIDS_LIMIT);
    await running.stop();
  });

  it('a container cannot fork past its pids limit', async () => {
    const lines: string[] = [];
    const script = 'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo all started';
    const exit = await runtime.run(spec(['sh', '-c', script], { pidsLimit: 16 }), { signal: live(), onLog: (line) => lines.push(line) });
    expect(exit.exitCode).not.toBe(0);
    expect(lines.join('\n')).toMatch(/fork/i);
    expect(lines).not.toContain('all started');
  });
});
