// `sagesim s3 cp` of a large file stopped with Ctrl-C (the real command, in a child process):
// it aborts its multipart upload before exiting, so no upload folder stays in the store. The
// emulator runs here and holds the first UploadPart until the signal was sent, so the test does
// not depend on how fast the upload would have been.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedS3Handler, openEmbeddedS3Data } from '../../src/mock-aws/embedded-s3.js';
import { ensureBuilt, startCli } from './support/real-cli.js';

let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-cp-sigint-'));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sagesim s3 cp stopped by SIGINT', { timeout: 60_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('on %s aborts the multipart upload and leaves no upload folder', async (signal) => {
    const dataDir = path.join(dir, `s3-${signal}`);
    await openEmbeddedS3Data(dataDir);
    const s3 = createEmbeddedS3Handler(dataDir);
    const requests: string[] = [];
    let partArrived: () => void = () => undefined;
    const firstPart = new Promise<void>((resolve) => (partArrived = resolve));
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const kind = url.searchParams.has('partNumber') ? 'UploadPart' : url.searchParams.has('uploads') ? 'Create' : url.searchParams.has('uploadId') ? `${req.method} upload` : `${req.method}`;
      requests.push(kind);
      // Parts are held (never answered): the child is mid-upload when the signal comes.
      if (kind === 'UploadPart') {
        partArrived();
        return;
      }
      s3.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = path.join(dir, `big-${signal}.bin`);
    await writeFile(file, '');
    await truncate(file, 40 * 1024 * 1024); // over the 16 MiB part size: a multipart upload
    try {
      const child = startCli(['s3', 'cp', file, 's3://sigint-bucket/big.bin', '--s3-endpoint', endpoint], {
        cwd: dir,
        env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      });
      await firstPart;
      const uploads = path.join(dataDir, 'sigint-bucket', '._S3rver_uploads');
      expect(await readdir(uploads)).toHaveLength(1);
      child.child.kill(signal);
      const result = await child.exited;

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/stopped/i);
      expect(requests).toContain('DELETE upload');
      expect(await readdir(uploads).catch(() => [])).toEqual([]);
      expect(await readdir(path.join(dataDir, 'sigint-bucket'))).toEqual(['._S3rver_uploads']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3.close();
    }
  });
});
