// GetObject and HeadObject: conditional requests (If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since) as S3 evaluates them, a single byte range (206, or 416 when it lies past
// the end), and the response-* query overrides of presigned downloads.
import { noSuchBucket, noSuchKey, s3Error } from './embedded-s3-error.js';
import type { S3StoredObject } from './embedded-s3-object.js';
import { type S3Request, dateHeader, first, header } from './embedded-s3-request.js';
import { sendEmpty, setObjectHeaders } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';

/** The query parameters a GET may override response headers with, and the header each sets. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
  'response-content-language': 'Content-Language',
  'response-content-type': 'Content-Type',
  'response-expires': 'Expires',
};

export async function getObject(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const overrides = responseOverrides(request);
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  const whole = await store.getObject(bucket, key);
  if (!whole) throw noSuchKey(key);
  const { res } = request;
  const condition = evaluateConditions(request, whole.metadata['etag'] ?? '', whole.lastModifiedDate);
  if (condition === 'not-modified') {
    for (const name of ['etag', 'last-modified']) res.setHeader(name === 'etag' ? 'ETag' : 'Last-Modified', whole.metadata[name] ?? '');
    whole.content = null;
    return sendEmpty(res, 304);
  }
  const range = parseRange(header(request, 'range'), whole.size);
  const object = whole;
  if (range !== undefined) {
    destroyContent(object);
    object.content = store.objectBody(object, range.start, range.end);
    object.range = range;
  }
  res.setHeader('Accept-Ranges', 'bytes');
  setObjectHeaders(res, object.metadata);
  for (const [name, value] of Object.entries(overrides)) res.setHeader(name, value);
  const served = object.range ?? { start: 0, end: object.size - 1 };
  if (object.range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${served.start}-${served.end}/${object.size}`);
  }
  res.setHeader('Content-Length', Math.max(0, served.end + 1 - served.start));
  if (request.method === 'HEAD' || object.size === 0) {
    destroyContent(object);
    res.end();
    return;
  }
  await sendContent(object, res);
}

async function sendContent(object: S3StoredObject, res: S3Request['res']): Promise<void> {
  const content = object.content;
  if (content && 'sendTo' in content && typeof content.sendTo === 'function') await (content.sendTo as (r: typeof res) => Promise<void>)(res);
  else res.end(content ?? undefined);
}

function destroyContent(object: S3StoredObject): void {
  const content = object.content;
  if (content && 'destroy' in content && typeof content.destroy === 'function') (content.destroy as () => void)();
}

function responseOverrides(request: S3Request): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.query)) {
    if (!name.startsWith('response-')) continue;
    const headerName = RESPONSE_OVERRIDES[name];
    if (headerName === undefined) {
      throw s3Error('InvalidArgument', `${name} is not in the set of overridable response headers. Please refer to the S3 API documentation for a complete list of overridable response headers.`, {
        ArgumentName: name.slice(0, 100),
      });
    }
    const text = first(value) ?? '';
    // A value node cannot send as a header (a CR, LF or non-Latin-1 character) is the client's error.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(text)) throw s3Error('InvalidArgument', `${name} holds a character a header cannot carry.`, { ArgumentName: name });
    overrides[headerName] = text;
  }
  return overrides;
}

export type Condition = 'pass' | 'not-modified';

/**
 * RFC 7232 as S3 applies it: If-Match (else If-Unmodified-Since) failing is 412; If-None-Match
 * matching (else If-Modified-Since not passed) is 304. Dates compare at one-second resolution,
 * the resolution of Last-Modified.
 */
export function evaluateConditions(request: S3Request, etag: string, lastModified: Date, prefix = ''): Condition {
  const ifMatch = header(request, `${prefix}if-match`);
  const ifNoneMatch = header(request, `${prefix}if-none-match`);
  const unmodifiedSince = dateHeader(request, `${prefix}if-unmodified-since`);
  const modifiedSince = dateHeader(request, `${prefix}if-modified-since`);
  const modified = Math.floor(lastModified.getTime() / 1000) * 1000;
  const failed = (name: string): Error => s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: name });
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, etag)) throw failed(`${prefix}If-Match`);
  } else if (unmodifiedSince !== undefined && modified > unmodifiedSince.getTime()) {
    throw failed(`${prefix}If-Unmodified-Since`);
  }
  const notModified = ifNoneMatch !== undefined ? etagMatches(ifNoneMatch, etag) : modifiedSince !== undefined && modified <= modifiedSince.getTime();
  if (!notModified) return 'pass';
  // A copy source that was not modified fails the copy; a GET answers 304.
  if (prefix !== '') throw failed(ifNoneMatch !== undefined ? `${prefix}If-None-Match` : `${prefix}If-Modified-Since`);
  return 'not-modified';
}

function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return list.split(',').some((item) => {
    const tag = item.trim().replace(/^W\//, '').replace(/"/g, '');
    return tag === '*' || tag === bare;
  });
}

/**
 * One `bytes=` range: `a-b`, `a-` or `-n` (the last n bytes). A header that is not one range
 * (syntax S3 ignores, or several ranges) serves the whole object; a range starting past the end
 * is InvalidRange (416).
 */
export function parseRange(raw: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = raw === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(raw.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  if (first === '') {
    const length = Number(last);
    if (length === 0 || size === 0) throw invalidRange(raw ?? '', size);
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw invalidRange(raw ?? '', size);
  return { start, end };
}

function invalidRange(raw: string, size: number): Error {
  return s3Error('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: raw.slice(0, 100), ActualObjectSize: String(size) });
}
