// Staging through the real embedded S3: the local layout of S3Prefix and ManifestFile inputs, the
// S3 layout of uploaded output folders, large objects in parallel ranges, and stopping.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createObjectStore } from '../../src/mock-aws/s3-client.js';
import type { S3ObjectStore } from '../../src/mock-aws/s3-object-store.js';
import { RANGED_DOWNLOAD_THRESHOLD, downloadFile, downloadPrefix, uploadDir, uploadFile } from '../../src/steps/staging.js';

let home: string;
let store: S3ObjectStore;
let dir: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-staging-home-'));
  store = await createObjectStore(resolveConfig({ cwd: home, home }, {}));
});
afterAll(async () => {
  await store[Symbol.asyncDispose]();
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-staging-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bucket(): string {
  return `staging-${randomUUID().slice(0, 8)}`;
}

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('staging through the embedded S3', { timeout: 300_000 }, () => {
  it('downloads an S3Prefix input laid out as SageMaker lays it out', async () => {
    const b = bucket();
    for (const key of ['data/train/a.csv', 'data/train/sub/b.csv', 'data/train2/c.csv', 'data/train-x.csv', 'data/other/d.csv']) {
      await store.put(`s3://${b}/${key}`, key);
    }
    const summary = await downloadPrefix(store, `s3://${b}/data/train`, path.join(dir, 'train'));
    expect(summary.files).toBe(4);
    expect(await files(path.join(dir, 'train'))).toEqual(['a.csv', 'sub/b.csv', 'train-x.csv', 'train2/c.csv']);
    expect(await readFile(path.join(dir, 'train', 'sub', 'b.csv'), 'utf8')).toBe('data/train/sub/b.csv');
  });

  it('downloads a ManifestFile input', async () => {
    const b = bucket();
    await store.put(`s3://${b}/in/x/1.csv`, 'one');
    await store.put(`s3://${b}/in/2.csv`, 'two');
    await store.put(`s3://${b}/manifest.json`, JSON.stringify([{ prefix: `s3://${b}/in/` }, 'x/1.csv', '2.csv']));
    const summary = await downloadPrefix(store, `s3://${b}/manifest.json`, path.join(dir, 'm'), { dataType: 'ManifestFile' });
    expect(summary).toEqual({ files: 2, bytes: 6 });
    expect(await files(path.join(dir, 'm'))).toEqual(['2.csv', 'x/1.csv']);
  });

  it('fails with S3_INPUT_NOT_FOUND for a prefix with no objects', async () => {
    await expect(downloadPrefix(store, `s3://${bucket()}/nothing/here/`, path.join(dir, 'in'))).rejects.toMatchObject({
      code: 'S3_INPUT_NOT_FOUND',
      message: expect.stringContaining('/nothing/here/'),
    });
  });

  it('uploads an output folder to <uri>/<relative path> and downloads it back identically', async () => {
    const b = bucket();
    const out = path.join(dir, 'out');
    await mkdir(path.join(out, 'evaluation', 'plots'), { recursive: true });
    await writeFile(path.join(out, 'evaluation', 'evaluation.json'), '{"mse": 0.1}');
    await writeFile(path.join(out, 'evaluation', 'plots', 'p.bin'), randomBytes(3000));
    await writeFile(path.join(out, 'top.txt'), 'top');
    await writeFile(path.join(out, '_SUCCESS'), '');
    const up = await uploadDir(store, out, `s3://${b}/job/output`);
    expect(up).toEqual({ files: 4, bytes: 12 + 3000 + 3, skipped: [] });
    expect((await store.list(`s3://${b}/`)).map((o) => o.key)).toEqual([
      'job/output/_SUCCESS',
      'job/output/evaluation/evaluation.json',
      'job/output/evaluation/plots/p.bin',
      'job/output/top.txt',
    ]);
    const down = await downloadPrefix(store, `s3://${b}/job/output/`, path.join(dir, 'back'));
    expect(down).toEqual({ files: up.files, bytes: up.bytes });
    for (const file of await files(out)) {
      expect(sha(await readFile(path.join(dir, 'back', file)))).toBe(sha(await readFile(path.join(out, file))));
    }
  });

  it('moves an object larger than the ranged-download threshold intact, multipart up and in ranges down', async () => {
    const b = bucket();
    const size = RANGED_DOWNLOAD_THRESHOLD + 5 * 1024 * 1024 + 123;
    const data = randomBytes(size);
    await writeFile(path.join(dir, 'big.bin'), data);
    expect(await uploadFile(store, path.join(dir, 'big.bin'), `s3://${b}/big/big.bin`)).toBe(size);
    expect(await downloadFile(store, `s3://${b}/big/big.bin`, path.join(dir, 'copy', 'big.bin'))).toBe(size);
    expect(sha(await readFile(path.join(dir, 'copy', 'big.bin')))).toBe(sha(data));
    const summary = await downloadPrefix(store, `s3://${b}/big/`, path.join(dir, 'prefix'), { concurrency: 3 });
    expect(summary).toEqual({ files: 1, bytes: size });
    expect((await stat(path.join(dir, 'prefix', 'big.bin'))).size).toBe(size);
    expect(sha(await readFile(path.join(dir, 'prefix', 'big.bin')))).toBe(sha(data));
  });

  it('stops a download in the middle of a transfer with StoppedError when the signal aborts', async () => {
    const b = bucket();
    await writeFile(path.join(dir, 'big.bin'), randomBytes(RANGED_DOWNLOAD_THRESHOLD + 1));
    await uploadFile(store, path.join(dir, 'big.bin'), `s3://${b}/big.bin`);
    const controller = new AbortController();
    // Abort as soon as the first byte range starts flowing.
    const spy: S3ObjectStore = Object.create(store) as S3ObjectStore;
    spy.getRangeStream = async (...args) => {
      const body = await store.getRangeStream(...args);
      body.once('data', () => controller.abort());
      return body;
    };
    const download = downloadPrefix(spy, `s3://${b}/big.bin`, path.join(dir, 'stopped'), { signal: controller.signal, concurrency: 1 });
    await expect(download).rejects.toMatchObject({ code: 'STOPPED' });
    expect(controller.signal.aborted).toBe(true);
    // The emulator still serves other requests afterwards.
    expect(await store.exists(`s3://${b}/big.bin`)).toBe(true);
  });

  it('stops a multipart upload with StoppedError and aborts it: no part is left in the emulator', async () => {
    const b = bucket();
    await store.put(`s3://${b}/seed`, 'the bucket exists');
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'out', 'model.bin'), randomBytes(48 * 1024 * 1024));
    const controller = new AbortController();
    // Stop as the first part goes out, as Ctrl-C during an output upload would.
    const stopOnFirstPart = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (context.commandName === 'UploadPartCommand') controller.abort();
      return next(args);
    };
    store.client.middlewareStack.add(stopOnFirstPart as never, { step: 'initialize', name: 'stopOnFirstPart' });
    try {
      const upload = uploadDir(store, path.join(dir, 'out'), `s3://${b}/model/`, { signal: controller.signal });
      await expect(upload).rejects.toMatchObject({ code: 'STOPPED' });
    } finally {
      store.client.middlewareStack.remove('stopOnFirstPart');
    }
    expect(await store.exists(`s3://${b}/model/model.bin`)).toBe(false);
    expect(await readdir(path.join(home, 's3', b, '._S3rver_uploads'))).toEqual([]);
  });

  it('sends a part that failed with a server error again, from the file', async () => {
    const b = bucket();
    const data = randomBytes(40 * 1024 * 1024);
    await writeFile(path.join(dir, 'model.bin'), data);
    let failed = 0;
    const failPartTwoOnce = (next: (args: { input: { PartNumber?: number } }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { PartNumber?: number } }) => {
      if (context.commandName === 'UploadPartCommand' && args.input.PartNumber === 2 && failed++ === 0) {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      }
      return next(args);
    };
    store.client.middlewareStack.add(failPartTwoOnce as never, { step: 'initialize', name: 'failPartTwoOnce' });
    try {
      expect(await uploadFile(store, path.join(dir, 'model.bin'), `s3://${b}/model.bin`)).toBe(data.length);
    } finally {
      store.client.middlewareStack.remove('failPartTwoOnce');
    }
    expect(failed).toBe(2);
    expect(sha(await store.get(`s3://${b}/model.bin`))).toBe(sha(data));
  });
});
