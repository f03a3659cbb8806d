// The object and bucket operations the embedded S3 answers itself (s3rver's controllers before):
// conditional and ranged GETs, Content-MD5, user metadata and response overrides, CopyObject,
// DeleteObjects, bucket create/delete/location, tagging, CORS and its preflight, NotImplemented
// subresources, XML bodies that try entity expansion, and a request id on every answer.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { type RawRequest, type RawResponse, httpRequest } from './support/raw-http.js';

let root: string;
let s3: EmbeddedS3;
let port: number;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-ops-'));
  s3 = await startEmbeddedS3({ dataDir: path.join(root, 's3') });
  port = Number(new URL(s3.endpoint).port);
});

afterAll(async () => {
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

function send(request: RawRequest): Promise<RawResponse> {
  return httpRequest(port, request);
}

function code(response: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1];
}

async function put(pathname: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await send({ method: 'PUT', path: pathname, body, headers });
  expect(response.status, response.body).toBe(200);
  return response;
}

describe('GetObject and HeadObject', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await put('/ops/get/object.txt', '0123456789', {
      'content-type': 'text/plain',
      'content-disposition': 'attachment; filename="o.txt"',
      'cache-control': 'max-age=60',
      'content-encoding': 'identity',
      expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
      'x-amz-meta-owner': 'me',
    });
  });

  it('returns the body with every stored header and user metadata', async () => {
    const response = await send({ method: 'GET', path: '/ops/get/object.txt' });
    expect(response.status).toBe(200);
    expect(response.body).toBe('0123456789');
    expect(response.headers).toMatchObject({
      'content-type': 'text/plain',
      'content-disposition': 'attachment; filename="o.txt"',
      'cache-control': 'max-age=60',
      'content-encoding': 'identity',
      expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
      'x-amz-meta-owner': 'me',
      etag: `"${createHash('md5').update('0123456789').digest('hex')}"`,
      'accept-ranges': 'bytes',
      'content-length': '10',
    });
    expect(response.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
  });

  it.each([
    ['bytes=2-4', 206, '234', 'bytes 2-4/10'],
    ['bytes=7-', 206, '789', 'bytes 7-9/10'],
    ['bytes=-3', 206, '789', 'bytes 7-9/10'],
    ['bytes=8-100', 206, '89', 'bytes 8-9/10'],
    ['bytes=0-1,4-5', 200, '0123456789', undefined],
    ['lines=1-2', 200, '0123456789', undefined],
  ])('Range %s answers %i', async (range, status, body, contentRange) => {
    const response = await send({ method: 'GET', path: '/ops/get/object.txt', headers: { range } });
    expect(response.status).toBe(status);
    expect(response.body).toBe(body);
    expect(response.headers['content-range']).toBe(contentRange);
  });

  it('a range past the end is InvalidRange (416)', async () => {
    const response = await send({ method: 'GET', path: '/ops/get/object.txt', headers: { range: 'bytes=10-20' } });
    expect(response.status).toBe(416);
    expect(code(response)).toBe('InvalidRange');
  });

  it('overrides response headers from response-* query parameters and refuses others', async () => {
    const response = await send({ method: 'GET', path: '/ops/get/object.txt?response-content-type=application%2Fjson&response-content-disposition=inline' });
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['content-disposition']).toBe('inline');
    const bad = await send({ method: 'GET', path: '/ops/get/object.txt?response-x-foo=1' });
    expect([bad.status, code(bad)]).toEqual([400, 'InvalidArgument']);
  });

  it('a missing key is NoSuchKey, a missing bucket NoSuchBucket', async () => {
    expect(code(await send({ method: 'GET', path: '/ops/get/none' }))).toBe('NoSuchKey');
    expect(code(await send({ method: 'GET', path: '/no-such-bucket-x/k' }))).toBe('NoSuchBucket');
  });

  it('serves an empty object', async () => {
    await put('/ops/get/empty', '');
    const response = await send({ method: 'GET', path: '/ops/get/empty' });
    expect([response.status, response.body, response.headers['content-length']]).toEqual([200, '', '0']);
  });
});

describe('conditional GetObject and HeadObject', { timeout: 60_000 }, () => {
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    etag = String((await put('/ops/conditional/object.txt', 'conditional')).headers['etag']);
    lastModified = String((await send({ method: 'HEAD', path: '/ops/conditional/object.txt' })).headers['last-modified']);
  });

  it('answers conditional requests as S3 does (304 and 412)', async () => {
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    const cases: [Record<string, string>, number][] = [
      [{ 'if-none-match': etag }, 304],
      [{ 'if-none-match': '"other"' }, 200],
      [{ 'if-none-match': '*' }, 304],
      [{ 'if-modified-since': later }, 304],
      [{ 'if-modified-since': lastModified }, 304],
      [{ 'if-modified-since': earlier }, 200],
      [{ 'if-match': etag }, 200],
      [{ 'if-match': '"other"' }, 412],
      [{ 'if-unmodified-since': earlier }, 412],
      [{ 'if-unmodified-since': later }, 200],
      // If-Match that holds wins over If-Unmodified-Since that does not, as S3 documents.
      [{ 'if-match': etag, 'if-unmodified-since': earlier }, 200],
      // If-None-Match that fails (the ETag differs) wins over If-Modified-Since.
      [{ 'if-none-match': '"other"', 'if-modified-since': later }, 200],
    ];
    for (const [headers, status] of cases) {
      for (const method of ['GET', 'HEAD']) {
        const response = await send({ method, path: '/ops/conditional/object.txt', headers });
        expect({ headers, method, status: response.status }).toEqual({ headers, method, status });
        if (status === 412 && method === 'GET') expect(code(response)).toBe('PreconditionFailed');
        if (status === 304) expect(response.headers['etag']).toBe(etag);
      }
    }
  });

});

describe('PutObject', { timeout: 60_000 }, () => {
  it('checks Content-MD5: a body that does not match is BadDigest and is not stored', async () => {
    const good = createHash('md5').update('abc').digest('base64');
    await put('/ops/md5/k', 'abc', { 'content-md5': good });
    const wrong = await send({ method: 'PUT', path: '/ops/md5/k', body: 'abd', headers: { 'content-md5': good } });
    expect([wrong.status, code(wrong)]).toEqual([400, 'BadDigest']);
    expect((await send({ method: 'GET', path: '/ops/md5/k' })).body).toBe('abc');
    const invalid = await send({ method: 'PUT', path: '/ops/md5/k', body: 'abc', headers: { 'content-md5': 'nope' } });
    expect([invalid.status, code(invalid)]).toEqual([400, 'InvalidDigest']);
  });
});

describe('CopyObject', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await put('/ops/copy/a%20b+c.txt', 'source', { 'content-type': 'text/plain', 'x-amz-meta-from': 'source' });
  });

  it('copies a percent-encoded source key with its metadata (COPY)', async () => {
    const response = await send({ method: 'PUT', path: '/ops/copy/copied', headers: { 'x-amz-copy-source': '/ops/copy/a%20b%2Bc.txt' } });
    expect(response.status, response.body).toBe(200);
    expect(response.body).toMatch(/<CopyObjectResult.*<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/s);
    const copied = await send({ method: 'GET', path: '/ops/copy/copied' });
    expect([copied.body, copied.headers['x-amz-meta-from'], copied.headers['content-type']]).toEqual(['source', 'source', 'text/plain']);
  });

  it('replaces metadata with REPLACE, and refuses a copy onto itself without it', async () => {
    const response = await send({
      method: 'PUT',
      path: '/ops/copy/replaced',
      headers: { 'x-amz-copy-source': 'ops/copy/a%20b%2Bc.txt', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-new': 'yes', 'content-type': 'a/b' },
    });
    expect(response.status, response.body).toBe(200);
    const head = await send({ method: 'HEAD', path: '/ops/copy/replaced' });
    expect([head.headers['x-amz-meta-new'], head.headers['x-amz-meta-from'], head.headers['content-type']]).toEqual(['yes', undefined, 'a/b']);
    const self = await send({ method: 'PUT', path: '/ops/copy/replaced', headers: { 'x-amz-copy-source': '/ops/copy/replaced' } });
    expect([self.status, code(self)]).toEqual([400, 'InvalidRequest']);
  });

  it('checks x-amz-copy-source-if-* conditions (412 PreconditionFailed)', async () => {
    const etag = String((await send({ method: 'HEAD', path: '/ops/copy/copied' })).headers['etag']);
    const source = { 'x-amz-copy-source': '/ops/copy/copied' };
    expect((await send({ method: 'PUT', path: '/ops/copy/c2', headers: { ...source, 'x-amz-copy-source-if-match': etag } })).status).toBe(200);
    const conditions: Record<string, string>[] = [{ 'x-amz-copy-source-if-match': '"nope"' }, { 'x-amz-copy-source-if-none-match': etag }, { 'x-amz-copy-source-if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' }];
    for (const condition of conditions) {
      const response = await send({ method: 'PUT', path: '/ops/copy/c3', headers: { ...source, ...condition } });
      expect([response.status, code(response)]).toEqual([412, 'PreconditionFailed']);
    }
    expect(code(await send({ method: 'GET', path: '/ops/copy/c3' }))).toBe('NoSuchKey');
  });

  it('a missing source is NoSuchKey', async () => {
    const response = await send({ method: 'PUT', path: '/ops/copy/c4', headers: { 'x-amz-copy-source': '/ops/copy/none' } });
    expect([response.status, code(response)]).toEqual([404, 'NoSuchKey']);
  });
});

describe('DeleteObjects', { timeout: 60_000 }, () => {
  it('deletes the keys listed, reports each (missing ones too), and only errors when Quiet', async () => {
    await put('/ops-del/a', 'a');
    await put('/ops-del/b&c', 'b');
    const body = '<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Object><Key>b&amp;c</Key></Object><Object><Key>missing</Key></Object></Delete>';
    const response = await send({ method: 'POST', path: '/ops-del?delete', body });
    expect(response.status, response.body).toBe(200);
    expect([...response.body.matchAll(/<Deleted><Key>([^<]*)<\/Key><\/Deleted>/g)].map((match) => match[1])).toEqual(['a', 'b&amp;c', 'missing']);
    expect(code(await send({ method: 'GET', path: '/ops-del/a' }))).toBe('NoSuchKey');
    const quiet = await send({ method: 'POST', path: '/ops-del?delete', body: '<Delete><Quiet>true</Quiet><Object><Key>x</Key></Object></Delete>' });
    expect(quiet.body).not.toContain('<Deleted>');
  });

  it('refuses malformed XML and entity definitions (no XXE, no expansion)', async () => {
    const bodies = [
      '<Delete><Object><Key>a</Key></Object>',
      '<Delete></Delete>',
      '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>',
      '<Delete><Object><Key>&unknown;</Key></Object></Delete>',
      `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`,
    ];
    for (const body of bodies) {
      const response = await send({ method: 'POST', path: '/ops-del?delete', body });
      expect([response.status, code(response)]).toEqual([400, 'MalformedXML']);
    }
  });
});

describe('buckets', { timeout: 60_000 }, () => {
  it('creates a bucket, creates it again (as us-east-1 does for its owner), locates, lists and deletes it', async () => {
    expect((await send({ method: 'PUT', path: '/ops-bucket' })).status).toBe(200);
    expect((await send({ method: 'PUT', path: '/ops-bucket' })).status).toBe(200);
    expect((await send({ method: 'HEAD', path: '/ops-bucket' })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/ops-bucket?location' })).body).toMatch(/<LocationConstraint xmlns="[^"]+"\/>/);
    expect((await send({ method: 'GET', path: '/' })).body).toContain('<Name>ops-bucket</Name>');
    await put('/ops-bucket/k', 'x');
    const notEmpty = await send({ method: 'DELETE', path: '/ops-bucket' });
    expect([notEmpty.status, code(notEmpty)]).toEqual([409, 'BucketNotEmpty']);
    expect((await send({ method: 'DELETE', path: '/ops-bucket/k' })).status).toBe(204);
    expect((await send({ method: 'DELETE', path: '/ops-bucket' })).status).toBe(204);
    expect((await send({ method: 'HEAD', path: '/ops-bucket' })).status).toBe(404);
  });

  it('answers subresources it does not implement with NotImplemented (501) and unknown methods with 405', async () => {
    for (const [method, pathname] of [['GET', '/ops?versioning'], ['PUT', '/ops?website'], ['GET', '/ops?website'], ['PUT', '/ops/get/object.txt?acl'], ['POST', '/ops'], ['GET', '/ops?lifecycle']] as const) {
      const response = await send({ method, path: pathname, body: '' });
      expect({ pathname, status: response.status, code: code(response) }).toEqual({ pathname, status: 501, code: 'NotImplemented' });
      expect(response.body).toContain(`<RequestId>${String(response.headers['x-amz-request-id'])}</RequestId>`);
    }
    const patch = await send({ method: 'PATCH', path: '/ops/k' });
    expect([patch.status, code(patch)]).toEqual([405, 'MethodNotAllowed']);
  });
});

describe('tagging', { timeout: 60_000 }, () => {
  it('puts, gets and deletes object tags, and takes x-amz-tagging on PutObject', async () => {
    await put('/ops/tags/k', 'x', { 'x-amz-tagging': 'a=1&b=two%20words' });
    expect((await send({ method: 'GET', path: '/ops/tags/k?tagging' })).body).toContain('<Tag><Key>b</Key><Value>two words</Value></Tag>');
    const tagging = '<Tagging><TagSet><Tag><Key>env</Key><Value>test</Value></Tag></TagSet></Tagging>';
    expect((await send({ method: 'PUT', path: '/ops/tags/k?tagging', body: tagging })).status).toBe(200);
    const got = await send({ method: 'GET', path: '/ops/tags/k?tagging' });
    expect(got.body).toMatch(/<TagSet><Tag><Key>env<\/Key><Value>test<\/Value><\/Tag><\/TagSet>/);
    expect((await send({ method: 'DELETE', path: '/ops/tags/k?tagging' })).status).toBe(204);
    expect((await send({ method: 'GET', path: '/ops/tags/k?tagging' })).body).toMatch(/<TagSet\/>/);
  });

  it('takes the tags CreateMultipartUpload was given when the upload completes', async () => {
    await put('/ops/tags/mp', 'old', { 'x-amz-tagging': 'old=1' });
    const created = await send({ method: 'POST', path: '/ops/tags/mp?uploads', headers: { 'x-amz-tagging': 'stage=final' } });
    const uploadId = /<UploadId>([0-9a-f]+)<\/UploadId>/.exec(created.body)?.[1] ?? '';
    const etag = String((await send({ method: 'PUT', path: `/ops/tags/mp?partNumber=1&uploadId=${uploadId}`, body: 'new' })).headers['etag']);
    const completed = await send({
      method: 'POST',
      path: `/ops/tags/mp?uploadId=${uploadId}`,
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(completed.status, completed.body).toBe(200);
    const tags = (await send({ method: 'GET', path: '/ops/tags/mp?tagging' })).body;
    expect([tags.includes('<Key>stage</Key><Value>final</Value>'), tags.includes('<Key>old</Key>')]).toEqual([true, false]);
  });

  it('refuses duplicate keys and tags of a missing object', async () => {
    const twice = '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>';
    expect(code(await send({ method: 'PUT', path: '/ops/tags/k?tagging', body: twice }))).toBe('InvalidTag');
    expect(code(await send({ method: 'GET', path: '/ops/tags/none?tagging' }))).toBe('NoSuchKey');
  });

  it('keeps bucket tags', async () => {
    await put('/ops-tagged/k', 'x');
    expect(code(await send({ method: 'GET', path: '/ops-tagged?tagging' }))).toBe('NoSuchTagSet');
    const tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>ml</Value></Tag></TagSet></Tagging>';
    expect((await send({ method: 'PUT', path: '/ops-tagged?tagging', body: tagging })).status).toBe(204);
    expect((await send({ method: 'GET', path: '/ops-tagged?tagging' })).body).toContain('<Key>team</Key>');
  });
});

describe('CORS', { timeout: 60_000 }, () => {
  const cors = `<CORSConfiguration><CORSRule><AllowedOrigin>http://console.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

  it('refuses a preflight while the bucket has no CORS configuration', async () => {
    await put('/ops-cors/k', 'x');
    const response = await send({ method: 'OPTIONS', path: '/ops-cors/k', headers: { origin: 'http://console.example', 'access-control-request-method': 'GET' } });
    expect([response.status, code(response)]).toEqual([403, 'CORSResponse']);
    expect(code(await send({ method: 'GET', path: '/ops-cors?cors' }))).toBe('NoSuchCORSConfiguration');
  });

  it('stores the configuration, answers preflights and adds CORS headers to allowed requests', async () => {
    expect((await send({ method: 'PUT', path: '/ops-cors?cors', body: cors })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/ops-cors?cors' })).body).toContain('<AllowedOrigin>http://console.example</AllowedOrigin>');
    const preflight = await send({
      method: 'OPTIONS',
      path: '/ops-cors/k',
      headers: { origin: 'http://console.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'X-Amz-Date, x-amz-content-sha256' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'http://console.example',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'x-amz-date, x-amz-content-sha256',
      'access-control-max-age': '300',
    });
    const denied = await send({ method: 'OPTIONS', path: '/ops-cors/k', headers: { origin: 'http://other.example', 'access-control-request-method': 'GET' } });
    expect([denied.status, code(denied)]).toEqual([403, 'CORSResponse']);
    const get = await send({ method: 'GET', path: '/ops-cors/k', headers: { origin: 'http://console.example' } });
    expect(get.headers).toMatchObject({ 'access-control-allow-origin': 'http://console.example', 'access-control-expose-headers': 'ETag' });
    expect((await send({ method: 'GET', path: '/ops-cors/k' })).headers['access-control-allow-origin']).toBeUndefined();
    expect((await send({ method: 'DELETE', path: '/ops-cors?cors' })).status).toBe(204);
  });

  it('refuses a configuration with a method S3 does not allow', async () => {
    const bad = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>';
    expect(code(await send({ method: 'PUT', path: '/ops-cors?cors', body: bad }))).toBe('InvalidRequest');
  });
});

describe('configurations a home written by s3rver holds', { timeout: 60_000 }, () => {
  it('reads its tagging and CORS files (indented, as s3rver wrote them)', async () => {
    await put('/ops-old/k', 'x');
    const bucketDir = path.join(root, 's3', 'ops-old');
    await writeFile(path.join(bucketDir, 'k._S3rver_tagging.xml'), '<Tagging>\n  <TagSet>\n    <Tag>\n      <Key>a</Key>\n      <Value>1</Value>\n    </Tag>\n  </TagSet>\n</Tagging>');
    await writeFile(
      path.join(bucketDir, '._S3rver_cors.xml'),
      '<CORSConfiguration>\n  <CORSRule>\n    <AllowedOrigin>*</AllowedOrigin>\n    <AllowedMethod>GET</AllowedMethod>\n  </CORSRule>\n</CORSConfiguration>',
    );
    expect((await send({ method: 'GET', path: '/ops-old/k?tagging' })).body).toContain('<Tag><Key>a</Key><Value>1</Value></Tag>');
    const preflight = await send({ method: 'OPTIONS', path: '/ops-old/k', headers: { origin: 'http://x.example', 'access-control-request-method': 'GET' } });
    expect([preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([200, '*']);
  });
});
