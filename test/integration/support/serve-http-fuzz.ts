// Malformed HTTP for `sagesim serve`, from a seed: random methods, paths (hostile bucket and key
// names), query strings, headers, bodies (JSON, XML, aws-chunked framing, bytes) and framings
// (exact, chunked, truncated, not HTTP at all), each sent on its own connection. Every answer is
// classified: S3 errors must be XML `<Error><Code>`, SageMaker errors JSON with `__type`, and no
// client input may get a 500. Used by test/integration/serve-fuzz.test.ts and bench/fuzz.
import fc from 'fast-check';
import { rawExchange } from './raw-http.js';

export interface FuzzRequest {
  readonly api: 's3' | 'sagemaker';
  readonly method: string;
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly framing: 'exact' | 'chunked' | 'truncated' | 'garbage';
}

const METHODS = ['GET', 'GET', 'PUT', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'COPY', 'get'];
const GOOD_BUCKETS = ['fuzz-bucket', 'other-fuzz'];
const GOOD_SEGMENTS = ['k', 'data', 'a%20b', 'x.csv', 'part-0001', 'ünï', '%2e%2e', '..', '.', ''];
const BUCKETS = ['', '..', '%2e%2e', '..%2f..%2ftmp', 'UPPER', 'ab', 'a..b', '192.168.1.1', 'x'.repeat(70), '%ff', '%zz', 'fuzz-bucket.localhost'];
const SEGMENTS = ['k', 'data', '..', '.', '', '%2e%2e', '%2f', '..%2f..%2f..%2fetc%2fpasswd', '%00', '%ff%fe', '%', '%zz', 'ünï', '._S3rver_object', '._S3rver_uploads', 'x'.repeat(300), 'y'.repeat(1100), 'a b', '?', '#', ';'];
const QUERY_NAMES = [
  'uploads', 'uploadId', 'partNumber', 'list-type', 'max-keys', 'continuation-token', 'prefix', 'delimiter', 'tagging', 'delete', 'acl',
  'cors', 'website', 'location', 'marker', 'start-after', 'encoding-type', 'x-id', 'versionId', 'key-marker', 'upload-id-marker', 'max-uploads',
  'part-number-marker', 'max-parts', 'response-content-type', 'X-Amz-Credential', 'AWSAccessKeyId', 'policy', 'versioning',
];
const QUERY_VALUES = ['', '1', '2', '0', '-1', '10001', '1.5', 'abc', '..%2f..%2fx', '99999999999999999999', '%zz', '00000000000000000000000000000000', 'url', '/', 'c2FnZXNpbTp4', '%00'];
const TARGETS = ['SageMaker.ListPipelines', 'SageMaker.CreatePipeline', 'SageMaker.DescribePipeline', 'SageMaker.StartPipelineExecution', 'SageMaker.DescribePipelineExecution', 'SageMaker.ListPipelineExecutionSteps', 'SageMaker.SendPipelineExecutionStepSuccess', 'SageMaker.UpdateModelPackage', 'SageMaker.AddTags', 'SageMaker.Nope', 'SageMaker.', 'Other.Thing', '', 'SageMaker.__proto__', 'SageMaker.constructor', 'SageMaker.toString'];
const JSON_BODIES = [
  '{}', 'null', '[]', '"s"', '1', 'true', '{', '{"PipelineName":', '{"PipelineName": "p"}', '{"PipelineName": null}', '{"PipelineName": {"a": 1}}', '{"PipelineName": []}',
  '{"PipelineName": "p", "PipelineDefinition": "{}", "RoleArn": "arn:aws:iam::111122223333:role/r"}',
  '{"PipelineName": "p", "PipelineDefinition": "not json", "RoleArn": "r"}', '{"PipelineName": "p", "PipelineDefinition": 5}',
  '{"PipelineExecutionArn": "arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/x"}', '{"CallbackToken": "x", "OutputParameters": [null]}',
  '{"MaxResults": -1}', '{"MaxResults": 1e308}', '{"NextToken": "%%%"}', '{"__proto__": {"polluted": 1}}', '{"constructor": {"prototype": {"x": 1}}}',
  '{"ModelPackageArn": "x", "ModelApprovalStatus": "Approved"}', '{"ResourceArn": "x", "Tags": [{"Key": null}]}', '{"PipelineParameters": "x"}',
];
const XML_BODIES = [
  '<Delete><Object><Key>k</Key></Object></Delete>', '<Delete><Object><Key>../../x</Key></Object>', '<Delete></Delete>', '<Delete><Object></Object></Delete>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
  '<CompleteMultipartUpload><Part><PartNumber>../x</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>', '<CompleteMultipartUpload/>',
  '<CORSConfiguration><CORSRule></CORSRule></CORSConfiguration>', '<CORSConfiguration>', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>', '<Tagging>',
  '<WebsiteConfiguration><IndexDocument><Suffix></Suffix></IndexDocument></WebsiteConfiguration>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>',
  '<a>'.repeat(5000),
];
const CHUNKED_BODIES = ['zz', '5\r\nhello\r\n0\r\n\r\n', '5;chunk-signature=a\r\nhel', '5\r\nhelloXX', 'g\r\n', `${'f'.repeat(5000)}\r\n`, '0\r\n\r\n', '3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n', 'ffffffff\r\nabc'];

const HEADER_CHOICES: readonly fc.Arbitrary<readonly [string, string]>[] = [
  fc.constantFrom<[string, string]>(['content-type', 'application/xml'], ['content-type', 'application/json'], ['content-type', 'multipart/form-data; boundary=x'], ['content-type', 'text/plain']),
  fc.constantFrom<[string, string]>(['content-encoding', 'aws-chunked'], ['content-encoding', 'gzip'], ['content-encoding', 'aws-chunked,gzip']),
  fc.constantFrom<[string, string]>(['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'], ['x-amz-content-sha256', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'], ['x-amz-content-sha256', 'zz']),
  fc.constantFrom<[string, string]>(['x-amz-decoded-content-length', '5'], ['x-amz-decoded-content-length', '-1'], ['x-amz-decoded-content-length', '99999999999999']),
  fc.constantFrom<[string, string]>(['x-amz-copy-source', '/fuzz-bucket/k'], ['x-amz-copy-source', '/..%2f..%2fetc/passwd'], ['x-amz-copy-source', '%zz'], ['x-amz-copy-source', 'fuzz-bucket'], ['x-amz-copy-source', '/fuzz-bucket/../../../etc/passwd']),
  fc.constantFrom<[string, string]>(['x-amz-metadata-directive', 'REPLACE'], ['x-amz-metadata-directive', 'BOGUS']),
  fc.constantFrom<[string, string]>(['range', 'bytes=0-1'], ['range', 'bytes=5-1'], ['range', 'bytes=-5'], ['range', 'bytes=0-1,3-4'], ['range', 'garbage'], ['range', 'bytes=99999999999999999999-']),
  fc.constantFrom<[string, string]>(['if-modified-since', 'garbage'], ['if-none-match', '"x"'], ['if-match', '*'], ['if-unmodified-since', 'Thu, 01 Jan 1970 00:00:00 GMT']),
  fc.constantFrom<[string, string]>(['authorization', 'garbage'], ['authorization', 'AWS4-HMAC-SHA256 Credential=/,'], ['authorization', 'AWS :'], ['authorization', 'AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x']),
  fc.constantFrom<[string, string]>(['content-md5', 'garbage'], ['content-md5', '1B2M2Y8AsgTpgAmY7PhCfg==']),
  fc.constantFrom<[string, string]>(['x-amz-meta-a', 'b'], ['x-amz-tagging', 'a=b&c'], ['x-amz-acl', 'public-read'], ['x-amz-storage-class', 'GLACIER'], ['expect', '100-continue']),
  fc.constantFrom<[string, string]>(['x-amz-date', 'garbage'], ['x-amz-expires', '-1'], ['origin', 'http://evil'], ['access-control-request-method', 'PUT']),
];

function s3Path(): fc.Arbitrary<string> {
  // Mostly names that pass the first checks, so that requests reach the handlers behind them.
  const bucket = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_BUCKETS) }, { weight: 1, arbitrary: fc.constantFrom(...BUCKETS) });
  const segment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_SEGMENTS) }, { weight: 1, arbitrary: fc.constantFrom(...SEGMENTS) });
  return fc
    .tuple(bucket, fc.array(segment, { maxLength: 3 }), fc.integer({ min: 0, max: 9 }).map((n) => n === 0), fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.option(fc.constantFrom(...QUERY_VALUES))), { maxLength: 4 }))
    .map(([bucket, segments, leadingDouble, query]) => {
      const pathPart = `${leadingDouble ? '/' : ''}/${bucket}${segments.length ? `/${segments.join('/')}` : ''}`;
      const qs = query.map(([name, value]) => (value === null ? name : `${name}=${value}`)).join('&');
      return qs ? `${pathPart}?${qs}` : pathPart;
    });
}

function bodyArb(api: 's3' | 'sagemaker'): fc.Arbitrary<Buffer> {
  const text = (values: readonly string[]): fc.Arbitrary<Buffer> => fc.constantFrom(...values).map((value) => Buffer.from(value));
  return fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    text(api === 'sagemaker' ? JSON_BODIES : XML_BODIES),
    text(CHUNKED_BODIES),
    fc.constantFrom(2_000, 50_000).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    fc.constant(Buffer.from(`{"PipelineName": "${'x'.repeat(300_000)}"}`)),
  );
}

export function fuzzRequest(): fc.Arbitrary<FuzzRequest> {
  const s3 = fc.record({
    api: fc.constant('s3' as const),
    method: fc.constantFrom(...METHODS),
    path: s3Path(),
    headers: fc.array(fc.oneof(...HEADER_CHOICES), { maxLength: 3 }),
    body: bodyArb('s3'),
    framing: fc.constantFrom('exact', 'exact', 'exact', 'exact', 'exact', 'chunked', 'truncated', 'garbage') as fc.Arbitrary<FuzzRequest['framing']>,
  });
  const sagemaker = fc.record({
    api: fc.constant('sagemaker' as const),
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
    path: fc.constantFrom('/', '/', '/x', '//', '/?a=b'),
    headers: fc
      .tuple(fc.constantFrom(...TARGETS), fc.constantFrom('application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json'), fc.array(fc.oneof(...HEADER_CHOICES), { maxLength: 2 }))
      .map(([target, type, extra]): (readonly [string, string])[] => [['x-amz-target', target], ['content-type', type], ...extra.filter(([name]) => name !== 'content-type')]),
    body: bodyArb('sagemaker'),
    framing: fc.constantFrom('exact', 'exact', 'exact', 'chunked', 'truncated') as fc.Arbitrary<FuzzRequest['framing']>,
  });
  return fc.oneof({ weight: 3, arbitrary: s3 }, { weight: 2, arbitrary: sagemaker });
}

/** The bytes sent for a request. */
export function encodeRequest(request: FuzzRequest): Buffer {
  if (request.framing === 'garbage') return Buffer.concat([Buffer.from(`${request.method} ${request.path} HTTP/9.9\r\nHo st: \u0000\r\n\r\n`), request.body]);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...request.headers.map(([name, value]) => `${name}: ${value}`)];
  if (request.framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    const chunk = request.body.length ? Buffer.concat([Buffer.from(`${request.body.length.toString(16)}\r\n`), request.body, Buffer.from('\r\n')]) : Buffer.alloc(0);
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), chunk, Buffer.from('0\r\n\r\n')]);
  }
  const declared = request.framing === 'truncated' ? request.body.length + 10 : request.body.length;
  lines.push(`Content-Length: ${declared}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), request.body]);
}

export interface FuzzOutcome {
  readonly status: number | undefined;
  /** Why the answer breaks the contract, or undefined when it keeps it. */
  readonly problem: string | undefined;
}

/** Sends one request and checks the answer against the contract. */
export async function probe(port: number, request: FuzzRequest): Promise<FuzzOutcome> {
  // Only a truncated request half-closes its side: node's server gives up on a request whose
  // client ended before its answer, so any other request keeps the connection open until answered.
  const answer = await rawExchange(port, encodeRequest(request), request.framing === 'truncated');
  if (answer === undefined) {
    // Closing without a word is fair only to a client that did not finish its request.
    return { status: undefined, problem: request.framing === 'truncated' ? undefined : 'connection closed without an answer' };
  }
  // An interim `100 Continue` (for `Expect: 100-continue`) comes before the answer.
  const final = answer.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
  if (final === '') return { status: undefined, problem: request.framing === 'truncated' ? undefined : 'only an interim answer' };
  const head = /^HTTP\/1\.1 (\d{3})/.exec(final);
  if (!head) return { status: undefined, problem: `not an HTTP answer: ${JSON.stringify(final.slice(0, 80))}` };
  const status = Number(head[1]);
  const split = final.indexOf('\r\n\r\n');
  const headers = final.slice(0, split).toLowerCase();
  const body = final.slice(split + 4);
  if (status === 500 || status === 502 || status === 503) return { status, problem: `${status} for client input: ${body.slice(0, 200)}` };
  if (status < 400 || request.method === 'HEAD' || (status === 501 && /<Code>NotImplemented<\/Code>/.test(body))) return { status, problem: undefined };
  const sagemaker = request.headers.some(([name]) => name === 'x-amz-target') || headers.includes('application/x-amz-json');
  if (sagemaker && /application\/x-amz-json/.test(headers)) {
    const json = /"__type":"[A-Za-z]+"/.test(body);
    return { status, problem: json ? undefined : `SageMaker error without __type: ${body.slice(0, 200)}` };
  }
  if (/<Error>\s*<Code>[A-Za-z]+<\/Code>/.test(body) || /<Error><Code>/.test(body)) return { status, problem: undefined };
  return { status, problem: `not AWS-shaped: ${status} ${JSON.stringify(body.slice(0, 200))}` };
}

export interface FuzzReport {
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly problems: readonly { readonly request: FuzzRequest; readonly problem: string }[];
  readonly ms: number;
}

/** `count` requests from `seed`, `concurrency` at a time. */
export async function fuzzServe(port: number, options: { readonly seed: number; readonly count: number; readonly concurrency?: number }): Promise<FuzzReport> {
  const requests = fc.sample(fuzzRequest(), { seed: options.seed, numRuns: options.count });
  const statuses: Record<string, number> = {};
  const problems: { request: FuzzRequest; problem: string }[] = [];
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest;
      const outcome = await probe(port, request);
      const label = outcome.status === undefined ? 'closed' : String(outcome.status);
      statuses[label] = (statuses[label] ?? 0) + 1;
      if (outcome.problem) problems.push({ request, problem: outcome.problem });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { requests: requests.length, statuses, problems, ms: Date.now() - started };
}
