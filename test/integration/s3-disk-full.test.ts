// A full disk under the embedded S3: a write that fails with ENOSPC (or EDQUOT) answers an S3
// error naming the cause and the store's folder, leaves the previous object whole and no
// temporary file behind, and a step's output upload that hits it fails naming the full disk.
// The failure is injected through the store's test seam (no tmpfs needed).
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { createS3Client } from '../../src/mock-aws/s3-client.js';
import { S3ObjectStore } from '../../src/mock-aws/s3-object-store.js';
import { type JobContext, uploadOutput } from '../../src/steps/job-container.js';
import { httpRequest } from './support/raw-http.js';

let root: string;
let dataDir: string;
let s3: EmbeddedS3;
let port: number;
let full: NodeJS.ErrnoException | undefined;

function noSpace(code: 'ENOSPC' | 'EDQUOT'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: no space left on device, write`), { code });
}

/** Every file under the store whose name marks it temporary. */
async function leftovers(): Promise<string[]> {
  const entries = await readdir(dataDir, { recursive: true });
  return entries.filter((entry) => /\.partial$|\.tmp$/.test(entry));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-full-'));
  dataDir = path.join(root, 's3');
  s3 = await startEmbeddedS3({
    dataDir,
    storeHooks: {
      beforeCommit: () => {
        if (full) throw full;
      },
    },
  });
  port = Number(new URL(s3.endpoint).port);
});

afterAll(async () => {
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  full = undefined;
});

describe('the embedded S3 on a full disk', { timeout: 60_000 }, () => {
  it.each(['ENOSPC', 'EDQUOT'] as const)('a PutObject that hits %s answers 507 InsufficientStorage naming the store, keeps the old object and leaves no temp file', async (code) => {
    expect((await httpRequest(port, { method: 'PUT', path: '/full/k', body: 'old' })).status).toBe(200);
    full = noSpace(code);
    const response = await httpRequest(port, { method: 'PUT', path: '/full/k', body: 'new bytes' });
    expect(response.status).toBe(507);
    expect(response.body).toContain('<Code>InsufficientStorage</Code>');
    expect(response.body).toContain(code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded');
    expect(response.body).toContain(dataDir);
    expect(response.headers['x-amz-request-id']).toBeDefined();
    expect(await leftovers()).toEqual([]);
    full = undefined;
    expect((await httpRequest(port, { method: 'GET', path: '/full/k' })).body).toBe('old');
  });

  it('UploadPart, CompleteMultipartUpload and CopyObject leave no temp file either', async () => {
    const created = await httpRequest(port, { method: 'POST', path: '/full/mp?uploads' });
    const uploadId = /<UploadId>([0-9a-f]+)<\/UploadId>/.exec(created.body)?.[1] ?? '';
    full = noSpace('ENOSPC');
    const part = await httpRequest(port, { method: 'PUT', path: `/full/mp?partNumber=1&uploadId=${uploadId}`, body: 'part' });
    expect([part.status, /<Code>(\w+)/.exec(part.body)?.[1]]).toEqual([507, 'InsufficientStorage']);
    full = undefined;
    const etag = String((await httpRequest(port, { method: 'PUT', path: `/full/mp?partNumber=1&uploadId=${uploadId}`, body: 'part' })).headers['etag']);
    full = noSpace('ENOSPC');
    const complete = await httpRequest(port, {
      method: 'POST',
      path: `/full/mp?uploadId=${uploadId}`,
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(complete.status).toBe(507);
    const copy = await httpRequest(port, { method: 'PUT', path: '/full/copy', headers: { 'x-amz-copy-source': '/full/k' } });
    expect(copy.status).toBe(507);
    expect(await leftovers()).toEqual([]);
  });

  it("a step's output upload that hits it fails naming the full disk", async () => {
    const outputDir = path.join(root, 'output');
    await mkdir(outputDir, { recursive: true });
    await writeFile(path.join(outputDir, 'model.txt'), 'weights');
    const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: 'dummy', connect: () => s3.connect() });
    const objectStore = new S3ObjectStore({ client, endpoint: s3.endpoint, description: `embedded S3 at ${s3.endpoint}` });
    const logs: string[] = [];
    const context = {
      stepName: 'Train',
      signal: new AbortController().signal,
      objectStore,
      log: (line: string) => logs.push(line),
      warn: (line: string) => logs.push(line),
      workDir: root,
    } as unknown as JobContext;
    full = noSpace('ENOSPC');
    const failure = await uploadOutput(context, 'model', outputDir, 's3://full/out').then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/step "Train": could not upload output "model".*InsufficientStorage: no space left on device at /);
    expect(failure?.message).toContain(dataDir);
    expect(await leftovers()).toEqual([]);
  });
});
