// Staging's S3 layout rules against the in-memory store: where each input object lands, what a
// manifest means, what is uploaded where, and the errors a user sees.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { downloadFile, downloadPrefix, relativePathForKey, uploadDir, uploadFile } from '../../src/steps/staging.js';
import { parseManifest } from '../../src/ports/s3-manifest.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-staging-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storeWith(objects: Record<string, string>): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  for (const [uri, body] of Object.entries(objects)) await store.put(uri, body);
  return store;
}

/** Every file under a folder, as `relative/path: content`, sorted. */
async function tree(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push(`${path.relative(root, file).split(path.sep).join('/')}: ${await readFile(file, 'utf8')}`);
  }
  return out.sort();
}

describe('relativePathForKey: where SageMaker puts an object matched by an S3Prefix input', () => {
  it.each([
    ['folder prefix with slash', 'data/train/', 'data/train/a.csv', 'a.csv'],
    ['folder prefix with slash, nested key', 'data/train/', 'data/train/x/y.csv', 'x/y.csv'],
    ['folder prefix without slash', 'data/train', 'data/train/a.csv', 'a.csv'],
    ['prefix ending inside a folder name keeps the whole name', 'data/train', 'data/train2/b.csv', 'train2/b.csv'],
    ['prefix ending inside a file name keeps the file name', 'data/train', 'data/train-data.csv', 'train-data.csv'],
    ['a URI naming one object gives its file name', 'data/raw.csv', 'data/raw.csv', 'raw.csv'],
    ['an object at the bucket root', 'raw.csv', 'raw.csv', 'raw.csv'],
    ['the whole bucket', '', 'a/b.csv', 'a/b.csv'],
    ['a partial name at the bucket root', 'tra', 'train/a.csv', 'train/a.csv'],
  ])('%s: %s + %s -> %s', (_label, prefix, key, expected) => {
    expect(relativePathForKey(prefix, key)).toBe(expected);
  });
});

describe('downloadPrefix with S3Prefix', () => {
  it('lays out every object under a folder prefix by its key relative to the prefix', async () => {
    const store = await storeWith({
      's3://bucket/data/train/a.csv': 'A',
      's3://bucket/data/train/nested/b.csv': 'B',
      's3://bucket/data/other/c.csv': 'C',
    });
    const summary = await downloadPrefix(store, 's3://bucket/data/train', path.join(dir, 'in'));
    expect(summary).toEqual({ files: 2, bytes: 2 });
    expect(await tree(path.join(dir, 'in'))).toEqual(['a.csv: A', 'nested/b.csv: B']);
  });

  it('matches keys as a plain prefix, as the cloud does: data/train also takes data/train2 and data/train-x.csv', async () => {
    const store = await storeWith({
      's3://bucket/data/train/a.csv': 'A',
      's3://bucket/data/train2/b.csv': 'B',
      's3://bucket/data/train-x.csv': 'X',
    });
    await downloadPrefix(store, 's3://bucket/data/train', path.join(dir, 'in'));
    expect(await tree(path.join(dir, 'in'))).toEqual(['a.csv: A', 'train-x.csv: X', 'train2/b.csv: B']);
  });

  it('downloads a single object named by its URI under its file name', async () => {
    const store = await storeWith({ 's3://bucket/code/preprocess.py': 'print(1)' });
    await downloadPrefix(store, 's3://bucket/code/preprocess.py', path.join(dir, 'code'));
    expect(await tree(path.join(dir, 'code'))).toEqual(['preprocess.py: print(1)']);
  });

  it('skips folder marker objects (keys ending in a slash)', async () => {
    const store = await storeWith({ 's3://bucket/data/': '', 's3://bucket/data/a.csv': 'A' });
    await downloadPrefix(store, 's3://bucket/data/', path.join(dir, 'in'));
    expect(await tree(path.join(dir, 'in'))).toEqual(['a.csv: A']);
  });

  it('fails with S3_INPUT_NOT_FOUND naming the URI when nothing matches', async () => {
    const store = await storeWith({ 's3://bucket/data/a.csv': 'A' });
    await expect(downloadPrefix(store, 's3://bucket/missing/', path.join(dir, 'in'))).rejects.toMatchObject({
      code: 'S3_INPUT_NOT_FOUND',
      message: expect.stringContaining('s3://bucket/missing/'),
    });
  });

  it('refuses a key that would escape the local folder', async () => {
    const store = await storeWith({ 's3://bucket/data/../../etc/x': 'evil' });
    await expect(downloadPrefix(store, 's3://bucket/data/', path.join(dir, 'in'))).rejects.toMatchObject({ code: 'INVALID_S3_KEY' });
  });

  it('reports two objects that would land on the same path instead of overwriting one', async () => {
    // `data/x` (an object) and `data/x/y` both need `x`: one as a file, one as a folder.
    const store = await storeWith({ 's3://bucket/data/x': '1', 's3://bucket/data/x/y': '2' });
    await expect(downloadPrefix(store, 's3://bucket/data/', path.join(dir, 'in'))).rejects.toMatchObject({ code: 'S3_LAYOUT_CONFLICT' });
  });

  it('stops with StoppedError when the signal is already aborted', async () => {
    const store = await storeWith({ 's3://bucket/data/a.csv': 'A' });
    await expect(downloadPrefix(store, 's3://bucket/data/', path.join(dir, 'in'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'STOPPED',
    });
  });

  it('downloads many objects with a small concurrency', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 25; i++) objects[`s3://bucket/many/f${String(i).padStart(2, '0')}.txt`] = `body ${i}`;
    const store = await storeWith(objects);
    const summary = await downloadPrefix(store, 's3://bucket/many/', path.join(dir, 'in'), { concurrency: 3 });
    expect(summary.files).toBe(25);
    expect(await tree(path.join(dir, 'in'))).toHaveLength(25);
    expect(await readFile(path.join(dir, 'in', 'f17.txt'), 'utf8')).toBe('body 17');
  });
});

describe('downloadPrefix with ManifestFile', () => {
  it('downloads the objects a manifest lists, laid out by their path relative to its prefix', async () => {
    const store = await storeWith({
      's3://bucket/manifests/train.manifest': JSON.stringify([{ prefix: 's3://bucket/data/' }, 'part/one.csv', 'two.csv']),
      's3://bucket/data/part/one.csv': '1',
      's3://bucket/data/two.csv': '2',
      's3://bucket/data/not-listed.csv': 'no',
    });
    const summary = await downloadPrefix(store, 's3://bucket/manifests/train.manifest', path.join(dir, 'in'), { dataType: 'ManifestFile' });
    expect(summary).toEqual({ files: 2, bytes: 2 });
    expect(await tree(path.join(dir, 'in'))).toEqual(['part/one.csv: 1', 'two.csv: 2']);
  });

  it('fails with S3_INPUT_NOT_FOUND naming a listed object that does not exist', async () => {
    const store = await storeWith({
      's3://bucket/m.manifest': JSON.stringify([{ prefix: 's3://bucket/data/' }, 'gone.csv']),
    });
    await expect(downloadPrefix(store, 's3://bucket/m.manifest', path.join(dir, 'in'), { dataType: 'ManifestFile' })).rejects.toMatchObject({
      code: 'S3_INPUT_NOT_FOUND',
      message: expect.stringContaining('s3://bucket/data/gone.csv'),
    });
  });

  it('fails with S3_INPUT_NOT_FOUND when the manifest itself is missing', async () => {
    const store = new MemoryObjectStore();
    await expect(downloadPrefix(store, 's3://bucket/m.manifest', path.join(dir, 'in'), { dataType: 'ManifestFile' })).rejects.toMatchObject({
      code: 'S3_INPUT_NOT_FOUND',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['not an array', '{"prefix": "s3://b/p/"}'],
    ['no prefix element first', '["a.csv"]'],
    ['a non-string entry', '[{"prefix": "s3://b/p/"}, 3]'],
  ])('rejects a manifest that is %s with INVALID_MANIFEST', (_label, text) => {
    expect(() => parseManifest(text, 's3://b/m.manifest')).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }));
  });
});

describe('uploadDir', () => {
  it('uploads every file to <uri>/<path relative to the folder>', async () => {
    const out = path.join(dir, 'out');
    await mkdir(path.join(out, 'nested', 'deeper'), { recursive: true });
    await writeFile(path.join(out, 'model.json'), '{}');
    await writeFile(path.join(out, 'nested', 'deeper', 'a.txt'), 'abc');
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, out, 's3://bucket/job/output/');
    expect(summary).toEqual({ files: 2, bytes: 5, skipped: [] });
    expect((await store.list('s3://bucket/')).map((o) => o.uri)).toEqual([
      's3://bucket/job/output/model.json',
      's3://bucket/job/output/nested/deeper/a.txt',
    ]);
    expect((await store.get('s3://bucket/job/output/nested/deeper/a.txt')).toString()).toBe('abc');
  });

  it('uploads nothing from a folder the job never created', async () => {
    const store = new MemoryObjectStore();
    expect(await uploadDir(store, path.join(dir, 'never'), 's3://bucket/out')).toEqual({ files: 0, bytes: 0, skipped: [] });
    expect(await store.list('s3://bucket/')).toEqual([]);
  });
});

describe('uploadDir never follows a link out of the folder it uploads', () => {
  /** A host file outside the uploaded folder, standing for ~/.aws/credentials. */
  async function hostSecret(): Promise<string> {
    const secret = path.join(dir, 'host-only', 'secret.txt');
    await mkdir(path.dirname(secret), { recursive: true });
    await writeFile(secret, 'host secret');
    return secret;
  }

  async function uploaded(store: MemoryObjectStore): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const object of await store.list('s3://bucket/')) out[object.key] = (await store.get(object.uri)).toString();
    return out;
  }

  it.each([
    ['an absolute link to a host file', (secret: string) => secret],
    ['a relative link climbing out with ..', (secret: string) => path.relative(path.join(dir, 'out'), secret)],
    ['a link to a host folder', (secret: string) => path.dirname(secret)],
  ])('skips %s and says so', async (_label, target) => {
    const out = path.join(dir, 'out');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'kept.csv'), 'a,b');
    await symlink(target(await hostSecret()), path.join(out, 'x'));
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, out, 's3://bucket/o');
    expect(await uploaded(store)).toEqual({ 'o/kept.csv': 'a,b' });
    expect(summary.files).toBe(1);
    expect(summary.skipped).toEqual([{ path: 'x', reason: expect.stringMatching(/symbolic link to .* leads out of the folder/) }]);
  });

  it('skips a link inside a subfolder that climbs out, and a link into the host through a linked folder', async () => {
    const secret = await hostSecret();
    const out = path.join(dir, 'out');
    await mkdir(path.join(out, 'sub'), { recursive: true });
    await symlink('../../host-only/secret.txt', path.join(out, 'sub', 'up'));
    await symlink(path.dirname(secret), path.join(out, 'sub', 'hostdir'));
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, out, 's3://bucket/o');
    expect(await uploaded(store)).toEqual({});
    expect(summary.skipped.map((s) => s.path).sort()).toEqual([path.join('sub', 'hostdir'), path.join('sub', 'up')]);
  });

  it('uploads what a link inside the folder points to, as SageMaker reads it inside the container', async () => {
    const out = path.join(dir, 'out');
    await mkdir(path.join(out, 'data'), { recursive: true });
    await writeFile(path.join(out, 'data', 'a.csv'), 'A');
    await symlink('data/a.csv', path.join(out, 'latest.csv'));
    await symlink('data', path.join(out, 'alias'));
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, out, 's3://bucket/o');
    expect(await uploaded(store)).toEqual({ 'o/data/a.csv': 'A', 'o/latest.csv': 'A', 'o/alias/a.csv': 'A' });
    expect(summary.skipped).toEqual([]);
  });

  it('skips dangling links, link loops and files that are not regular files (a FIFO would block the upload)', async () => {
    const out = path.join(dir, 'out');
    await mkdir(path.join(out, 'loop'), { recursive: true });
    await symlink('/nonexistent/sagesim/target', path.join(out, 'dangling'));
    await symlink('..', path.join(out, 'loop', 'parent'));
    execFileSync('mkfifo', [path.join(out, 'pipe')]);
    await writeFile(path.join(out, 'ok.txt'), 'ok');
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, out, 's3://bucket/o');
    expect(await uploaded(store)).toEqual({ 'o/ok.txt': 'ok' });
    expect(summary.skipped.map((s) => s.path).sort()).toEqual(['dangling', path.join('loop', 'parent'), 'pipe']);
  });

  it('a folder that is itself a link out of where it should be uploads nothing', async () => {
    const secret = await hostSecret();
    const link = path.join(dir, 'out-link');
    await symlink(path.dirname(secret), link);
    const store = new MemoryObjectStore();
    const summary = await uploadDir(store, link, 's3://bucket/o');
    expect(await uploaded(store)).toEqual({});
    expect(summary.skipped).toEqual([{ path: '.', reason: expect.stringMatching(/symbolic link/) }]);
  });

  it("with links: 'follow' (sagesim s3 cp, as aws s3 cp) follows every link", async () => {
    const secret = await hostSecret();
    const out = path.join(dir, 'out');
    await mkdir(out, { recursive: true });
    await symlink(secret, path.join(out, 'x'));
    const store = new MemoryObjectStore();
    await uploadDir(store, out, 's3://bucket/o', { links: 'follow' });
    expect(await uploaded(store)).toEqual({ 'o/x': 'host secret' });
  });
});

describe('uploadFile and downloadFile', () => {
  it('round-trip one file', async () => {
    const store = new MemoryObjectStore();
    await writeFile(path.join(dir, 'in.bin'), 'payload');
    expect(await uploadFile(store, path.join(dir, 'in.bin'), 's3://bucket/x/in.bin')).toBe(7);
    expect(await downloadFile(store, 's3://bucket/x/in.bin', path.join(dir, 'back', 'out.bin'))).toBe(7);
    expect(await readFile(path.join(dir, 'back', 'out.bin'), 'utf8')).toBe('payload');
  });

  it('downloadFile of a missing object fails with S3_NOT_FOUND', async () => {
    await expect(downloadFile(new MemoryObjectStore(), 's3://bucket/none', path.join(dir, 'x'))).rejects.toMatchObject({ code: 'S3_NOT_FOUND' });
  });
});
