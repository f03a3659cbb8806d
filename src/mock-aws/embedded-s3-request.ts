// One request to the embedded S3 as its handlers see it: the bucket and key (path-style or
// virtual-host), the query, the headers, and the body already freed of aws-chunked framing. Every
// name and number is checked here, once, before a handler runs (embedded-s3-names.ts).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { AwsChunkedDecoder, isAwsChunked, unchunkHeaders } from './aws-chunked-decoder.js';
import { noSuchUpload, s3Error } from './embedded-s3-error.js';
import { type S3Address, checkContentLength, checkPartNumber, isUploadId, parseS3Path } from './embedded-s3-names.js';
import { type XmlElement, parseXml } from './embedded-s3-xml.js';

export type Query = Readonly<Record<string, string | string[] | undefined>>;

export interface S3Request {
  readonly method: string;
  readonly address: S3Address;
  readonly query: Query;
  readonly headers: IncomingHttpHeaders;
  /** The payload: the request itself, or its aws-chunked decoding. */
  readonly body: Readable;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** Query parameters that must not be repeated (a second value would be ignored silently). */
const SINGLE_PARAMETERS = ['partNumber', 'uploadId', 'x-id', 'list-type', 'max-keys', 'continuation-token', 'prefix', 'delimiter'];
/** S3 bodies that are XML documents are small: 1000 DeleteObjects keys of 1 KiB each fit. */
const MAX_XML_BYTES = 2 * 1024 * 1024;

export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The request, checked; throws the S3 error a bad name or number gets. */
export function readS3Request(req: IncomingMessage, res: ServerResponse): S3Request {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = parseQuery(queryAt === -1 ? '' : url.slice(queryAt + 1));
  const headers = req.headers;
  checkContentLength(first(headers['content-length']));
  checkContentLength(first(headers['x-amz-decoded-content-length']));
  const address = parseS3Path(virtualHostPath(headers.host, rawPath));
  checkQuery(req.method ?? 'GET', query);
  const copySource = first(headers['x-amz-copy-source']);
  if (copySource !== undefined && req.method === 'PUT') parseCopySource(copySource);
  return { method: req.method ?? 'GET', address, query, headers, body: decodedBody(req), req, res };
}

function parseQuery(search: string): Query {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const known = query[name];
    query[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
  }
  return query;
}

/**
 * Virtual-host style as s3rver took it: `<bucket>.s3[...].amazonaws.com` and `<bucket>.localhost`
 * name the bucket; any other host that is not an IP address, `localhost` or this machine's name
 * is the bucket itself (a CNAME-style bucket such as `my.bucket.example`).
 */
function virtualHostPath(host: string | undefined, rawPath: string): string {
  const name = (host ?? '').replace(/:\d*$/, '').toLowerCase();
  if (name === '' || isIP(name.replace(/^\[|\]$/g, '')) !== 0 || name === 'localhost' || name === hostname().toLowerCase()) return rawPath;
  const aws = /^(?:(.+)\.)?s3(?:-website)?(?:[-.].+)?\.amazonaws\.com$/.exec(name);
  const bucket = aws ? aws[1] : name.endsWith('.localhost') ? name.slice(0, -'.localhost'.length) : name;
  return bucket === undefined ? rawPath : `/${bucket}${rawPath}`;
}

function checkQuery(method: string, query: Query): void {
  for (const name of SINGLE_PARAMETERS) {
    if (Array.isArray(query[name])) throw s3Error('InvalidArgument', `The query parameter ${name} is given more than once.`, { ArgumentName: name });
  }
  const partNumber = first(query['partNumber']);
  const uploadId = first(query['uploadId']);
  if (partNumber !== undefined && method === 'PUT') {
    checkPartNumber(partNumber);
    if (uploadId === undefined || !isUploadId(uploadId)) throw noSuchUpload(uploadId ?? '');
  }
}

/**
 * `x-amz-copy-source`: `[/]bucket/key[?versionId=...]`, the key percent-encoded as the SDKs send
 * it (a `?` in a key arrives as `%3F`), so the query is cut before decoding.
 */
export function parseCopySource(raw: string): S3Address {
  const withoutQuery = raw.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutQuery);
  } catch {
    throw s3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source' });
  }
  const source = parseS3Path(decoded.startsWith('/') ? encodePath(decoded) : `/${encodePath(decoded)}`);
  if (source.key === '') throw s3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  return source;
}

/** Re-encodes a decoded path so parseS3Path's own decoding gives it back unchanged. */
function encodePath(decoded: string): string {
  return decoded.replace(/%/g, '%25');
}

function decodedBody(req: IncomingMessage): Readable {
  if (!isAwsChunked(req.headers)) return req;
  const decoder = new AwsChunkedDecoder();
  // A handler that fails before reading the body must not leave the decoder's error unheard
  // (an 'error' event without a listener ends the process); readers still see it.
  decoder.on('error', () => undefined);
  req.on('error', (error) => decoder.destroy(error));
  req.pipe(decoder);
  unchunkHeaders(req.headers);
  return decoder;
}

/** The body as an XML document, refused (MaxMessageLengthExceeded) past 2 MiB. */
export async function readXmlBody(request: S3Request): Promise<XmlElement> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_XML_BYTES) throw s3Error('MaxMessageLengthExceeded', 'Your request was too big.', { MaxMessageLengthBytes: String(MAX_XML_BYTES) });
    chunks.push(chunk);
  }
  return parseXml(Buffer.concat(chunks).toString('utf8'));
}

/** A date header as S3 reads it; undefined when absent or not a date (then it is ignored). */
export function dateHeader(request: S3Request, name: string): Date | undefined {
  const raw = first(request.headers[name]);
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function header(request: S3Request, name: string): string | undefined {
  return first(request.headers[name]);
}
