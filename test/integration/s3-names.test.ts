// Names from outside are hostile: no bucket, key, part number or upload id that arrives over HTTP
// (or through `sagesim s3`) reaches a file outside the embedded S3's folder. Canary files around
// the store must come out byte-for-byte unchanged, with no new file beside them; keys S3 allows
// (`a/../b`, `./x`, `a//b`) are stored and listed literally, as S3 does.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { httpRequest } from './support/raw-http.js';

let root: string;
let home: string;
let s3: EmbeddedS3;
let port: number;
/** Unique, so that a file escaping into /tmp is recognised. */
const token = `sagesim-pwned-${randomUUID().slice(0, 8)}`;

/** Every file under `dir` (but the store) with its bytes. */
async function snapshot(dir: string, skip: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (full === skip) continue;
      if (entry.isDirectory()) await walk(full);
      else files.set(path.relative(dir, full), (await readFile(full)).toString('base64'));
    }
  };
  await walk(dir);
  return files;
}

async function tmpEscapes(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.includes(token));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sagesim-names-'));
  home = path.join(root, 'home');
  await mkdir(path.join(root, 'outside'), { recursive: true });
  await writeFile(path.join(root, 'outside', 'secret.txt'), 'the secret\n');
  await writeFile(path.join(root, 'outside', 'pwned.sh'), '#!/bin/sh\necho original\n');
  await mkdir(home, { recursive: true });
  await writeFile(path.join(home, 'canary.json'), '{"keep":true}\n');
  s3 = await startEmbeddedS3({ dataDir: path.join(home, 's3') });
  port = Number(new URL(s3.endpoint).port);
});

afterAll(async () => {
  await s3?.close();
  await rm(root, { recursive: true, force: true });
  for (const name of await tmpEscapes()) await rm(path.join(tmpdir(), name), { recursive: true, force: true });
});

/** `../` enough times to climb from a bucket's folder (`<root>/home/s3/<bucket>`) to `<root>`. */
const UP = '../../../';
const UP_ENC = '..%2f..%2f..%2f';
const UP_DOT = '%2e%2e/%2e%2e/%2e%2e/';

interface Vector {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

function vectors(uploadId: string): Vector[] {
  const deleteBody = `<Delete><Object><Key>${UP}outside/secret.txt</Key></Object><Object><Key>${UP}outside/pwned.sh</Key></Object></Delete>`;
  return [
    { label: 'PUT key with raw ../', method: 'PUT', path: `/bkt/${UP}outside/pwned.sh`, body: 'pwned' },
    { label: 'PUT key with %2f-encoded ../', method: 'PUT', path: `/bkt/${UP_ENC}outside%2fpwned.sh`, body: 'pwned' },
    { label: 'PUT key with %2e%2e segments', method: 'PUT', path: `/bkt/${UP_DOT}outside/pwned.sh`, body: 'pwned' },
    { label: 'PUT key into /tmp', method: 'PUT', path: `/bkt/${UP}../../../../../../tmp/${token}`, body: 'pwned' },
    { label: 'GET key with raw ../', method: 'GET', path: `/bkt/${UP}outside/secret.txt` },
    { label: 'GET key with %2e%2e segments', method: 'GET', path: `/bkt/${UP_DOT}outside/secret.txt` },
    { label: 'HEAD key with ../', method: 'HEAD', path: `/bkt/${UP}outside/secret.txt` },
    { label: 'DELETE key with raw ../', method: 'DELETE', path: `/bkt/${UP}outside/secret.txt` },
    { label: 'DELETE key with %2f-encoded ../', method: 'DELETE', path: `/bkt/${UP_ENC}outside%2fsecret.txt` },
    { label: 'DeleteObjects with ../ keys', method: 'POST', path: '/bkt?delete', body: deleteBody, headers: { 'content-type': 'application/xml' } },
    { label: 'ListObjectsV2 of bucket ..%2f..%2f', method: 'GET', path: '/..%2f..%2foutside?list-type=2' },
    { label: 'ListObjects of bucket ..', method: 'GET', path: '/..?list-type=2' },
    { label: 'HeadBucket of bucket ..%2f..', method: 'HEAD', path: '/..%2f..' },
    { label: 'DeleteBucket of ..%2f..%2foutside', method: 'DELETE', path: '/..%2f..%2foutside' },
    { label: 'PUT into bucket ..%2f..%2foutside', method: 'PUT', path: '/..%2f..%2foutside/pwned.sh', body: 'pwned' },
    { label: 'CreateBucket ..%2f..%2foutside%2fnew', method: 'PUT', path: '/..%2f..%2foutside%2fnew' },
    { label: 'UploadPart with partNumber ../', method: 'PUT', path: `/bkt/k?partNumber=${UP_ENC}..%2foutside%2fpwned.sh&uploadId=x`, body: 'pwned' },
    { label: 'UploadPart of a real upload with partNumber ../', method: 'PUT', path: `/bkt/k?partNumber=${UP_ENC}..%2f..%2f..%2foutside%2fpwned.sh&uploadId=${uploadId}`, body: 'pwned' },
    { label: 'UploadPart with uploadId ../', method: 'PUT', path: `/bkt/k?partNumber=1&uploadId=${UP_ENC}..%2foutside`, body: 'pwned' },
    { label: 'CreateMultipartUpload of a ../ key', method: 'POST', path: `/bkt/${UP}outside/pwned.sh?uploads` },
    { label: 'CopyObject from a ../ source', method: 'PUT', path: '/bkt/copied', headers: { 'x-amz-copy-source': `/bkt/${UP}outside/secret.txt` } },
    { label: 'CopyObject from a ../ bucket', method: 'PUT', path: '/bkt/copied2', headers: { 'x-amz-copy-source': `/..%2f..%2foutside/secret.txt` } },
    { label: 'CopyObject to a ../ key', method: 'PUT', path: `/bkt/${UP}outside/pwned.sh`, headers: { 'x-amz-copy-source': '/bkt/plain' } },
    { label: 'PutObjectTagging of a ../ key', method: 'PUT', path: `/bkt/${UP}outside/secret.txt?tagging`, body: '<Tagging><TagSet></TagSet></Tagging>' },
    { label: 'GET //etc/passwd', method: 'GET', path: '//etc/passwd' },
    { label: 'GET /../../etc/passwd', method: 'GET', path: '/../../etc/passwd' },
    { label: 'virtual-host bucket ..', method: 'GET', path: `/${UP}outside/secret.txt`, headers: { host: '...localhost' } },
    { label: 'key with a NUL byte', method: 'PUT', path: '/bkt/a%00b', body: 'x' },
  ];
}

describe('no S3 name leaves the store', { timeout: 120_000 }, () => {
  it('every HTTP name vector leaves the files around the store untouched', async () => {
    expect((await httpRequest(port, { method: 'PUT', path: '/bkt/plain', body: 'plain' })).status).toBe(200);
    const created = await httpRequest(port, { method: 'POST', path: '/bkt/k?uploads' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)?.[1] ?? '';
    expect(uploadId).not.toBe('');
    const before = await snapshot(root, path.join(home, 's3'));

    const answers: string[] = [];
    for (const vector of vectors(uploadId)) {
      const res = await httpRequest(port, vector);
      answers.push(`${vector.label}: ${res.status}`);
      // Nothing outside comes back either.
      expect(res.body, vector.label).not.toContain('the secret');
      expect(res.body, vector.label).not.toContain('root:');
      expect(res.status, vector.label).toBeLessThan(500);
      if (res.status >= 400 && vector.method !== 'HEAD') expect(res.body, vector.label).toMatch(/<Error>\s*<Code>\w+<\/Code>/);
    }

    expect(await snapshot(root, path.join(home, 's3'))).toEqual(before);
    expect(await tmpEscapes()).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    if (process.env["SAGESIM_PRINT_ANSWERS"]) console.log(answers.join("\n"));
  });

  it('through `sagesim s3`, ../ in a key names an object, never a file', async () => {
    const cwd = path.join(root, 'cwd');
    await mkdir(cwd, { recursive: true });
    await writeFile(path.join(cwd, 'f.txt'), 'pwned');
    const before = await snapshot(root, path.join(home, 's3'));
    const cli = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        cwd,
      };
      return { code: await runCli([...argv, '--home', home], io), stdout, stderr };
    };

    expect((await cli('s3', 'cp', 'f.txt', `s3://bkt/${UP}outside/pwned.sh`)).code).toBe(0);
    expect((await cli('s3', 'cp', 'f.txt', `s3://bkt/${UP}../../../../../../tmp/${token}`)).code).toBe(0);
    const cat = await cli('s3', 'cat', `s3://bkt/${UP}outside/secret.txt`);
    expect(cat.stdout).not.toContain('the secret');
    expect(cat.code).not.toBe(0);
    const get = await cli('s3', 'cp', `s3://bkt/${UP}outside/secret.txt`, 'got.txt');
    expect(get.code).not.toBe(0);
    expect(existsSync(path.join(cwd, 'got.txt'))).toBe(false);
    // The object is there, under its literal key.
    expect((await cli('s3', 'cat', `s3://bkt/${UP}outside/pwned.sh`)).stdout).toBe('pwned');

    const after = await snapshot(root, path.join(home, 's3'));
    after.delete(path.join('cwd', 'f.txt'));
    before.delete(path.join('cwd', 'f.txt'));
    expect(after).toEqual(before);
    expect(await tmpEscapes()).toEqual([]);
  });
});

describe('keys S3 allows are stored literally', { timeout: 60_000 }, () => {
  const KEYS = ['a/../b', './x', 'a/./b', 'a//b', '../up', 'dir/', '.hidden', 'x._S3rver_object', 'y._S3rver_object/z', '%41', 'sp ace', 'ünï/cödé', `${'l'.repeat(300)}/${'m'.repeat(700)}`];

  it.each(KEYS.map((key) => [key.length > 40 ? `${key.slice(0, 12)}... (${key.length} chars)` : key, key]))('%s round-trips and lists as itself', async (_label, key) => {
    const bucket = `lit-${randomUUID().slice(0, 8)}`;
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    expect((await httpRequest(port, { method: 'PUT', path: `/${bucket}/${encoded}`, body: `body of ${key}` })).status).toBe(200);
    expect((await httpRequest(port, { method: 'PUT', path: `/${bucket}/other`, body: 'other' })).status).toBe(200);
    const got = await httpRequest(port, { method: 'GET', path: `/${bucket}/${encoded}` });
    expect(got).toMatchObject({ status: 200, body: `body of ${key}` });
    const listed = await httpRequest(port, { method: 'GET', path: `/${bucket}?list-type=2&encoding-type=url` });
    const keys = [...listed.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => decodeURIComponent(match[1] ?? ''));
    expect(keys).toEqual([key, 'other'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect((await httpRequest(port, { method: 'DELETE', path: `/${bucket}/${encoded}` })).status).toBe(204);
    expect((await httpRequest(port, { method: 'GET', path: `/${bucket}/${encoded}` })).status).toBe(404);
    expect((await httpRequest(port, { method: 'GET', path: `/${bucket}/other` })).body).toBe('other');
  });

  it('a/../b and b are two objects', async () => {
    const bucket = `lit-${randomUUID().slice(0, 8)}`;
    await httpRequest(port, { method: 'PUT', path: `/${bucket}/a/../b`, body: 'dotted' });
    await httpRequest(port, { method: 'PUT', path: `/${bucket}/b`, body: 'plain' });
    expect((await httpRequest(port, { method: 'GET', path: `/${bucket}/a/../b` })).body).toBe('dotted');
    expect((await httpRequest(port, { method: 'GET', path: `/${bucket}/b` })).body).toBe('plain');
  });
});

describe('names S3 refuses get S3 errors', { timeout: 60_000 }, () => {
  it.each([
    ['a key over 1024 bytes', 400, 'KeyTooLongError', 'PUT', `/bkt/${'k'.repeat(1025)}`],
    ['a 10,000-char key', 400, 'KeyTooLongError', 'GET', `/bkt/${'k'.repeat(10_000)}`],
    ['partNumber 0', 400, 'InvalidArgument', 'PUT', '/bkt/k?partNumber=0&uploadId=00000000000000000000000000000000'],
    ['partNumber 10001', 400, 'InvalidArgument', 'PUT', '/bkt/k?partNumber=10001&uploadId=00000000000000000000000000000000'],
    ['partNumber 1.5', 400, 'InvalidArgument', 'PUT', '/bkt/k?partNumber=1.5&uploadId=00000000000000000000000000000000'],
    ['an upper-case bucket', 400, 'InvalidBucketName', 'GET', '/Bucket?list-type=2'],
    ['a bucket with ..', 400, 'InvalidBucketName', 'PUT', '/a..b/k'],
    ['an empty bucket (//etc/passwd)', 400, 'InvalidURI', 'GET', '//etc/passwd'],
  ])('%s answers %i %s', async (_label, status, code, method, requestPath) => {
    const res = await httpRequest(port, { method, path: requestPath, body: method === 'PUT' ? 'x' : undefined });
    expect(res.status).toBe(status);
    expect(res.body).toContain(`<Code>${code}</Code>`);
  });
});
