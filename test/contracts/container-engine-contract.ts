// The ContainerEngine contract: what every implementation of the port does, run against the fake
// (test/unit/container-engine-contract.test.ts) and the dockerode adapter on the real engine
// (test/integration/container-engine-contract.test.ts). A case that passes on one and not the
// other is a fake that lies to the unit tests.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSagesimError } from '../../src/errors.js';
import { EXECUTION_ID_LABEL, PID_LABEL, STEP_LABEL, type ContainerEngine, type ContainerSpec } from '../../src/ports/container-engine.js';
import { ownerLabels, systemOwnerProbe } from '../../src/ports/container-owner.js';
import { imageCases } from './container-images-contract.js';

/** One implementation, and how the suite looks behind it. */
export interface ContainerEngineSubject {
  readonly engine: ContainerEngine;
  /** An image the engine has whose `sh -c` runs echo, cat, sleep and exit. */
  readonly image: string;
  /** The same kind of engine, at an endpoint nobody answers. */
  unreachable(endpoint: string): ContainerEngine;
  /** The labels of the engine's containers (running or not) of one execution, as the engine lists them. */
  containersOf(executionId: string): Promise<readonly Readonly<Record<string, string>>[]>;
  /** Leaves a container with these labels on the engine, as a crashed sagesim would. */
  leaveBehind(labels: Readonly<Record<string, string>>): Promise<void>;
  /** Time under the test's control (fake timers), for an engine that keeps time with setTimeout. @default real time */
  readonly clock?: TestClock;
  close(): Promise<void>;
}

export interface TestClock {
  install(): void;
  advance(ms: number): Promise<void>;
  uninstall(): void;
}

export interface ContractOptions {
  /** Per test. @default 60 s */
  readonly timeout?: number;
}

const live = (): AbortSignal => new AbortController().signal;

/** What the cases share: the subject, a spec of the contract's image, temporary folders. */
interface Context {
  readonly subject: () => ContainerEngineSubject;
  readonly executionId: string;
  spec(script: string, overrides?: Partial<ContainerSpec>): ContainerSpec;
  folder(): Promise<string>;
}

/** Defines the contract's tests for one implementation. */
export function containerEngineContract(name: string, create: () => Promise<ContainerEngineSubject>, options: ContractOptions = {}): void {
  describe(`ContainerEngine contract: ${name}`, { timeout: options.timeout ?? 60_000 }, () => {
    let subject: ContainerEngineSubject;
    const executionId = `contract-${randomBytes(4).toString('hex')}`;
    const dirs: string[] = [];
    const context: Context = {
      subject: () => subject,
      executionId,
      spec: (script, overrides = {}) => ({
        image: subject.image,
        command: ['sh', '-c', script],
        env: {},
        mounts: [],
        labels: { [EXECUTION_ID_LABEL]: executionId, [STEP_LABEL]: 'contract' },
        network: 'host',
        ...overrides,
      }),
      folder: async () => {
        const dir = await mkdtemp(path.join(tmpdir(), 'sagesim-engine-contract-'));
        dirs.push(dir);
        return dir;
      },
    };
    beforeAll(async () => {
      subject = await create();
    });
    afterAll(async () => {
      await subject.engine.sweep({ executionId });
      await subject.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });
    lifecycleCases(context);
    insideCases(context);
    engineCases(context);
    imageCases({ engine: () => subject.engine, shellImage: () => subject.image, executionId });
  });
}

/** Ping, run, stop, abort and timeout. */
function lifecycleCases({ subject: current, executionId, spec }: Context): void {
  it('answers a ping; one at an endpoint nobody answers is DOCKER_UNAVAILABLE naming the endpoint, with how to start Docker', async () => {
    await current().engine.ping();
    const endpoint = path.join(tmpdir(), `no-engine-${randomBytes(4).toString('hex')}.sock`);
    const error = await current().unreachable(endpoint).ping().catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('DOCKER_UNAVAILABLE');
    expect((error as Error).message).toContain(endpoint);
    expect(error).toMatchObject({ source: 'user', hint: expect.stringMatching(/start Docker/) });
  });

  it('runs a container to its end: every output line, the exit code, nothing left behind', async () => {
    const lines: string[] = [];
    const exit = await current().engine.run(spec('echo out; echo err >&2; exit 3'), { signal: live(), onLog: (line) => lines.push(line) });
    expect(lines.sort()).toEqual(['err', 'out']);
    expect(exit).toEqual({ exitCode: 3, oomKilled: false, timedOut: false, stopped: false, logTail: expect.arrayContaining(['err', 'out']) });
    expect(await current().containersOf(executionId)).toEqual([]);
  });

  it('labels a started container with its execution, its step and its owner; stop() ends it and removes it', async () => {
    const running = await current().engine.start(spec('echo up; sleep 60', { labels: { [EXECUTION_ID_LABEL]: executionId, [STEP_LABEL]: 'labelled', extra: 'kept' } }), { signal: live() });
    const [labels] = await current().containersOf(executionId);
    expect(labels).toMatchObject({ [EXECUTION_ID_LABEL]: executionId, [STEP_LABEL]: 'labelled', extra: 'kept', [PID_LABEL]: String(process.pid), ...ownerLabels(systemOwnerProbe()) });
    await running.stop();
    await expect(running.exited).resolves.toMatchObject({ stopped: true, timedOut: false });
    expect(await current().containersOf(executionId)).toEqual([]);
  });

  it('an abort stops the container: run resolves as stopped', async () => {
    const controller = new AbortController();
    const exit = await current().engine.run(spec('echo up; sleep 60'), { signal: controller.signal, onLog: () => controller.abort() });
    expect(exit).toMatchObject({ stopped: true, timedOut: false });
    expect(await current().containersOf(executionId)).toEqual([]);
  });

  it('stops a container that outlives maxRuntimeSeconds, as timed out', async () => {
    const { clock } = current();
    clock?.install();
    try {
      const running = current().engine.run(spec('sleep 60', { maxRuntimeSeconds: 1 }), { signal: live() });
      await clock?.advance(1000);
      const exit = await running;
      expect(exit).toMatchObject({ timedOut: true, stopped: false });
      expect(exit.exitCode).not.toBe(0);
    } finally {
      clock?.uninstall();
    }
  });
}

/** Mounts, exec and interactive runs. */
function insideCases({ subject: current, executionId, spec, folder }: Context): void {
  it('shows a container its mounts: it reads the host file and the host sees what it writes', async () => {
    const dir = await folder();
    await writeFile(path.join(dir, 'in.txt'), 'hello\n');
    const lines: string[] = [];
    const exit = await current().engine.run(spec('cat /data/in.txt; echo made > /data/out.txt', { mounts: [{ hostPath: dir, containerPath: '/data' }] }), {
      signal: live(),
      onLog: (line) => lines.push(line),
    });
    expect(exit.exitCode).toBe(0);
    expect(lines).toEqual(['hello']);
    expect(await readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('made\n');
  });

  it('exec runs a command in a running container and returns its output and exit code', async () => {
    const dir = await folder();
    await writeFile(path.join(dir, 'in.txt'), 'from the host\n');
    await using running = await current().engine.start(spec('sleep 60', { mounts: [{ hostPath: dir, containerPath: '/data' }] }), { signal: live() });
    const result = await current().engine.exec(running.id, ['sh', '-c', 'echo hi; cat /data/in.txt; exit 4']);
    expect(result).toEqual({ exitCode: 4, output: ['hi', 'from the host'] });
    await running.stop();
    const error = await current().engine.exec(running.id, ['sh', '-c', 'echo late']).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('DOCKER_ERROR');
  });

  it('runs an interactive container on a terminal: its output reaches the terminal, its exit code comes back, it is removed', async () => {
    const input = new PassThrough();
    let output = '';
    const terminal = { input, output: new PassThrough().on('data', (chunk: Buffer) => (output += chunk.toString())) };
    const code = await current().engine.runInteractive(spec('echo inside; exit 5'), terminal);
    expect(code).toBe(5);
    expect(output).toContain('inside');
    expect(await current().containersOf(executionId)).toEqual([]);
  });
}

/** Images, sweeps and GPUs. */
function engineCases({ subject: current, executionId, spec }: Context): void {
  it('knows which images it has; starting one it lacks is IMAGE_NOT_FOUND', async () => {
    expect(await current().engine.hasImage(current().image)).toBe(true);
    const absent = `sagesim/contract-absent:${randomBytes(4).toString('hex')}`;
    expect(await current().engine.hasImage(absent)).toBe(false);
    const error = await current().engine.run(spec('exit 0', { image: absent }), { signal: live() }).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('IMAGE_NOT_FOUND');
  });

  it('a sweep of one execution removes its leftovers and only those', async () => {
    const crashed = `${executionId}-crashed`;
    const other = `${executionId}-other`;
    for (const id of [crashed, crashed, other]) await current().leaveBehind({ [EXECUTION_ID_LABEL]: id, [STEP_LABEL]: 'left' });
    expect(await current().engine.sweep({ executionId: crashed })).toBe(2);
    expect(await current().containersOf(crashed)).toEqual([]);
    expect(await current().containersOf(other)).toHaveLength(1);
    expect(await current().engine.sweep({ executionId: other })).toBe(1);
  });

  it('an orphans-only sweep removes only containers whose owner is provably gone from this host and PID namespace', async () => {
    const id = `${executionId}-orphans`;
    const dead = String(spawnSync('true').pid);
    const here = ownerLabels(systemOwnerProbe());
    const owners: Record<string, Record<string, string>> = {
      gone: { ...here, [PID_LABEL]: dead },
      alive: here,
      otherNamespace: { ...here, [PID_LABEL]: dead, 'sagesim.owner-pid-ns': 'pid:[1]' },
      otherHost: { ...here, [PID_LABEL]: dead, 'sagesim.owner-host': 'another-machine' },
      pidOnly: { [PID_LABEL]: dead },
    };
    for (const [step, owner] of Object.entries(owners)) await current().leaveBehind({ [EXECUTION_ID_LABEL]: id, [STEP_LABEL]: step, ...owner });
    expect(await current().engine.sweep({ executionId: id, orphaned: true })).toBe(1);
    const left = await current().containersOf(id);
    expect(left.map((labels) => labels[STEP_LABEL]).sort()).toEqual(['alive', 'otherHost', 'otherNamespace', 'pidOnly']);
    expect(await current().engine.sweep({ executionId: id })).toBe(4);
  });

  it('says whether containers can have GPUs, and what it looked for', async () => {
    const support = await current().engine.gpuSupport();
    expect(typeof support.available).toBe('boolean');
    expect(support.detail).not.toBe('');
  });
}
