// Uploads a client never finished: ListMultipartUploads shows them (as S3 does, through the AWS
// SDK), the emulator sweeps those older than the configured age, and a store written with the
// previous key layout is still read after an upgrade.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { createS3Client } from '../../src/mock-aws/s3-client.js';
import { httpRequest } from './support/raw-http.js';

let dir: string;
let s3: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-uploads-'));
  s3 = await startEmbeddedS3({ dataDir: path.join(dir, 's3') });
  client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: 'dummy' });
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

function bucket(): string {
  return `up-${randomUUID().slice(0, 8)}`;
}

async function start(b: string, key: string): Promise<string> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
  return created.UploadId as string;
}

describe('ListMultipartUploads', { timeout: 60_000 }, () => {
  it('lists uploads in progress by key, with prefix and delimiter', async () => {
    const b = bucket();
    const ids = { b: await start(b, 'data/b.bin'), a: await start(b, 'data/a.bin'), other: await start(b, 'logs/x'), nested: await start(b, 'data/deep/c') };
    const all = await client.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(all.Uploads?.map((upload) => [upload.Key, upload.UploadId])).toEqual([
      ['data/a.bin', ids.a],
      ['data/b.bin', ids.b],
      ['data/deep/c', ids.nested],
      ['logs/x', ids.other],
    ]);
    expect(all.IsTruncated).toBe(false);
    expect(all.Uploads?.[0]?.Initiated).toBeInstanceOf(Date);

    const folder = await client.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'data/', Delimiter: '/' }));
    expect(folder.Uploads?.map((upload) => upload.Key)).toEqual(['data/a.bin', 'data/b.bin']);
    expect(folder.CommonPrefixes?.map((common) => common.Prefix)).toEqual(['data/deep/']);
  });

  it('pages with key-marker and upload-id-marker, as S3 does', async () => {
    const b = bucket();
    const first = await start(b, 'same');
    const second = await start(b, 'same');
    const third = await start(b, 'z');
    const keys: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await client.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 1, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      keys.push(...(res.Uploads ?? []).map((upload) => `${upload.Key}:${upload.UploadId}`));
      if (!res.IsTruncated) break;
      keyMarker = res.NextKeyMarker;
      uploadIdMarker = res.NextUploadIdMarker;
    }
    expect(keys.sort()).toEqual([`same:${first}`, `same:${second}`, `z:${third}`].sort());
    expect(new Set(keys).size).toBe(3);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    await expect(client.send(new ListMultipartUploadsCommand({ Bucket: bucket() }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

describe('stale uploads', { timeout: 60_000 }, () => {
  it('are removed when the emulator starts, by their age; recent ones stay', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-stale-'));
    try {
      const dataDir = path.join(home, 's3');
      const b = bucket();
      let first = await startEmbeddedS3({ dataDir });
      const firstClient = createS3Client({ endpoint: first.endpoint, region: 'us-east-1', credentials: 'dummy' });
      const old = (await firstClient.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'old' }))).UploadId as string;
      const recent = (await firstClient.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'recent' }))).UploadId as string;
      firstClient.destroy();
      await first.close();
      const uploads = path.join(dataDir, b, '._S3rver_uploads');
      const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
      await utimes(path.join(uploads, old, 'key'), twoDaysAgo, twoDaysAgo);

      first = await startEmbeddedS3({ dataDir, staleUploadAgeMs: 24 * 3600_000 });
      try {
        expect((await readdir(uploads)).sort()).toEqual([recent]);
        const listed = await httpRequest(Number(new URL(first.endpoint).port), { method: 'GET', path: `/${b}?uploads` });
        expect(listed.body).toContain(`<UploadId>${recent}</UploadId>`);
        expect(listed.body).not.toContain(old);
      } finally {
        await first.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('a store written by the previous layout', { timeout: 60_000 }, () => {
  it('is migrated in place: every object is found under its key, and listed', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-legacy-'));
    try {
      const dataDir = path.join(home, 's3');
      // The previous layout: <bucket>/<key as a path>._S3rver_object (+ .md5, metadata).
      const legacy = { 'plain/a.csv': 'a', 'k=v/part 1.txt': 'eq', 'ünï.txt': 'uni', '.hidden': 'dot', 'dir/': 'folder marker' };
      for (const [key, body] of Object.entries(legacy)) {
        const base = path.join(dataDir, 'legacy-bucket', key);
        await mkdir(path.dirname(`${base}x`), { recursive: true });
        await writeFile(`${base}._S3rver_object`, body);
        await writeFile(`${base}._S3rver_metadata.json`, JSON.stringify({ 'content-type': 'text/plain' }));
      }
      const emulator = await startEmbeddedS3({ dataDir });
      try {
        const port = Number(new URL(emulator.endpoint).port);
        for (const [key, body] of Object.entries(legacy)) {
          const got = await httpRequest(port, { method: 'GET', path: `/legacy-bucket/${key.split('/').map(encodeURIComponent).join('/')}` });
          expect({ key, status: got.status, body: got.body }).toEqual({ key, status: 200, body });
        }
        const listed = await httpRequest(port, { method: 'GET', path: '/legacy-bucket?list-type=2' });
        expect([...listed.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1])).toEqual(
          Object.keys(legacy).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      } finally {
        await emulator.close();
      }
      expect(existsSync(path.join(dataDir, '.sagesim-s3-layout'))).toBe(true);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('resumes a migration cut short without moving an object twice', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-resume-'));
    try {
      const dataDir = path.join(home, 's3');
      const bucketDir = path.join(dataDir, 'resume-bucket');
      await mkdir(bucketDir, { recursive: true });
      // `ünï.txt` was moved to its encoded name before the cut; `k=v.txt` was not.
      await writeFile(path.join(bucketDir, '%C3%BCn%C3%AF.txt._S3rver_object'), 'moved');
      await writeFile(path.join(bucketDir, 'k=v.txt._S3rver_object'), 'not yet');
      await writeFile(path.join(dataDir, '.sagesim-s3-layout'), 'migrating to 2\n');
      const emulator = await startEmbeddedS3({ dataDir });
      try {
        const port = Number(new URL(emulator.endpoint).port);
        expect((await httpRequest(port, { method: 'GET', path: `/resume-bucket/${encodeURIComponent('ünï.txt')}` })).body).toBe('moved');
        expect((await httpRequest(port, { method: 'GET', path: '/resume-bucket/k%3Dv.txt' })).body).toBe('not yet');
        const listed = await httpRequest(port, { method: 'GET', path: '/resume-bucket?list-type=2' });
        expect([...listed.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1])).toEqual(['k=v.txt', 'ünï.txt']);
      } finally {
        await emulator.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
