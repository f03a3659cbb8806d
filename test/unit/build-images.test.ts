// `sagesim images build` over the fake engine: the base first (a root file system tarball made by
// make-rootfs.sh, cached, imported through the port), then each image FROM it, tagged :<hash> and
// :latest, labelled, old hashes pruned; up to date when nothing changed; one build at a time.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImages, ensureImages, type BuildImagesOptions } from '../../src/images/build-images.js';
import { contentHash } from '../../src/images/content-hash.js';
import { isSagesimError } from '../../src/errors.js';
import { FakeContainerEngine, type FakeBehaviour } from '../../src/ports/fake-container-engine.js';

const MAKE_ROOTFS = `#!/usr/bin/env bash
set -euo pipefail
echo "debootstrap: bookworm minbase (fake)"
echo made >> "$(dirname "$1")/make-rootfs.count"
mkdir -p "$1.d/etc" && echo tiny > "$1.d/etc/hostname"
tar -cf "$1" -C "$1.d" . && rm -rf "$1.d"
`;

const dockerfile = (name: string): string =>
  `ARG BASE=sagesim/base:latest\nFROM \${BASE}\nCOPY toolkit/bin/train /usr/local/bin/\nCOPY ${name}/app.py /opt/app.py\nRUN python3 -m compileall -q /opt\nENV SAGESIM_ALGORITHM=${name}\n`;

describe('buildImages over the fake engine', () => {
  let root: string;
  let containers: string;
  let cache: string;
  let lines: string[];

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-build-images-'));
    containers = path.join(root, 'containers');
    cache = path.join(root, 'cache');
    for (const folder of ['base', 'toolkit/bin', 'sklearn', 'xgboost', 'knn']) await mkdir(path.join(containers, folder), { recursive: true });
    await writeFile(path.join(containers, 'base', 'make-rootfs.sh'), MAKE_ROOTFS);
    await chmod(path.join(containers, 'base', 'make-rootfs.sh'), 0o755);
    await writeFile(path.join(containers, 'base', 'Dockerfile.fallback'), 'FROM debian:bookworm-slim\nCOPY base/make-rootfs.sh /tmp/\nRUN apt-get update\n');
    await writeFile(path.join(containers, 'toolkit', 'bin', 'train'), '#!/bin/sh\n');
    for (const name of ['sklearn', 'xgboost', 'knn']) {
      await writeFile(path.join(containers, name, 'Dockerfile'), dockerfile(name));
      await writeFile(path.join(containers, name, 'app.py'), `print("${name}")\n`);
    }
    lines = [];
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const optionsFor = (engine: FakeContainerEngine, extra: Partial<BuildImagesOptions> = {}): BuildImagesOptions => ({
    engine,
    containersDir: containers,
    env: { ...process.env, SAGESIM_CACHE_DIR: cache, SAGESIM_BASE_METHOD: 'debootstrap' },
    reporter: { progress: ({ message }) => lines.push(message) },
    ...extra,
  });
  const hashOf = (name: string): Promise<string> => contentHash(containers, ['base', 'toolkit', name]);
  const rootfsRuns = async (): Promise<number> => (await readFile(path.join(cache, 'make-rootfs.count'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  it('builds the base first (debootstrap, import), then each image FROM it, tagged :<hash> and :latest and labelled', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    const results = await buildImages(optionsFor(engine));
    const baseHash = await contentHash(containers, ['base']);
    const knn = await hashOf('knn');
    expect(results.map((r) => [r.name, r.outcome])).toEqual([['sklearn', 'built'], ['xgboost', 'built'], ['knn', 'built']]);
    expect(lines.slice(0, 5)).toEqual([
      'sagesim/base: building a Debian bookworm root filesystem with debootstrap (takes a few minutes)',
      'sagesim/base: debootstrap: bookworm minbase (fake)',
      `sagesim/base: importing into Docker as sagesim/base:${baseHash}`,
      `sagesim/base: built sagesim/base:${baseHash}`,
      `sagesim/sklearn: building sagesim/sklearn:${await hashOf('sklearn')}`,
    ]);
    expect(lines).toContain(`sagesim/knn: built sagesim/knn:${knn}`);
    expect(await engine.listImages('sagesim/knn')).toEqual([
      { id: expect.any(String), tags: [`sagesim/knn:${knn}`, 'sagesim/knn:latest'], labels: { 'sagesim.content-hash': knn, 'sagesim.image': 'knn' } },
    ]);
    expect((await engine.listImages('sagesim/base')).flatMap((image) => image.tags)).toEqual([`sagesim/base:${baseHash}`, 'sagesim/base:latest']);
    expect(existsSync(path.join(cache, `rootfs-${baseHash}.tar`))).toBe(true);
    expect(engine.leftovers).toBe(0);
  });

  it('a second build of the same contents changes nothing: every image is up to date', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    await buildImages(optionsFor(engine));
    const before = await engine.listImages('sagesim/knn');
    lines = [];
    const results = await buildImages(optionsFor(engine));
    expect(results.every((r) => r.outcome === 'up-to-date')).toBe(true);
    expect(lines).toEqual([
      `sagesim/sklearn: up to date (${await hashOf('sklearn')})`,
      `sagesim/xgboost: up to date (${await hashOf('xgboost')})`,
      `sagesim/knn: up to date (${await hashOf('knn')})`,
    ]);
    expect(await engine.listImages('sagesim/knn')).toEqual(before);
  });

  it('--force rebuilds what is up to date, from the cached root filesystem (debootstrap does not run again)', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    await buildImages(optionsFor(engine));
    lines = [];
    const results = await buildImages(optionsFor(engine, { force: true, only: ['knn'] }));
    expect(results.map((r) => [r.name, r.outcome])).toEqual([['knn', 'built']]);
    expect(lines).toContain(`sagesim/base: using cached root filesystem ${path.join(cache, `rootfs-${await contentHash(containers, ['base'])}.tar`)}`);
    expect(await rootfsRuns()).toBe(1);
  });

  it('only the named images are built; a base that is present is not made again', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    expect((await buildImages(optionsFor(engine, { only: ['xgboost'] }))).map((r) => r.name)).toEqual(['xgboost']);
    expect(await engine.listImages('sagesim/knn')).toEqual([]);
    lines = [];
    expect(await ensureImages(['sagesim/knn:latest', 'sagesim/xgboost', 'python:3.11'], optionsFor(engine))).toEqual([expect.objectContaining({ name: 'knn', outcome: 'built' })]);
    expect(lines[0]).toBe(`sagesim/base: up to date (${await contentHash(containers, ['base'])})`);
    expect(await rootfsRuns()).toBe(1);
  });

  it('baseOnly (`images build base`) makes the base image and nothing else', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    expect(await buildImages(optionsFor(engine, { baseOnly: true }))).toEqual([]);
    expect(lines.at(-1)).toBe(`sagesim/base: built sagesim/base:${await contentHash(containers, ['base'])}`);
    expect(await engine.hasImage('sagesim/base:latest')).toBe(true);
    expect(await engine.listImages('sagesim/knn')).toEqual([]);
  });

  it('new contents get a new hash: the old tag is pruned and latest moves', async () => {
    const engine = new FakeContainerEngine({ images: [] });
    await buildImages(optionsFor(engine, { only: ['knn'] }));
    const old = await hashOf('knn');
    await writeFile(path.join(containers, 'knn', 'app.py'), 'print("knn, changed")\n');
    const results = await buildImages(optionsFor(engine, { only: ['knn'] }));
    const current = await hashOf('knn');
    expect(current).not.toBe(old);
    expect(results).toEqual([expect.objectContaining({ name: 'knn', hash: current, outcome: 'built' })]);
    expect((await engine.listImages('sagesim/knn')).flatMap((image) => image.tags)).toEqual([`sagesim/knn:${current}`, 'sagesim/knn:latest']);
  });

  it('a failed build is IMAGE_BUILD_FAILED naming the image, with the end of its log and where the whole log is', async () => {
    const failing: FakeBehaviour = (container) => {
      container.log('  File "/opt/app.py", line 1');
      container.log('SyntaxError: invalid syntax');
      return { exitCode: 1 };
    };
    const engine = new FakeContainerEngine({ images: [], behaviour: failing });
    const error = await buildImages(optionsFor(engine, { only: ['knn'] })).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('IMAGE_BUILD_FAILED');
    expect((error as Error).message).toMatch(/^sagesim\/knn: building sagesim\/knn:[0-9a-f]{12} failed: The command '\/bin\/sh -c python3 -m compileall -q \/opt' returned a non-zero code: 1/);
    expect((error as Error).message).toContain('SyntaxError: invalid syntax');
    expect(error).toMatchObject({ hint: expect.stringContaining(path.join(cache, 'build-knn.log')) });
    expect(await readFile(path.join(cache, 'build-knn.log'), 'utf8')).toContain('SyntaxError');
    expect(await engine.listImages('sagesim/knn')).toEqual([]);
    expect(engine.leftovers).toBe(0);
  });

  it('SAGESIM_BASE_METHOD=dockerfile builds the base FROM debian:bookworm-slim, which must be there', async () => {
    const env = { ...process.env, SAGESIM_CACHE_DIR: cache, SAGESIM_BASE_METHOD: 'dockerfile' };
    const offline = new FakeContainerEngine({ images: [] });
    const error = await buildImages(optionsFor(offline, { env, only: ['knn'] })).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('IMAGE_BUILD_FAILED');
    expect((error as Error).message).toContain('debian:bookworm-slim');
    const withDebian = new FakeContainerEngine({ images: ['debian:bookworm-slim'] });
    lines = [];
    await buildImages(optionsFor(withDebian, { env, only: ['knn'] }));
    expect(lines[0]).toMatch(/^sagesim\/base: debootstrap not available \(or not root\): building FROM debian:bookworm-slim/);
    expect(await withDebian.hasImage('sagesim/base:latest')).toBe(true);
    expect(await rootfsRuns()).toBe(0);
  });

  it('a failing debootstrap is IMAGE_BUILD_FAILED with its last lines and what to try', async () => {
    await writeFile(path.join(containers, 'base', 'make-rootfs.sh'), 'echo "debootstrap: E: Failed getting release file"\nexit 1\n');
    const error = await buildImages(optionsFor(new FakeContainerEngine({ images: [] }), { only: ['knn'] })).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('IMAGE_BUILD_FAILED');
    expect((error as Error).message).toContain('Failed getting release file');
    expect(error).toMatchObject({ hint: expect.stringContaining('SAGESIM_BASE_METHOD=dockerfile') });
  });

  it('an abort during a build ends it as STOPPED, with no container left and nothing tagged', async () => {
    const controller = new AbortController();
    const engine = new FakeContainerEngine({
      images: [],
      behaviour: (container) =>
        new Promise<void>((resolve) => {
          container.signal.addEventListener('abort', () => resolve());
          controller.abort();
        }),
    });
    const error = await buildImages(optionsFor(engine, { only: ['knn'], signal: controller.signal })).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('STOPPED');
    expect(engine.leftovers).toBe(0);
    expect(await engine.listImages('sagesim/knn')).toEqual([]);
  });

  it('one build at a time: a second build waits for the first, then finds its images up to date', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let running: () => void = () => undefined;
    const firstRunning = new Promise<void>((resolve) => (running = resolve));
    const engine = new FakeContainerEngine({
      images: [],
      behaviour: async () => {
        running();
        await held;
      },
    });
    const first = buildImages(optionsFor(engine, { only: ['knn'] }));
    await firstRunning;
    let waiting: () => void = () => undefined;
    const secondWaits = new Promise<void>((resolve) => (waiting = resolve));
    const secondLines: string[] = [];
    const second = buildImages({
      ...optionsFor(engine, { only: ['knn'] }),
      reporter: {
        progress: ({ message }) => {
          secondLines.push(message);
          if (message.startsWith('waiting')) waiting();
        },
      },
    });
    await secondWaits;
    // A third that waits too is stopped by its signal at once, without disturbing the first.
    const third = new AbortController();
    const stopped = buildImages({ ...optionsFor(engine, { only: ['knn'], signal: third.signal }), reporter: { progress: ({ message }) => message.startsWith('waiting') && third.abort() } });
    expect(await stopped.catch((e: unknown) => e)).toMatchObject({ code: 'STOPPED' });
    release();
    expect((await first).map((r) => r.outcome)).toEqual(['built']);
    expect((await second).map((r) => r.outcome)).toEqual(['up-to-date']);
    expect(secondLines).toEqual(['waiting for another sagesim image build to finish', `sagesim/knn: up to date (${await hashOf('knn')})`]);
  });
});
