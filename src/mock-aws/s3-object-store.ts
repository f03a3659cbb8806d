// ObjectStore over @aws-sdk/client-s3: the embedded emulator, LocalStack, any S3, or AWS itself.
// Streams both ways, multipart for large uploads, and errors that say which endpoint failed.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SagesimError } from '../errors.js';
import { uploadFileMultipart } from './multipart-file-upload.js';
import { type ObjectInfo, type ObjectStore, formatS3Uri, notFound, parseS3Uri } from '../ports/object-store.js';

/** Object stores that can read a byte range: staging splits big objects into parallel GETs. */
export interface RangedObjectStore extends ObjectStore {
  getStream(uri: string, options?: TransferOptions): Promise<Readable>;
  /** Bytes `start` to `end`, both inclusive. */
  getRangeStream(uri: string, start: number, end: number, options?: TransferOptions): Promise<Readable>;
  /** The object's size and date, or undefined when there is none. */
  head(uri: string, options?: TransferOptions): Promise<ObjectInfo | undefined>;
}

export interface TransferOptions {
  /** Aborts the transfer (SIGINT, StopPipelineExecution). */
  readonly signal?: AbortSignal;
}

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  /** Where the client points, for messages, e.g. `http://127.0.0.1:4569`. */
  readonly endpoint: string;
  /** For messages, e.g. `embedded S3 at http://127.0.0.1:4569`. @default `S3 at <endpoint>` */
  readonly description?: string;
  /**
   * Create a missing bucket when a write finds none, then retry. For the embedded emulator and
   * custom endpoints (LocalStack): never against AWS. @default false
   */
  readonly createBuckets?: boolean;
  /** Multipart part size for large uploads. @default 16 MiB */
  readonly partSize?: number;
  /** Parts of one upload in flight at once. @default 4 */
  readonly queueSize?: number;
  /** Stops what was started for this store (the embedded emulator); run when it is disposed. */
  readonly release?: () => Promise<void>;
}

const MIB = 1024 * 1024;

export class S3ObjectStore implements RangedObjectStore, AsyncDisposable {
  readonly description: string;
  readonly endpoint: string;
  readonly client: S3Client;
  private readonly createBuckets: boolean;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly knownBuckets = new Set<string>();
  private readonly release: (() => Promise<void>) | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.endpoint = options.endpoint;
    this.description = options.description ?? `S3 at ${options.endpoint}`;
    this.createBuckets = options.createBuckets ?? false;
    this.partSize = options.partSize ?? 16 * MIB;
    this.queueSize = options.queueSize ?? 4;
    this.release = options.release;
  }

  /**
   * Small bodies go up in one PutObject; streams and anything above one part go through
   * lib-storage's Upload, which switches to multipart once a body outgrows a part.
   */
  async put(
    uri: string,
    body: Uint8Array | string | Readable,
    options: { readonly contentLength?: number } & TransferOptions = {},
  ): Promise<void> {
    const { bucket } = parseS3Uri(uri);
    if (body instanceof Readable) {
      // A stream cannot be sent twice: make sure of the bucket before, not after, a failure.
      if (this.createBuckets) await this.ensureBucket(uri, bucket);
      try {
        await this.upload(uri, body, options.contentLength, options);
      } catch (error) {
        throw this.mapError(error, 'PutObject', uri);
      }
      return;
    }
    await this.withBucket(uri, bucket, () => this.upload(uri, body, options.contentLength, options));
  }

  /**
   * Uploads a local file, streamed; above one part, as a multipart upload whose parts are read
   * from the file's byte ranges (see uploadFileMultipart). Resolves to its size.
   */
  async putFile(uri: string, file: string, options: TransferOptions = {}): Promise<number> {
    const { size } = await stat(file);
    const { bucket, key } = parseS3Uri(uri);
    // A fresh stream per attempt: a retry after CreateBucket starts again from byte 0.
    await this.withBucket(uri, bucket, async () => {
      if (size > this.partSize) {
        await uploadFileMultipart(this.client, bucket, key, file, size, { partSize: this.partSize, queueSize: this.queueSize, signal: options.signal });
        return;
      }
      const stream = createReadStream(file, { highWaterMark: MIB });
      try {
        await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: stream, ContentLength: size }), { abortSignal: options.signal });
      } finally {
        stream.destroy();
      }
    });
    return size;
  }

  async get(uri: string): Promise<Buffer> {
    const stream = await this.getStream(uri);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(uri: string, options: TransferOptions = {}): Promise<Readable> {
    return this.getObject(uri, undefined, options);
  }

  async getRangeStream(uri: string, start: number, end: number, options: TransferOptions = {}): Promise<Readable> {
    return this.getObject(uri, `bytes=${start}-${end}`, options);
  }

  async head(uri: string, options: TransferOptions = {}): Promise<ObjectInfo | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal });
      return { uri: formatS3Uri(bucket, key), key, size: out.ContentLength ?? 0, lastModified: out.LastModified, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.mapError(error, 'HeadObject', uri);
    }
  }

  async list(prefixUri: string, options: TransferOptions = {}): Promise<ObjectInfo[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), {
          abortSignal: options.signal,
        });
      } catch (error) {
        if (errorName(error) === 'NoSuchBucket') return [];
        throw this.mapError(error, 'ListObjectsV2', prefixUri);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        out.push({ uri: formatS3Uri(bucket, object.Key), key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified, ...(object.ETag ? { etag: object.ETag } : {}) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Every bucket the credentials can see, by name. */
  async listBuckets(): Promise<{ name: string; creationDate?: Date }[]> {
    try {
      const out = await this.client.send(new ListBucketsCommand({}));
      return (out.Buckets ?? [])
        .filter((bucket) => bucket.Name !== undefined)
        .map((bucket) => ({ name: bucket.Name as string, creationDate: bucket.CreationDate }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      throw this.mapError(error, 'ListBuckets', 's3://');
    }
  }

  async exists(uri: string): Promise<boolean> {
    return (await this.head(uri)) !== undefined;
  }

  async delete(uri: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') return;
      throw this.mapError(error, 'DeleteObject', uri);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.client.destroy();
    await this.release?.();
  }

  private async upload(uri: string, body: Uint8Array | string | Readable, contentLength: number | undefined, options: TransferOptions): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const params: PutObjectCommandInput = { Bucket: bucket, Key: key, Body: body, ContentLength: contentLength };
      await new Upload({ client: this.client, params, partSize: this.partSize, queueSize: this.queueSize, abortController }).done();
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async getObject(uri: string, range: string | undefined, options: TransferOptions): Promise<Readable> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }), { abortSignal: options.signal });
      const body = out.Body;
      if (body instanceof Readable) return body;
      if (body === undefined) return Readable.from([]);
      return Readable.from(Buffer.from(await body.transformToByteArray()));
    } catch (error) {
      if (isMissing(error)) throw notFound(uri);
      throw this.mapError(error, 'GetObject', uri);
    }
  }

  private async ensureBucket(uri: string, bucket: string): Promise<void> {
    if (this.knownBuckets.has(bucket)) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!isMissing(error)) throw this.mapError(error, 'HeadBucket', uri);
      await this.createBucket(uri, bucket);
    }
    this.knownBuckets.add(bucket);
  }

  private async createBucket(uri: string, bucket: string): Promise<void> {
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = errorName(error);
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw this.mapError(error, 'CreateBucket', uri);
    }
  }

  /** Runs a write; on NoSuchBucket (custom endpoints only) creates the bucket and runs it again. */
  private async withBucket(uri: string, bucket: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!this.createBuckets || errorName(error) !== 'NoSuchBucket') throw this.mapError(error, 'PutObject', uri);
      await this.createBucket(uri, bucket);
      try {
        await write();
      } catch (retryError) {
        throw this.mapError(retryError, 'PutObject', uri);
      }
    }
  }

  /**
   * Checks the endpoint answers at all, within `timeoutMs`: any HTTP answer (even AccessDenied)
   * will do. Throws `S3_TIMEOUT` naming the endpoint when it accepts and stays silent, and
   * `S3_UNREACHABLE` when nothing listens. Aborting `signal` rejects with its reason.
   */
  async probe(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onOuter = (): void => controller.abort();
    signal?.addEventListener('abort', onOuter, { once: true });
    try {
      await this.client.send(new ListBucketsCommand({}), { abortSignal: controller.signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.aborted) throw this.timedOut(`answer within ${timeoutMs} ms`, error);
      if (httpStatusOf(error) !== undefined) return;
      throw this.mapError(error, 'ListBuckets', 's3://');
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onOuter);
    }
  }

  private timedOut(what: string, cause: unknown, operation?: string): SagesimError {
    return new SagesimError('S3_TIMEOUT', `${this.description} did not ${what}${operation === undefined ? '' : ` for ${operation}`}`, {
      source: 'user',
      hint: 'is the S3 endpoint healthy (it accepts connections but sends nothing)? Point sagesim at another one with --s3-endpoint URL, or drop --s3-endpoint and AWS_ENDPOINT_URL(_S3) to use the embedded S3; "timeouts" in sagesim.config.json sets how long to wait',
      cause,
    });
  }

  private mapError(error: unknown, operation: string, uri: string): Error {
    if (error instanceof SagesimError) return error;
    if (isAbort(error)) return error as Error;
    if (errorName(error) === 'TimeoutError') {
      const detail = error instanceof Error ? error.message.replace(/^@smithy\/node-http-handler - /, '') : String(error);
      return this.timedOut(`answer (${detail})`, error, `${operation} ${uri}`);
    }
    if (isConnectionRefused(error)) {
      return new SagesimError('S3_UNREACHABLE', `cannot reach ${this.description} (connection refused) for ${operation} ${uri}`, {
        source: 'user',
        hint: `is the S3 endpoint running (LocalStack: \`localstack start\`)? Point sagesim at another one with --s3-endpoint URL, or drop --s3-endpoint and AWS_ENDPOINT_URL(_S3) to use the embedded S3`,
        cause: error,
      });
    }
    const name = errorName(error) ?? 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return new SagesimError('S3_ERROR', `${operation} ${uri} failed on ${this.description}: ${name}: ${message}`, { source: 'aws', cause: error });
  }
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket') return true;
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode === 404;
}

function isAbort(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AbortError' || name === 'StoppedError';
}

function isConnectionRefused(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (code === 'ECONNREFUSED') return true;
    if (Array.isArray(errors) && errors.some((inner) => (inner as { code?: unknown } | null)?.code === 'ECONNREFUSED')) return true;
    current = cause;
  }
  return false;
}
