// `reproduce --shell` through the container-engine port: the job's container with a shell for its
// entrypoint and the job's command in $SAGESIM_JOB_COMMAND, the terminal in raw mode only while the
// shell runs, the shell's exit code back.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../src/ports/container-engine.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { openInteractiveShell, type ShellTerminal } from '../../src/reproduce/interactive-shell.js';

const job: ContainerSpec = {
  image: 'my/job:1',
  entrypoint: ['python3'],
  command: ['/opt/ml/code/train.py', '--alpha', "it's"],
  env: { A: '1' },
  mounts: [{ hostPath: '/tmp/x', containerPath: '/opt/ml/input' }],
  labels: { 'sagesim.execution-id': 'e1', 'sagesim.step': 'Train' },
  network: 'none',
};

function terminal(): { terminal: ShellTerminal; rawModes: boolean[]; output: () => string } {
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => rawModes.push(mode) });
  let written = '';
  const stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    rows: 24,
    columns: 80,
    write: (chunk: string | Uint8Array) => {
      written += chunk.toString();
      return true;
    },
  });
  return { terminal: { stdin, stdout } as unknown as ShellTerminal, rawModes, output: () => written };
}

describe('reproduce --shell', () => {
  it('runs a shell in the job container through the engine, with the job command at hand, and returns its exit code', async () => {
    const engine = new FakeContainerEngine({
      behaviour: (container) => {
        container.log(`job: ${container.spec.env['SAGESIM_JOB_COMMAND'] ?? ''}`);
        return { exitCode: 7 };
      },
    });
    const t = terminal();
    expect(await openInteractiveShell(job, t.terminal, engine)).toBe(7);
    const [spec] = engine.specs;
    expect(spec).toMatchObject({ image: 'my/job:1', network: 'none', mounts: job.mounts, command: [], labels: { ...job.labels, 'sagesim.reproduction': 'shell' } });
    expect(spec?.entrypoint?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(spec?.env).toEqual({ A: '1', SAGESIM_JOB_COMMAND: "python3 /opt/ml/code/train.py --alpha 'it'\\''s'" });
    expect(t.output()).toContain("job: python3 /opt/ml/code/train.py --alpha 'it'\\''s'");
    expect(t.rawModes).toEqual([true, false]);
    expect(engine.leftovers).toBe(0);
  });

  it('puts the terminal back when the engine fails', async () => {
    const t = terminal();
    const error = await openInteractiveShell(job, t.terminal, new FakeContainerEngine({ available: false })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    expect(t.rawModes).toEqual([true, false]);
  });
});
