// sagesim's image build over the real engine, end to end but cheap: a stand-in containers/ folder
// (make-rootfs.sh packs two files; Dockerfiles use only COPY, LABEL and ENV) built under a
// repository prefix of its own, never sagesim/*. Also what the dockerode adapter does beyond the
// contract: an aborted build leaves no intermediate container.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages, type BuildImagesOptions } from '../../src/images/build-images.js';
import { contentHash } from '../../src/images/content-hash.js';
import { dockerClient, dockerEngine } from './support/docker.js';

const MAKE_ROOTFS = `#!/usr/bin/env bash
set -euo pipefail
mkdir -p "$1.d/etc" && echo tiny > "$1.d/etc/hostname" && echo hello > "$1.d/hello.txt"
tar -cf "$1" -C "$1.d" . && rm -rf "$1.d"
echo "root filesystem written to $1"
`;

describe('sagesim images build on Docker (a stand-in containers/ folder, a prefix of its own)', { timeout: 240_000 }, () => {
  const prefix = `sagesim-e2e-${randomBytes(4).toString('hex')}`;
  const engine = dockerEngine();
  let root: string;
  let containers: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-docker-images-'));
    containers = path.join(root, 'containers');
    for (const folder of ['base', 'toolkit', 'sklearn', 'xgboost', 'knn']) await mkdir(path.join(containers, folder), { recursive: true });
    await writeFile(path.join(containers, 'base', 'make-rootfs.sh'), MAKE_ROOTFS);
    await chmod(path.join(containers, 'base', 'make-rootfs.sh'), 0o755);
    await writeFile(path.join(containers, 'toolkit', 'train'), '#!/bin/sh\n');
    for (const name of ['sklearn', 'xgboost', 'knn']) {
      await writeFile(path.join(containers, name, 'Dockerfile'), `ARG BASE\nFROM \${BASE}\nCOPY toolkit/train /usr/local/bin/train\nCOPY ${name}/app.txt /opt/app.txt\nENV SAGESIM_ALGORITHM=${name}\n`);
      await writeFile(path.join(containers, name, 'app.txt'), `${name}\n`);
    }
  });
  afterAll(async () => {
    for (const name of ['base', 'sklearn', 'xgboost', 'knn']) {
      for (const image of await engine.listImages(`${prefix}/${name}`)) for (const tag of image.tags) await engine.removeImage(tag);
    }
    await rm(root, { recursive: true, force: true });
  });

  const run = async (extra: Partial<BuildImagesOptions> = {}): Promise<{ results: Awaited<ReturnType<typeof buildImages>>; lines: string[] }> => {
    const lines: string[] = [];
    const results = await buildImages({
      engine,
      containersDir: containers,
      repositoryPrefix: prefix,
      env: { ...process.env, SAGESIM_CACHE_DIR: path.join(root, 'cache'), SAGESIM_BASE_METHOD: 'debootstrap' },
      reporter: { progress: ({ message }) => lines.push(message) },
      ...extra,
    });
    return { results, lines };
  };

  it('builds the base and the images, then finds them up to date; new contents get a new tag and the old one is pruned', async () => {
    const first = await run();
    expect(first.results.map((r) => r.outcome)).toEqual(['built', 'built', 'built']);
    const knn = await contentHash(containers, ['base', 'toolkit', 'knn']);
    expect(first.lines).toContain(`${prefix}/knn: built ${prefix}/knn:${knn}`);
    expect(await engine.listImages(`${prefix}/knn`)).toEqual([
      { id: expect.stringMatching(/^sha256:/), tags: [`${prefix}/knn:${knn}`, `${prefix}/knn:latest`], labels: { 'sagesim.content-hash': knn, 'sagesim.image': 'knn' } },
    ]);

    const again = await run();
    expect(again.results.map((r) => r.outcome)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
    expect(again.lines).toContain(`${prefix}/knn: up to date (${knn})`);

    await writeFile(path.join(containers, 'knn', 'app.txt'), 'knn, changed\n');
    const changed = await run({ only: ['knn'] });
    const next = await contentHash(containers, ['base', 'toolkit', 'knn']);
    expect(changed.lines).toEqual([`${prefix}/base: up to date (${await contentHash(containers, ['base'])})`, `${prefix}/knn: building ${prefix}/knn:${next}`, `${prefix}/knn: built ${prefix}/knn:${next}`]);
    expect((await engine.listImages(`${prefix}/knn`)).flatMap((image) => image.tags)).toEqual([`${prefix}/knn:${next}`, `${prefix}/knn:latest`]);
  });

  it('an aborted build (a RUN under way) rejects with the signal\'s reason and leaves no intermediate container', { timeout: 90_000 }, async () => {
    const marker = `sagesim-abort-${randomBytes(4).toString('hex')}`;
    const contextDir = path.join(root, 'abort');
    await mkdir(contextDir, { recursive: true });
    // The RUN outlives the test: only a cancelled build can end it in time.
    await writeFile(path.join(contextDir, 'Dockerfile'), `FROM sagesim/base:latest\nRUN echo started; sleep 600 # ${marker}\n`);
    const docker = dockerClient();
    const mine = async (): Promise<Docker.ContainerInfo[]> => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(marker));
    const controller = new AbortController();
    const reason = new Error('stop the build');
    let running: string | undefined;
    const build = engine.buildImage({
      contextDir,
      tags: [`${prefix}/abort:1`],
      onLine: (line) => {
        // The classic builder names the RUN's container, then the container's own output follows.
        running ??= /Running in ([0-9a-f]{12,64})/.exec(line)?.[1];
        if (line.trim() === 'started') controller.abort(reason);
      },
      signal: controller.signal,
    });
    try {
      await expect(build).rejects.toBe(reason);
      expect(running).toBeDefined();
      // The engine kills and removes the RUN's container as it cancels the build: wait for that event,
      // not for a time (a container already gone answers 404).
      await docker
        .getContainer(running ?? '')
        .wait({ condition: 'removed' })
        .catch((cause: { statusCode?: number }) => {
          if (cause.statusCode !== 404) throw cause;
        });
      expect(await mine()).toEqual([]);
      expect(await engine.hasImage(`${prefix}/abort:1`)).toBe(false);
    } finally {
      for (const leftover of await mine()) await docker.getContainer(leftover.Id).remove({ force: true }).catch(() => undefined);
    }
  });
});
