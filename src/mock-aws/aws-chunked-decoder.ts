// Decodes S3's `aws-chunked` request bodies (SigV4 streaming and checksum trailers), which recent
// SDKs (boto3 >= 1.36, AWS SDK v3) send for streamed uploads; the framing is never stored.
import { Transform, type TransformCallback } from 'node:stream';
import { assertNever } from '../errors.js';

const CRLF = Buffer.from('\r\n');

/** Whether a request's body is aws-chunked framed. */
export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((part) => part.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/**
 * Rewrites the headers of an aws-chunked request as if its payload had been sent plainly:
 * the decoded length, and no `aws-chunked` content encoding (which would otherwise be stored and served).
 */
export function unchunkHeaders(headers: Record<string, string | string[] | undefined>): void {
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength;
  else delete headers['content-length'];
  delete headers['x-amz-decoded-content-length'];
  delete headers['x-amz-trailer'];
  const encoding = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part && part !== 'aws-chunked')
    .join(', ');
  if (encoding) headers['content-encoding'] = encoding;
  else delete headers['content-encoding'];
}

/** A body that is not valid aws-chunked framing: the client's fault (S3 answers 400). */
export class AwsChunkedError extends Error {
  override readonly name = 'AwsChunkedError';
}

type State = { kind: 'header' } | { kind: 'data'; remaining: number } | { kind: 'data-end' } | { kind: 'trailer' } | { kind: 'done' };

/** `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n ... 0[;...]\r\n[trailer lines\r\n]\r\n` -> bytes. */
export class AwsChunkedDecoder extends Transform {
  private state: State = { kind: 'header' };
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state.kind === 'done' || (this.state.kind === 'trailer' && this.pending.length === 0)) callback();
    else callback(new AwsChunkedError(`aws-chunked body ended early (in ${this.state.kind})`));
  }

  private consume(input: Buffer): void {
    let buffer = input;
    for (;;) {
      const state = this.state;
      switch (state.kind) {
        case 'header': {
          const end = buffer.indexOf(CRLF);
          if (end === -1) return this.keep(buffer, 4096, 'chunk header');
          const hex = buffer.subarray(0, end).toString('latin1').split(';')[0] ?? '';
          if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) throw new AwsChunkedError('malformed aws-chunked chunk header');
          const size = Number.parseInt(hex, 16);
          buffer = buffer.subarray(end + 2);
          this.state = size === 0 ? { kind: 'trailer' } : { kind: 'data', remaining: size };
          break;
        }
        case 'data': {
          if (buffer.length === 0) return this.keep(buffer);
          const take = Math.min(state.remaining, buffer.length);
          this.push(buffer.subarray(0, take));
          buffer = buffer.subarray(take);
          this.state = take === state.remaining ? { kind: 'data-end' } : { kind: 'data', remaining: state.remaining - take };
          break;
        }
        case 'data-end': {
          if (buffer.length < 2) return this.keep(buffer);
          if (!buffer.subarray(0, 2).equals(CRLF)) throw new AwsChunkedError('malformed aws-chunked body: missing CRLF after chunk');
          buffer = buffer.subarray(2);
          this.state = { kind: 'header' };
          break;
        }
        case 'trailer': {
          // Trailer lines (x-amz-checksum-*: ...) until an empty line; their values are not checked.
          const end = buffer.indexOf(CRLF);
          if (end === -1) return this.keep(buffer, 4096, 'trailer');
          buffer = buffer.subarray(end + 2);
          if (end === 0) this.state = { kind: 'done' };
          break;
        }
        case 'done':
          return this.keep(Buffer.alloc(0));
        default:
          return assertNever(state, 'aws-chunked state');
      }
    }
  }

  private keep(buffer: Buffer, limit = Infinity, what = ''): void {
    if (buffer.length > limit) throw new AwsChunkedError(`malformed aws-chunked body: ${what} too long`);
    this.pending = Buffer.from(buffer);
  }
}
