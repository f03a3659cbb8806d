// S3's errors as the embedded S3 answers them (`<Error><Code>...`, the status S3 gives the code).
// Any failure that is not one of these is answered by toS3Error: a full disk names itself.
import type { ServerResponse } from 'node:http';

export type S3ErrorDetail = Readonly<Record<string, string>>;

/** The HTTP status S3 answers each error code sagesim raises with. */
const STATUS: Readonly<Record<string, number>> = {
  BadDigest: 400,
  BadRequest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  CORSResponse: 403,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InsufficientStorage: 507,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidTag: 400,
  InvalidStorageClass: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  MethodNotAllowed: 405,
  NoSuchBucket: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchKey: 404,
  NoSuchTagSet: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
};

/** An S3 error answer: `code` is S3's (NoSuchKey, InvalidArgument...), `detail` extra XML members. */
export class EmbeddedS3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: string,
    message: string,
    readonly detail: S3ErrorDetail = {},
  ) {
    super(message);
    this.name = 'EmbeddedS3Error';
    this.status = STATUS[code] ?? 500;
  }

  /** The body S3 sends: `<Error><Code/><Message/>`, the detail members, then the request id, XML-escaped. */
  toXML(requestId?: string): string {
    const members = [['Code', this.code], ['Message', this.message], ...Object.entries(this.detail), ...(requestId ? [['RequestId', requestId]] : [])]
      .map(([name, value]) => `<${name}>${escapeXml(value ?? '')}</${name}>`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${members}</Error>`;
  }
}

export function s3Error(code: string, message: string, detail?: S3ErrorDetail): EmbeddedS3Error {
  return new EmbeddedS3Error(code, message, detail);
}

export function noSuchBucket(bucket: string): EmbeddedS3Error {
  return s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

export function noSuchKey(key: string): EmbeddedS3Error {
  return s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
}

export function notImplemented(what: string): EmbeddedS3Error {
  return s3Error('NotImplemented', `A ${what} you provided implies functionality that is not implemented`);
}

/**
 * The answer to any failure: S3's own errors as they are; a write that found the disk (or the
 * user's quota) full is `InsufficientStorage` (507, an HTTP status S3 never sends, chosen so the
 * cause is not hidden behind InternalError) naming the store's folder; anything else is
 * `InternalError` with the failure's message, which is sagesim's own, never the client's fault.
 */
export function toS3Error(error: unknown, storePath: string): EmbeddedS3Error {
  if (error instanceof EmbeddedS3Error) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const what = code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded';
    return s3Error('InsufficientStorage', `${what} at ${storePath} (${code}): free some space, then retry`, { StorePath: storePath });
  }
  const message = error instanceof Error ? error.message : String(error);
  return s3Error('InternalError', `We encountered an internal error: ${message}`);
}

export function noSuchUpload(uploadId: string): EmbeddedS3Error {
  return s3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: uploadId,
  });
}

/**
 * Answers `error` on `res` unless headers were already sent (then the connection is cut, as a
 * half-sent object must not look complete). Headers set for the failed answer are dropped but
 * the CORS and `x-amz-*` ones, as S3 keeps them.
 */
export function writeS3Error(res: ServerResponse, error: EmbeddedS3Error): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (!/^access-control-|^vary$|^x-amz-/i.test(name)) res.removeHeader(name);
  }
  const requestId = res.getHeader('x-amz-request-id');
  const body = error.toXML(typeof requestId === 'string' ? requestId : undefined);
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => XML_ENTITIES[ch] ?? ch);
}
