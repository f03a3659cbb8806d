// `sagesim serve` (the real command, in a child process) given malformed requests: each gets an
// AWS-shaped 4xx (S3: XML <Error><Code>; SageMaker: JSON with __type), never a 500, a reset or
// the end of the process, and the server keeps answering afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';
import { type CliProcess, ensureBuilt, startCli } from './support/real-cli.js';
import { httpRequest, rawExchange } from './support/raw-http.js';

let home: string;
let serve: CliProcess;
let port: number;

beforeAll(async () => {
  ensureBuilt();
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-serve-malformed-'));
  serve = startCli(['serve', '--port', '0', '--home', home, '--stub-all', '--quiet'], { cwd: home });
  port = Number((await serve.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/, 30_000))[1]);
}, 60_000);

afterAll(async () => {
  serve?.child.kill('SIGINT');
  await serve?.exited;
  await rm(home, { recursive: true, force: true });
});

const SAGEMAKER = { 'content-type': 'application/x-amz-json-1.1' };

async function stillServing(): Promise<void> {
  const listed = await httpRequest(port, { method: 'POST', path: '/', headers: { ...SAGEMAKER, 'x-amz-target': 'SageMaker.ListPipelines' }, body: '{}' });
  expect(listed.status).toBe(200);
  const bucket = await httpRequest(port, { method: 'PUT', path: '/alive-bucket/k', body: 'v' });
  expect(bucket.status).toBe(200);
}

describe('sagesim serve given malformed S3 requests', { timeout: 60_000 }, () => {
  const CHUNKED = { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-encoding': 'aws-chunked' };
  it.each([
    ['zz', 'a body that is not chunked at all'],
    ['5\r\nhel', 'a body that ends inside a chunk'],
    ['5\r\nhelloXX0\r\n\r\n', 'a chunk without its CRLF'],
    ['1g;chunk-signature=x\r\nh\r\n0\r\n\r\n', 'a size that is not hex'],
    [`${'f'.repeat(5000)}\r\n`, 'a chunk header too long'],
  ])('aws-chunked %j (%s) gets 400 IncompleteBody and serve stays up', async (body) => {
    const res = await httpRequest(port, { method: 'PUT', path: '/chunky-bucket/k', headers: CHUNKED, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/<Error>\s*<Code>IncompleteBody<\/Code>/);
    await stillServing();
  });

  it('a malformed aws-chunked UploadPart gets 400 too', async () => {
    const created = await httpRequest(port, { method: 'POST', path: '/chunky-bucket/mp?uploads' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)?.[1] ?? '';
    const res = await httpRequest(port, { method: 'PUT', path: `/chunky-bucket/mp?partNumber=1&uploadId=${uploadId}`, headers: CHUNKED, body: 'zz' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>IncompleteBody</Code>');
    await stillServing();
  });

  it('a body declared over 5 GiB gets EntityTooLarge before it is read', async () => {
    const answer = await rawExchange(port, 'PUT /big-bucket/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6000000000\r\n\r\nabc', false);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('<Code>EntityTooLarge</Code>');
    await stillServing();
  });
});

describe('sagesim serve given malformed SageMaker API requests', { timeout: 60_000 }, () => {
  const post = (body: string | Buffer, target = 'SageMaker.CreatePipeline') =>
    httpRequest(port, { method: 'POST', path: '/', headers: { ...SAGEMAKER, 'x-amz-target': target }, body });

  it.each([
    ['null', 'CreatePipeline', 'ValidationException'],
    ['null', 'ListPipelines', undefined],
    ['[]', 'ListPipelines', 'SerializationException'],
    ['"text"', 'ListPipelines', 'SerializationException'],
    ['42', 'ListPipelines', 'SerializationException'],
    ['{"PipelineName": null}', 'DescribePipeline', 'ValidationException'],
    ['{"PipelineName": {"a": 1}}', 'DescribePipeline', 'SerializationException'],
  ])('body %s to %s answers %s', async (body, operation, type) => {
    const res = await post(body, `SageMaker.${operation}`);
    if (type === undefined) return expect(res.status).toBe(200);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ __type: type });
  });

  it('a 100,000-deep JSON body gets 400, not 500', async () => {
    const res = await post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).__type).toMatch(/Exception$/);
    const nested = await post(`{"PipelineName": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, 'SageMaker.DescribePipeline');
    expect(nested.status).toBe(400);
    await stillServing();
  });

  it('a body over 8 MB gets an answer (413, __type), not a reset', async () => {
    const res = await post(Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ __type: 'ValidationException' });
    expect(JSON.parse(res.body).message).toContain('8388608');
    await stillServing();
  });

  it('StartPipelineExecution of a definition without Parameters answers 400 for an unknown parameter', async () => {
    const token = 't'.repeat(32);
    const created = await post(
      JSON.stringify({ PipelineName: 'no-params', PipelineDefinition: '{"Version": "2020-12-01", "Steps": []}', RoleArn: 'arn:aws:iam::111122223333:role/r', ClientRequestToken: `${token}1` }),
    );
    expect(created.status).toBe(200);
    const started = await post(JSON.stringify({ PipelineName: 'no-params', ClientRequestToken: `${token}2`, PipelineParameters: [{ Name: 'x', Value: 'y' }] }), 'SageMaker.StartPipelineExecution');
    expect(started.status).toBe(400);
    expect(JSON.parse(started.body)).toMatchObject({ __type: 'ValidationException' });
  });

  it('a request cut short mid-body does not take serve down', async () => {
    await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: SageMaker.ListPipelines\r\nContent-Length: 100\r\n\r\n{"Max');
    await stillServing();
  });
});

describe('the embedded S3 of a run given a malformed aws-chunked body', { timeout: 60_000 }, () => {
  // A step container reaches this same emulator, in the `sagesim run` process: a crash here ended
  // the whole run and left its containers behind.
  it('answers 400 and keeps serving, in this process', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sagesim-run-s3-'));
    await using s3 = await startEmbeddedS3({ dataDir: path.join(dir, 's3') });
    try {
      const s3Port = Number(new URL(s3.endpoint).port);
      const res = await httpRequest(s3Port, {
        method: 'PUT',
        path: '/run-bucket/k',
        headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-encoding': 'aws-chunked' },
        body: 'zz',
      });
      expect(res.status).toBe(400);
      expect(res.body).toContain('<Code>IncompleteBody</Code>');
      expect((await httpRequest(s3Port, { method: 'PUT', path: '/run-bucket/k', body: 'fine' })).status).toBe(200);
      expect((await httpRequest(s3Port, { method: 'GET', path: '/run-bucket/k' })).body).toBe('fine');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
