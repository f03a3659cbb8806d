// The embedded S3 emulator and S3ObjectStore, through the real @aws-sdk/client-s3: what
// EMBEDDED-S3-BEHAVIOUR.md promises, and the errors a user sees when S3 is not there.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { createObjectStore, createS3Client } from '../../src/mock-aws/s3-client.js';
import { S3ObjectStore } from '../../src/mock-aws/s3-object-store.js';

const MIB = 1024 * 1024;

let dir: string;
let s3: EmbeddedS3;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-'));
  s3 = await startEmbeddedS3({ dataDir: path.join(dir, 's3') });
});

afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

/** A bucket name no other test uses. */
function bucket(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

// Containers reach the emulator on 127.0.0.1; sagesim's own client through an in-process connection.
describe.each(['tcp', 'in-process'] as const)('embedded S3 through the AWS SDK, over %s', { timeout: 120_000 }, (transport) => {
  let client: S3Client;
  let store: S3ObjectStore;

  beforeAll(() => {
    const connect = transport === 'in-process' ? () => s3.connect() : undefined;
    client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: 'dummy', connect });
    store = new S3ObjectStore({ client, endpoint: s3.endpoint, createBuckets: true });
  });

  afterAll(async () => {
    await store[Symbol.asyncDispose]();
  });

  it('listens on 127.0.0.1', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('puts, gets, lists, checks and deletes objects', async () => {
    const b = bucket();
    await store.put(`s3://${b}/data/a.csv`, 'a,b\n1,2\n');
    await store.put(`s3://${b}/data/nested/b.bin`, Buffer.from([0, 1, 2, 255]));
    await store.put(`s3://${b}/other.txt`, Readable.from(['streamed ', 'text']));

    expect((await store.get(`s3://${b}/data/a.csv`)).toString()).toBe('a,b\n1,2\n');
    expect([...(await store.get(`s3://${b}/data/nested/b.bin`))]).toEqual([0, 1, 2, 255]);
    expect((await store.get(`s3://${b}/other.txt`)).toString()).toBe('streamed text');
    expect((await store.list(`s3://${b}/data/`)).map((o) => [o.key, o.size])).toEqual([
      ['data/a.csv', 8],
      ['data/nested/b.bin', 4],
    ]);
    expect(await store.exists(`s3://${b}/data/a.csv`)).toBe(true);
    expect(await store.exists(`s3://${b}/data/none.csv`)).toBe(false);

    await store.delete(`s3://${b}/data/a.csv`);
    expect(await store.exists(`s3://${b}/data/a.csv`)).toBe(false);
    expect((await store.list(`s3://${b}/`)).map((o) => o.key)).toEqual(['data/nested/b.bin', 'other.txt']);
  });

  it('answers a missing object with S3_NOT_FOUND naming the URI', async () => {
    const b = bucket();
    await store.put(`s3://${b}/present`, 'x');
    await expect(store.get(`s3://${b}/absent`)).rejects.toMatchObject({ code: 'S3_NOT_FOUND', message: expect.stringContaining(`s3://${b}/absent`) });
    await expect(store.get(`s3://${bucket()}/no-bucket-either`)).rejects.toMatchObject({ code: 'S3_NOT_FOUND' });
    expect(await store.list(`s3://${bucket()}/`)).toEqual([]);
  });

  it('creates a bucket on the first PutObject or CreateMultipartUpload into it', async () => {
    const first = bucket();
    const second = bucket();
    await expect(client.send(new HeadBucketCommand({ Bucket: first }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await client.send(new PutObjectCommand({ Bucket: first, Key: 'k', Body: 'v' }));
    await client.send(new HeadBucketCommand({ Bucket: first }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: second, Key: 'big' }));
    await client.send(new HeadBucketCommand({ Bucket: second }));
    expect((await store.listBuckets()).map((b) => b.name)).toEqual(expect.arrayContaining([first, second]));
  });

  it('rejects a write to an invalid bucket name with InvalidBucketName', async () => {
    await expect(client.send(new PutObjectCommand({ Bucket: 'ab', Key: 'k', Body: 'v' }))).rejects.toMatchObject({ name: 'InvalidBucketName' });
  });

  it('uploads a 40 MiB stream in parts and serves it back byte for byte, whole and in ranges', async () => {
    const b = bucket();
    const data = randomBytes(40 * MIB);
    const chunks = Array.from({ length: 40 }, (_, i) => data.subarray(i * MIB, (i + 1) * MIB));
    await store.put(`s3://${b}/big.bin`, Readable.from(chunks));
    // Three 16 MiB parts were assembled: nothing of the uploads folder is left.
    expect(await readdir(path.join(s3.dataDir, b, '._S3rver_uploads'))).toEqual([]);

    expect((await store.head(`s3://${b}/big.bin`))?.size).toBe(40 * MIB);
    expect(md5(await store.get(`s3://${b}/big.bin`))).toBe(md5(data));
    const range = await store.getRangeStream(`s3://${b}/big.bin`, 17 * MIB - 3, 17 * MIB + 4);
    const bytes: Buffer[] = [];
    for await (const chunk of range) bytes.push(chunk as Buffer);
    expect(Buffer.concat(bytes).equals(data.subarray(17 * MIB - 3, 17 * MIB + 5))).toBe(true);
  });

  it('lists the parts of an upload, aborts it (its parts are removed) and then knows it no more', async () => {
    const b = bucket();
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'dir/big.bin' }));
    const part = randomBytes(5 * MIB);
    await client.send(new UploadPartCommand({ Bucket: b, Key: 'dir/big.bin', UploadId, PartNumber: 1, Body: part }));
    await client.send(new UploadPartCommand({ Bucket: b, Key: 'dir/big.bin', UploadId, PartNumber: 2, Body: 'tail' }));

    const listed = await client.send(new ListPartsCommand({ Bucket: b, Key: 'dir/big.bin', UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MIB, `"${md5(part)}"`],
      [2, 4, `"${md5(Buffer.from('tail'))}"`],
    ]);
    const page = await client.send(new ListPartsCommand({ Bucket: b, Key: 'dir/big.bin', UploadId, MaxParts: 1 }));
    expect([page.IsTruncated, page.NextPartNumberMarker, page.Parts?.length]).toEqual([true, '1', 1]);

    await client.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'dir/big.bin', UploadId }));
    expect(await readdir(path.join(s3.dataDir, b, '._S3rver_uploads'))).toEqual([]);
    await expect(client.send(new ListPartsCommand({ Bucket: b, Key: 'dir/big.bin', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'dir/big.bin', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    // An upload id is a folder name on disk: one that is not s3rver's hex is no upload, never a path.
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: '../../etc' }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await store.exists(`s3://${b}/dir/big.bin`)).toBe(false);
  });

  it('completes a multipart upload as S3 does: multipart ETag, and the checks on order, ETags and part sizes', async () => {
    const b = bucket();
    const key = 'parts.bin';
    const first = randomBytes(5 * MIB);
    const last = Buffer.from('the last part may be small');
    const start = async (): Promise<string | undefined> => (await client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }))).UploadId;
    const send = async (UploadId: string | undefined, PartNumber: number, Body: Buffer): Promise<string | undefined> =>
      (await client.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId, PartNumber, Body }))).ETag;
    const complete = (UploadId: string | undefined, Parts: { PartNumber: number; ETag: string | undefined }[]) =>
      client.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId, MultipartUpload: { Parts } }));

    const small = await start();
    const tiny = await send(small, 1, Buffer.from('too small to come first'));
    const tail = await send(small, 2, last);
    await expect(complete(small, [{ PartNumber: 2, ETag: tail }, { PartNumber: 1, ETag: tiny }])).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(complete(small, [{ PartNumber: 1, ETag: tail }, { PartNumber: 2, ETag: tail }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(complete(small, [{ PartNumber: 1, ETag: tiny }, { PartNumber: 2, ETag: tail }])).rejects.toMatchObject({ name: 'EntityTooSmall' });
    // A failed completion leaves the upload as it was: it can still be completed (here, with part 2 alone).
    const alone = await complete(small, [{ PartNumber: 2, ETag: tail }]);
    expect(alone.ETag).toBe(`"${md5(Buffer.from(md5(last), 'hex'))}-1"`);

    const upload = await start();
    const etags = [await send(upload, 1, first), await send(upload, 2, last)];
    const done = await complete(upload, [{ PartNumber: 1, ETag: etags[0] }, { PartNumber: 2, ETag: etags[1] }]);
    const expected = `"${md5(Buffer.concat([Buffer.from(md5(first), 'hex'), Buffer.from(md5(last), 'hex')]))}-2"`;
    expect(done.ETag).toBe(expected);
    const head = await client.send(new HeadObjectCommand({ Bucket: b, Key: key }));
    expect([head.ETag, head.ContentLength]).toEqual([expected, first.length + last.length]);
    expect(md5(await store.get(`s3://${b}/${key}`))).toBe(md5(Buffer.concat([first, last])));
    expect(await readdir(path.join(s3.dataDir, b, '._S3rver_uploads'))).toEqual([]);
  });

  it('lists in key order across pages, as S3 does (s3rver alone skipped keys)', async () => {
    const b = bucket();
    // File names sort differently from keys: `a._S3rver_object` comes after `a-b._S3rver_object`.
    const keys = ['a', 'a-b', 'a.c', 'a/x', 'a/y/z', 'b', 'b0'];
    for (const key of keys) await store.put(`s3://${b}/${key}`, key);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen).toEqual([...keys].sort());
  });

  it('pages through folders and objects with a delimiter without repeating a folder', async () => {
    const b = bucket();
    for (const key of ['d/a/1', 'd/a/2', 'd/b', 'd/c/1', 'd/d']) await store.put(`s3://${b}/${key}`, '1');
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'd/', Delimiter: '/', MaxKeys: 1, ContinuationToken: token }));
      seen.push(...(page.CommonPrefixes ?? []).map((p) => `PRE ${p.Prefix}`), ...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen).toEqual(['PRE d/a/', 'd/b', 'PRE d/c/', 'd/d']);
  });

  it('lists more than 1000 keys through S3ObjectStore (continuation tokens work on Node 20)', async () => {
    const b = bucket();
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(`s3://${b}/${key}`, 'x')));
    expect((await store.list(`s3://${b}/many/`)).map((o) => o.key)).toEqual(keys);
  });

  it('URL-encodes keys in listings when asked (encoding-type=url, as boto3 asks)', async () => {
    const b = bucket();
    await store.put(`s3://${b}/odd key+%.txt`, '1');
    const page = await client.send(new ListObjectsV2Command({ Bucket: b, EncodingType: 'url' }));
    expect(page.Contents?.map((o) => o.Key)).toEqual(['odd%20key%2B%25.txt']);
    const plain = await client.send(new ListObjectsV2Command({ Bucket: b }));
    expect(plain.Contents?.map((o) => o.Key)).toEqual(['odd key+%.txt']);
  });

  it('lists folders with a delimiter', async () => {
    const b = bucket();
    for (const key of ['data/a.csv', 'data/x/1', 'data/y/2', 'top']) await store.put(`s3://${b}/${key}`, '1');
    const page = await client.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'data/', Delimiter: '/' }));
    expect(page.Contents?.map((o) => o.Key)).toEqual(['data/a.csv']);
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/x/', 'data/y/']);
  });

  it('stores the payload of an aws-chunked upload, not its framing', async () => {
    const b = bucket();
    await store.put(`s3://${b}/seed`, 'x');
    const body = '5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\n\r\n';
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${s3.endpoint}/${b}/chunked.txt`,
        {
          method: 'PUT',
          headers: {
            'content-encoding': 'aws-chunked',
            'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
            'x-amz-decoded-content-length': '11',
            'content-length': String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
    const out = await client.send(new GetObjectCommand({ Bucket: b, Key: 'chunked.txt' }));
    expect(await out.Body?.transformToString()).toBe('hello world');
    expect(out.ContentEncoding).toBeUndefined();
  });

  it('takes streamed uploads from an SDK client with default checksums (aws-chunked with a trailer)', async () => {
    const b = bucket();
    const plain = new (await import('@aws-sdk/client-s3')).S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'any-key', secretAccessKey: 'any-secret' },
    });
    try {
      await plain.send(new PutObjectCommand({ Bucket: b, Key: 'stream.txt', Body: Readable.from([Buffer.from('from a '), Buffer.from('stream')]), ContentLength: 13 }));
      expect((await store.get(`s3://${b}/stream.txt`)).toString()).toBe('from a stream');
    } finally {
      plain.destroy();
    }
  });
});

describe('embedded S3 data directory', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-data-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps objects across a restart on the same folder', async () => {
    {
      await using first = await startEmbeddedS3({ dataDir });
      await using writer = new S3ObjectStore({ client: createS3Client({ endpoint: first.endpoint, region: 'us-east-1', credentials: 'dummy' }), endpoint: first.endpoint });
      await writer.put('s3://persisted/run-1/model.tar.gz', 'weights');
    }
    await using second = await startEmbeddedS3({ dataDir });
    await using reader = new S3ObjectStore({ client: createS3Client({ endpoint: second.endpoint, region: 'us-east-1', credentials: 'dummy' }), endpoint: second.endpoint });
    expect((await reader.get('s3://persisted/run-1/model.tar.gz')).toString()).toBe('weights');
  });

  it('closes its port and its in-process connections when closed', async () => {
    const emulator = await startEmbeddedS3({ dataDir });
    const inProcess = new S3ObjectStore({
      client: createS3Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: 'dummy', connect: () => emulator.connect() }),
      endpoint: emulator.endpoint,
      createBuckets: true,
    });
    // A kept-alive connection stays open after this request; closing must not wait for it.
    await inProcess.put('s3://closing/key', 'x');
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    const refused = new S3ObjectStore({ client: createS3Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: 'dummy' }), endpoint: emulator.endpoint });
    await expect(refused.list('s3://any/')).rejects.toMatchObject({ code: 'S3_UNREACHABLE' });
    await expect(inProcess.list('s3://closing/')).rejects.toMatchObject({ code: 'S3_UNREACHABLE', message: expect.stringContaining(emulator.endpoint) });
    await refused[Symbol.asyncDispose]();
    await inProcess[Symbol.asyncDispose]();
  });

  it('createObjectStore in mock mode starts the emulator on <home>/s3 and stops it when disposed', async () => {
    const config = resolveConfig({ cwd: dataDir, home: path.join(dataDir, 'home') }, {});
    let endpoint: string;
    {
      await using managed = await createObjectStore(config);
      endpoint = managed.endpoint;
      expect(managed.description).toBe(`embedded S3 at ${endpoint}`);
      await managed.put('s3://home-bucket/key.txt', 'in the home');
    }
    expect(existsSync(path.join(dataDir, 'home', 's3', 'home-bucket', 'key.txt._S3rver_object'))).toBe(true);
    const after = new S3ObjectStore({ client: createS3Client({ endpoint, region: 'us-east-1', credentials: 'dummy' }), endpoint });
    await expect(after.exists('s3://home-bucket/key.txt')).rejects.toMatchObject({ code: 'S3_UNREACHABLE' });
    await after[Symbol.asyncDispose]();
  });
});

describe('S3 that is not there', { timeout: 60_000 }, () => {
  it('fails with S3_UNREACHABLE naming the endpoint and what to do', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const config = resolveConfig({ cwd: tmpdir(), s3Endpoint: endpoint }, {});
    await using unreachable = await createObjectStore(config);
    const error = await unreachable.put('s3://bucket/key', 'x').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'S3_UNREACHABLE', message: expect.stringContaining(endpoint) });
    expect((error as { hint?: string }).hint).toMatch(/--s3-endpoint/);
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
