// The images half of the ContainerEngine contract: import, build, tag, list, remove, run against the
// fake and the Docker adapter alike (called by container-engine-contract.ts). Everything is made
// under a repository of its own (`sagesim-contract-<random>/...`) and removed afterwards; the tiny
// root file system has no shell, so its builds use only COPY, LABEL and ENV.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSagesimError } from '../../src/errors.js';
import { EXECUTION_ID_LABEL, STEP_LABEL, type ContainerEngine, type ContainerSpec } from '../../src/ports/container-engine.js';

export interface ImageCasesContext {
  readonly engine: () => ContainerEngine;
  /** An image the engine has whose `sh -c` runs sleep. */
  readonly shellImage: () => string;
  readonly executionId: string;
}

const live = (): AbortSignal => new AbortController().signal;

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isSagesimError(error) ? error.code : error;
}

/** Defines the image cases; the caller's describe provides the engine. */
export function imageCases({ engine, shellImage, executionId }: ImageCasesContext): void {
  describe('images', () => {
    const repo = `sagesim-contract-${randomBytes(4).toString('hex')}`;
    let dir: string;
    let rootfs: string;
    const built = new Set<string>([`${repo}/base`, `${repo}/app`, `${repo}/moving`, `${repo}/shell`, `${repo}/broken`]);

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sagesim-images-contract-'));
      await mkdir(path.join(dir, 'root', 'etc'), { recursive: true });
      await writeFile(path.join(dir, 'root', 'etc', 'hostname'), 'tiny\n');
      await writeFile(path.join(dir, 'root', 'hello.txt'), 'hello\n');
      rootfs = path.join(dir, 'rootfs.tar');
      await createTar({ file: rootfs, cwd: path.join(dir, 'root'), portable: true }, ['etc', 'hello.txt']);
      await mkdir(path.join(dir, 'context', 'files'), { recursive: true });
      await writeFile(path.join(dir, 'context', 'files', 'a.txt'), 'a\n');
      await writeFile(path.join(dir, 'context', 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\nCOPY files/ /opt/files/\nLABEL from.dockerfile=yes\nENV B=2\n');
    });
    afterAll(async () => {
      for (const repository of built) {
        for (const image of await engine().listImages(repository)) for (const tag of image.tags) await engine().removeImage(tag);
      }
      await rm(dir, { recursive: true, force: true });
    });

    const importBase = (tag = `${repo}/base:1`): Promise<string> => engine().importImage(rootfs, { tag, changes: ['ENV PATH=/usr/bin:/bin', 'ENV LANG=C.UTF-8', 'CMD ["/bin/sh"]'] });
    const buildApp = (tags: readonly string[], onLine?: (line: string) => void): Promise<string> =>
      engine().buildImage({
        contextDir: path.join(dir, 'context'),
        include: ['Dockerfile', 'files'],
        tags,
        buildArgs: { BASE: `${repo}/base:1` },
        labels: { 'sagesim.content-hash': 'h1' },
        ...(onLine ? { onLine } : {}),
      });

    it('imports a root file system tarball as an image of the given name; a missing tarball is IMAGE_BUILD_FAILED, a change other than ENV or CMD INVALID_ARGUMENT', async () => {
      const id = await importBase();
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await engine().hasImage(`${repo}/base:1`)).toBe(true);
      expect(await engine().listImages(`${repo}/base`)).toEqual([{ id, tags: [`${repo}/base:1`], labels: {} }]);
      expect(await codeOf(engine().importImage(path.join(dir, 'absent.tar'), { tag: `${repo}/base:absent` }))).toBe('IMAGE_BUILD_FAILED');
      expect(await codeOf(engine().importImage(rootfs, { tag: `${repo}/base:bad`, changes: ['RUN rm -rf /'] }))).toBe('INVALID_ARGUMENT');
      expect(await engine().hasImage(`${repo}/base:absent`)).toBe(false);
    });

    it('builds FROM a local image with COPY, LABEL and ENV: one image under every tag, with the Dockerfile labels and the given ones, its steps reported', async () => {
      const lines: string[] = [];
      const id = await buildApp([`${repo}/app:h1`, `${repo}/app:latest`], (line) => lines.push(line));
      expect(await engine().listImages(`${repo}/app`)).toEqual([
        { id, tags: [`${repo}/app:h1`, `${repo}/app:latest`], labels: expect.objectContaining({ 'from.dockerfile': 'yes', 'sagesim.content-hash': 'h1' }) },
      ]);
      expect(lines.some((line) => line.includes(`FROM ${'${BASE}'}`) || line.includes(`FROM ${repo}/base:1`))).toBe(true);
    });

    it('a build FROM an image that is not present (and in no registry), or with a COPY of a missing file, is IMAGE_BUILD_FAILED with the build log', async () => {
      const contextDir = path.join(dir, 'broken');
      await mkdir(contextDir, { recursive: true });
      await writeFile(path.join(contextDir, 'Dockerfile'), `FROM ${repo}/absent:1\nLABEL x=y\n`);
      const absent = await engine().buildImage({ contextDir, tags: [`${repo}/broken:1`] }).catch((e: unknown) => e);
      expect(isSagesimError(absent) && absent.code).toBe('IMAGE_BUILD_FAILED');
      expect((absent as Error).message).toContain(`${repo}/absent:1`);
      await importBase();
      await writeFile(path.join(contextDir, 'Dockerfile'), `FROM ${repo}/base:1\nCOPY missing.txt /missing.txt\n`);
      const missing = await engine().buildImage({ contextDir, tags: [`${repo}/broken:2`] }).catch((e: unknown) => e);
      expect(isSagesimError(missing) && missing.code).toBe('IMAGE_BUILD_FAILED');
      expect((missing as Error).message).toContain('missing.txt');
      expect(await engine().listImages(`${repo}/broken`)).toEqual([]);
    });

    it('a tag moves: tagImage points a name at another image; tagging an absent image is IMAGE_NOT_FOUND', async () => {
      const base = await importBase();
      const app = await buildApp([`${repo}/app:h1`]);
      await engine().tagImage(base, `${repo}/moving:x`);
      expect((await engine().listImages(`${repo}/moving`)).map((image) => image.id)).toEqual([base]);
      await engine().tagImage(`${repo}/app:h1`, `${repo}/moving:x`);
      expect(await engine().listImages(`${repo}/moving`)).toEqual([expect.objectContaining({ id: app, tags: [`${repo}/moving:x`] })]);
      expect(await codeOf(engine().tagImage(`${repo}/absent:1`, `${repo}/moving:y`))).toBe('IMAGE_NOT_FOUND');
    });

    it('removeImage takes one name away; the image goes with its last; an absent name is absent', async () => {
      await importBase();
      await buildApp([`${repo}/app:h2`, `${repo}/app:old`]);
      expect(await engine().removeImage(`${repo}/app:old`)).toBe('removed');
      expect((await engine().listImages(`${repo}/app`)).flatMap((image) => image.tags)).not.toContain(`${repo}/app:old`);
      expect(await engine().hasImage(`${repo}/app:h2`)).toBe(true);
      expect(await engine().removeImage(`${repo}/app:h2`)).toBe('removed');
      expect(await engine().hasImage(`${repo}/app:h2`)).toBe(false);
      expect(await engine().removeImage(`${repo}/app:h2`)).toBe('absent');
    });

    it('an image a container uses keeps its last name (in-use) until the container is gone', async () => {
      const contextDir = path.join(dir, 'shell');
      await mkdir(contextDir, { recursive: true });
      await writeFile(path.join(contextDir, 'Dockerfile'), `FROM ${shellImage()}\nLABEL sagesim.contract=in-use\n`);
      const tag = `${repo}/shell:1`;
      await engine().buildImage({ contextDir, tags: [tag] });
      const spec: ContainerSpec = { image: tag, command: ['sh', '-c', 'sleep 60'], env: {}, mounts: [], labels: { [EXECUTION_ID_LABEL]: executionId, [STEP_LABEL]: 'in-use' }, network: 'host' };
      const running = await engine().start(spec, { signal: live() });
      try {
        expect(await engine().removeImage(tag)).toBe('in-use');
        expect(await engine().hasImage(tag)).toBe(true);
      } finally {
        await running.stop();
      }
      expect(await engine().removeImage(tag)).toBe('removed');
    });
  });
}
