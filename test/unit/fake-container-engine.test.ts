// The fake container engine is a spec'd stand-in for Docker (ports/CONTAINER-ENGINE-BEHAVIOUR.md):
// these tests pin the behaviour executors rely on.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineTail, type ContainerSpec } from '../../src/ports/container-engine.js';
import { FakeContainerEngine, hostPathOf } from '../../src/ports/fake-container-engine.js';

const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: 'sagesim/test:1',
  env: {},
  mounts: [],
  labels: { 'sagesim.execution-id': 'exec1', 'sagesim.step': 'Step' },
  network: 'host',
  ...overrides,
});

const live = (): AbortSignal => new AbortController().signal;

describe('fake container runtime', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the behaviour, passes its lines to onLog and keeps them in the log tail', async () => {
    const runtime = new FakeContainerEngine({
      behaviour: (container) => {
        container.log('hello');
        container.log('world');
        return { exitCode: 3 };
      },
    });
    const lines: string[] = [];
    const exit = await runtime.run(spec(), { signal: live(), onLog: (line) => lines.push(line) });
    expect(lines).toEqual(['hello', 'world']);
    expect(exit).toEqual({ exitCode: 3, oomKilled: false, timedOut: false, stopped: false, logTail: ['hello', 'world'] });
    expect(runtime.specs).toHaveLength(1);
    expect(runtime.leftovers).toBe(0);
  });

  it('lets a container read and write the host folders mounted into it', async () => {
    const host = await mkdtemp(path.join(tmpdir(), 'fake-rt-'));
    await writeFile(path.join(host, 'in.txt'), 'data');
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        const text = await readFile(container.hostPath('/opt/ml/processing/input/in.txt'), 'utf8');
        await writeFile(container.hostPath('/opt/ml/processing/input/out.txt'), text.toUpperCase());
      },
    });
    await runtime.run(spec({ mounts: [{ hostPath: host, containerPath: '/opt/ml/processing/input' }] }), { signal: live() });
    expect(await readFile(path.join(host, 'out.txt'), 'utf8')).toBe('DATA');
  });

  it('maps a container path through the longest matching mount', () => {
    const mounted = spec({
      mounts: [
        { hostPath: '/h/input', containerPath: '/opt/ml/input' },
        { hostPath: '/h/train', containerPath: '/opt/ml/input/data/train' },
      ],
    });
    expect(hostPathOf(mounted, '/opt/ml/input/data/train/a.csv')).toBe('/h/train/a.csv');
    expect(hostPathOf(mounted, '/opt/ml/input/config/x.json')).toBe('/h/input/config/x.json');
    expect(() => hostPathOf(mounted, '/opt/ml/model')).toThrow(/nothing is mounted/);
  });

  it('reports an OOM kill as exit 137 with oomKilled', async () => {
    const runtime = new FakeContainerEngine({ behaviour: () => ({ oomKilled: true }) });
    const exit = await runtime.run(spec(), { signal: live() });
    expect(exit).toMatchObject({ exitCode: 137, oomKilled: true });
  });

  it('stops a container when the signal aborts and reports it stopped', async () => {
    const runtime = new FakeContainerEngine({ behaviour: (container) => new Promise<void>((resolve) => container.signal.addEventListener('abort', () => resolve())) });
    const controller = new AbortController();
    const running = runtime.run(spec(), { signal: controller.signal });
    controller.abort();
    await expect(running).resolves.toMatchObject({ stopped: true, timedOut: false, exitCode: 137 });
    expect(runtime.leftovers).toBe(0);
  });

  it('stops a container that outlives maxRuntimeSeconds and reports it timed out', async () => {
    vi.useFakeTimers();
    const runtime = new FakeContainerEngine({ behaviour: () => new Promise<void>(() => undefined) });
    const running = runtime.run(spec({ maxRuntimeSeconds: 5 }), { signal: live() });
    await vi.advanceTimersByTimeAsync(5000);
    await expect(running).resolves.toMatchObject({ timedOut: true, stopped: false, exitCode: 137 });
  });

  it('sweeps the containers of one execution only', async () => {
    const never = (): Promise<void> => new Promise<void>(() => undefined);
    const runtime = new FakeContainerEngine({ behaviour: never });
    await runtime.start(spec(), { signal: live() });
    await runtime.start(spec({ labels: { 'sagesim.execution-id': 'other', 'sagesim.step': 'S' } }), { signal: live() });
    expect(await runtime.sweep({ executionId: 'exec1' })).toBe(1);
    expect(runtime.leftovers).toBe(1);
    expect(await runtime.sweep()).toBe(1);
    expect(runtime.leftovers).toBe(0);
  });

  it('never sweeps its own containers as orphans', async () => {
    const runtime = new FakeContainerEngine({ behaviour: () => new Promise<void>(() => undefined) });
    await runtime.start(spec(), { signal: live() });
    expect(await runtime.sweep({ orphaned: true })).toBe(0);
    expect(runtime.leftovers).toBe(1);
    await runtime.sweep();
  });

  it('an orphans-only sweep removes only leftovers whose owner is provably gone from this host and PID namespace', async () => {
    const probe = {
      hostname: 'laptop',
      pid: 100,
      pidNamespace: 'pid:[1]',
      bootId: 'boot-a',
      alive: (pid: number) => pid === 100 || pid === 200,
      startOf: (pid: number) => (pid === 200 ? '7' : undefined),
    };
    const runtime = new FakeContainerEngine({ behaviour: () => new Promise<void>(() => undefined), ownerProbe: probe });
    await runtime.start(spec(), { signal: live() });
    const owner = { 'sagesim.owner-host': 'laptop', 'sagesim.owner-pid-ns': 'pid:[1]', 'sagesim.owner-boot-id': 'boot-a' };
    const labels = { 'sagesim.execution-id': 'old', 'sagesim.step': 'S' };
    const dead = runtime.addLeftover({ ...labels, ...owner, 'sagesim.pid': '300' });
    runtime.addLeftover({ ...labels, ...owner, 'sagesim.pid': '200', 'sagesim.owner-start': '7' });
    runtime.addLeftover({ ...labels, ...owner, 'sagesim.pid': '300', 'sagesim.owner-pid-ns': 'pid:[2]' });
    runtime.addLeftover({ ...labels, ...owner, 'sagesim.pid': '300', 'sagesim.owner-host': 'ci-runner' });
    runtime.addLeftover({ ...labels, 'sagesim.pid': '300' });
    expect(await runtime.sweep({ orphaned: true })).toBe(1);
    expect(runtime.containerIds()).not.toContain(dead);
    expect(runtime.leftovers).toBe(5);
    await runtime.sweep();
  });

  it('counts how many containers ran at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runtime = new FakeContainerEngine({ behaviour: () => gate });
    const runs = [runtime.run(spec(), { signal: live() }), runtime.run(spec(), { signal: live() })];
    await Promise.resolve();
    release();
    await Promise.all(runs);
    expect(runtime.maxConcurrent).toBe(2);
    expect(runtime.running).toBe(0);
  });

  it('throws DOCKER_UNAVAILABLE from ping and run when the engine is down', async () => {
    const runtime = new FakeContainerEngine({ available: false });
    await expect(runtime.ping()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    await expect(runtime.run(spec(), { signal: live() })).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('refuses a container without the execution-id label', async () => {
    const runtime = new FakeContainerEngine();
    const unlabelled = spec({ labels: { 'sagesim.execution-id': '', 'sagesim.step': 'S' } });
    await expect(runtime.run(unlabelled, { signal: live() })).rejects.toThrow(/execution-id/);
  });
});

describe('LineTail', () => {
  it('keeps only the last lines', () => {
    const tail = new LineTail(2);
    for (const line of ['a', 'b', 'c']) tail.push(line);
    expect(tail.snapshot()).toEqual(['b', 'c']);
  });
});

describe('fake container engine: images (what only the fake does, beyond the contract)', () => {
  const contextWith = async (dockerfile: string, files: Readonly<Record<string, string>> = {}): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sagesim-fake-build-'));
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  };

  it('reads continuation lines and comments, ARG defaults and build args, and lets the given labels win over LABEL', async () => {
    const engine = new FakeContainerEngine({ images: ['given/base:1'] });
    const contextDir = await contextWith('# a comment\nARG BASE=given/base:1\nARG WHO\nFROM ${BASE}\nLABEL a=1 \\\n  b="two words" who=$WHO\nENV X=1\n');
    await engine.buildImage({ contextDir, tags: ['built/app:1'], buildArgs: { WHO: 'me' }, labels: { a: 'given' } });
    expect(await engine.listImages('built/app')).toEqual([{ id: expect.any(String), tags: ['built/app:1'], labels: { a: 'given', b: 'two words', who: 'me' } }]);
  });

  it('RUN runs in a container of the FROM image, as the given image at the root of its lineage behaves; the same build gives the same id', async () => {
    const commands: string[] = [];
    const engine = new FakeContainerEngine({
      images: ['given/base:1'],
      behaviours: {
        'given/base:1': (container) => {
          commands.push((container.spec.command ?? []).join(' '));
          container.log('compiled');
        },
      },
    });
    const contextDir = await contextWith('FROM given/base:1\nRUN python3 -m compileall /opt\n');
    const lines: string[] = [];
    const id = await engine.buildImage({ contextDir, tags: ['built/app:1'], onLine: (line) => lines.push(line) });
    expect(commands).toEqual(['/bin/sh -c python3 -m compileall /opt']);
    expect(lines).toEqual(['Step 1/2 : FROM given/base:1', 'Step 2/2 : RUN python3 -m compileall /opt', 'compiled', `Successfully built ${id.slice(7, 19)}`, 'Successfully tagged built/app:1']);
    expect(await engine.buildImage({ contextDir, tags: ['built/app:2'] })).toBe(id);
    expect(engine.leftovers).toBe(0);
  });

  it('refuses an instruction it does not know, and a COPY of a file left out of the context', async () => {
    const engine = new FakeContainerEngine({ images: ['given/base:1'] });
    const unknown = await engine.buildImage({ contextDir: await contextWith('FROM given/base:1\nONBUILD RUN x\n'), tags: ['built/x:1'] }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'IMAGE_BUILD_FAILED', message: expect.stringContaining('unknown instruction: ONBUILD') });
    const contextDir = await contextWith('FROM given/base:1\nCOPY a.txt /a.txt\n', { 'a.txt': 'a' });
    const excluded = await engine.buildImage({ contextDir, include: ['Dockerfile'], tags: ['built/x:2'] }).catch((e: unknown) => e);
    expect(excluded).toMatchObject({ code: 'IMAGE_BUILD_FAILED', message: expect.stringContaining('a.txt') });
    await expect(engine.buildImage({ contextDir, tags: ['built/x:3'] })).resolves.toMatch(/^sha256:/);
  });
});
