// sagesim's embedded S3 emulator: s3rver on 127.0.0.1, data kept under the store's home so
// objects survive between runs, buckets created on first write. See EMBEDDED-S3-BEHAVIOUR.md.
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SagesimError } from '../errors.js';
import { AwsChunkedDecoder, AwsChunkedError, isAwsChunked, unchunkHeaders } from './aws-chunked-decoder.js';
import { EmbeddedS3Error, noSuchUpload, s3Error, writeS3Error } from './embedded-s3-error.js';
import { listBucket, listedBucket } from './embedded-s3-list.js';
import { abortUpload, listParts, uploadRequest } from './embedded-s3-multipart.js';
import { listUploads, listUploadsRequest, sweepStaleUploads } from './embedded-s3-uploads.js';
import { migrateLayout } from './embedded-s3-layout.js';
import { type S3Address, checkContentLength, checkPartNumber, isUploadId, parseS3Path } from './embedded-s3-names.js';
import { EmbeddedS3Store, ObjectFileReadable } from './embedded-s3-store.js';
import { answerClientError } from './http-client-error.js';
import { InProcessSocket } from './in-process-connection.js';

const require = createRequire(import.meta.url);

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface EmbeddedS3Options {
  /** Where objects are kept (the store's `<home>/s3`); created when missing. */
  readonly dataDir: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Only loopback: the emulator has no authentication. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** Multipart uploads older than this are removed at start and every hour after. @default 24 hours */
  readonly staleUploadAgeMs?: number;
}

/** S3's lifecycle rule AbortIncompleteMultipartUpload, as the emulator applies it by default. */
export const DEFAULT_STALE_UPLOAD_AGE_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface EmbeddedS3 extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: give it to S3 clients (path-style) and to containers. */
  readonly endpoint: string;
  /**
   * A new HTTP connection to the emulator from this process, with no socket in between (see
   * InProcessSocket): sagesim's own client stages through it at twice the speed of loopback
   * TCP. After close, the connection it returns is already reset, as a refused one would be.
   */
  connect(): Duplex;
  readonly dataDir: string;
  /** The S3 request handler, for servers that mount S3 beside other APIs on one port. */
  readonly handler: RequestHandler;
  close(): Promise<void>;
}

export interface EmbeddedS3Handler {
  readonly handler: RequestHandler;
  /** Releases the emulator's logger; the caller owns (and closes) its HTTP server. */
  close(): void;
}

/** The few members of s3rver's Koa application sagesim touches. */
interface S3rverApp {
  middleware: KoaMiddleware[];
  store: EmbeddedS3Store;
  context: { store: EmbeddedS3Store };
  logger: { close(): void; exceptions: { unhandle(): void } };
  callback(): RequestHandler;
}

interface KoaContext {
  req: IncomingMessage | AwsChunkedDecoder;
  readonly res: ServerResponse;
  body: unknown;
  status: number;
  respond?: boolean;
  readonly request: { readonly req: IncomingMessage };
  readonly method: string;
  path: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Record<string, string | string[] | undefined>;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;

const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverApp;
const S3rverConfig = require('s3rver/lib/models/config.js') as { getConfigModel(type: string): new (xml: string) => unknown };
const AWSAccount = require('s3rver/lib/models/account.js') as {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
};

/**
 * Prepares the data folder before the first request: creates it, migrates a store written with
 * the previous key layout, and removes multipart uploads older than `staleUploadAgeMs`.
 */
export async function openEmbeddedS3Data(dataDir: string, staleUploadAgeMs = DEFAULT_STALE_UPLOAD_AGE_MS, now = new Date()): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await migrateLayout(dataDir);
  await sweepStaleUploads(new EmbeddedS3Store(dataDir), new Date(now.getTime() - staleUploadAgeMs));
}

/** Builds the S3 request handler over a data folder prepared by openEmbeddedS3Data. */
export function createEmbeddedS3Handler(dataDir: string, staleUploadAgeMs = DEFAULT_STALE_UPLOAD_AGE_MS): EmbeddedS3Handler {
  const app = new S3rver({ directory: dataDir, silent: true, allowMismatchedSignatures: true });
  // Tagging, CORS and website configurations are still read with s3rver's models.
  const store = new EmbeddedS3Store(dataDir, (type, xml) => {
    const Model = S3rverConfig.getConfigModel(type);
    return new Model(xml);
  });
  // A long-running `serve` keeps sweeping; the timer never keeps the process alive.
  const sweeper = setInterval(() => {
    sweepStaleUploads(store, new Date(Date.now() - staleUploadAgeMs)).catch(() => undefined);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  app.store = app.context.store = store;
  // s3rver's stack is [logger, xml body, mount path, vhost, router]; ours goes right before the
  // router, once the vhost middleware has put the bucket in the path.
  const routerIndex = app.middleware.length - 1;
  if (routerIndex < 1) throw new SagesimError('S3_EMULATOR_INCOMPATIBLE', 'unexpected s3rver version: no middleware stack to extend');
  app.middleware.splice(routerIndex, 0, sagesimMiddleware(store));
  return {
    handler: app.callback(),
    close() {
      clearInterval(sweeper);
      app.logger.exceptions.unhandle();
      app.logger.close();
    },
  };
}

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const host = options.host ?? '127.0.0.1';
  await openEmbeddedS3Data(options.dataDir, options.staleUploadAgeMs);
  const s3 = createEmbeddedS3Handler(options.dataDir, options.staleUploadAgeMs);
  const tcp = createServer({ keepAliveTimeout: 30_000 }, s3.handler);
  tcp.on('clientError', answerClientError);
  const close = once(async () => {
    await closeServer(tcp);
    s3.close();
  });
  try {
    await listen(tcp, (server) => server.listen(options.port ?? 0, host));
  } catch (cause) {
    await close();
    throw new SagesimError('S3_EMULATOR_START_FAILED', `cannot start the embedded S3 on ${host}:${options.port ?? 0}: ${(cause as Error).message}`, {
      hint: 'pick another port, or use an S3 you run yourself with --s3-endpoint',
      cause,
    });
  }
  const { port } = tcp.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    connect() {
      const { client, server } = InProcessSocket.pair();
      // The TCP server owns these connections too: closing it closes them.
      if (tcp.listening) tcp.emit('connection', server);
      else process.nextTick(() => client.destroy(connectionRefused(port)));
      return client;
    },
    dataDir: options.dataDir,
    handler: s3.handler,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function connectionRefused(port: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`connect ECONNREFUSED 127.0.0.1:${port} (the embedded S3 is closed)`);
  error.code = 'ECONNREFUSED';
  return error;
}

function listen(server: Server, start: (server: Server) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start(server);
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets of SDK clients would otherwise hold the server open.
    server.closeIdleConnections();
    setImmediate(() => server.closeAllConnections());
  });
}

function once(run: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= run());
}

/** What sagesim adds in front of s3rver's routes. */
function sagesimMiddleware(store: EmbeddedS3Store): KoaMiddleware {
  return async (ctx, next) => {
    acceptAnyAccessKey(ctx.headers['authorization'], ctx.query);
    try {
      await handle(store, ctx, next);
    } catch (error) {
      // A body left unread would be drained before the connection is reused (all 5 GiB of a
      // refused one): close the connection after the error instead, as S3 does.
      if (!ctx.request.req.complete) ctx.res.shouldKeepAlive = false;
      const answer = error instanceof AwsChunkedError ? s3Error('IncompleteBody', `The aws-chunked body is malformed: ${error.message}`) : error;
      // sagesim's errors are answered here; only s3rver's own go on to its error handler.
      if (!(answer instanceof EmbeddedS3Error)) throw answer;
      ctx.respond = false;
      writeS3Error(ctx.res, answer);
    }
  };
}

async function handle(store: EmbeddedS3Store, ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  const address = checkRequest(ctx);
  if (isAwsChunked(ctx.headers)) {
    const decoder = new AwsChunkedDecoder();
    // A handler that fails before reading the body must not leave the decoder's error unheard
    // (an 'error' event without a listener ends the process); readers still see it.
    decoder.on('error', () => undefined);
    const original = ctx.request.req;
    original.on('error', (error) => decoder.destroy(error));
    original.pipe(decoder);
    unchunkHeaders(original.headers);
    ctx.req = decoder;
  }
  await route(store, address, ctx, next);
}

async function route(store: EmbeddedS3Store, address: S3Address, ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  const listed = listedBucket(ctx, address);
  if (listed !== undefined) {
    const body = await listBucket(store, listed, ctx);
    if (body) ctx.body = body;
    else ctx.status = 200;
    return;
  }
  const upload = uploadRequest(ctx, address);
  if (upload !== undefined) {
    if (ctx.method === 'DELETE') {
      await abortUpload(store, upload);
      ctx.status = 204;
    } else {
      ctx.body = await listParts(store, upload, ctx.query);
    }
    return;
  }
  const uploads = listUploadsRequest(ctx, address);
  if (uploads !== undefined) {
    ctx.body = await listUploads(store, uploads, ctx.query);
    return;
  }
  const bucket = bucketToCreate(ctx, address);
  if (bucket !== undefined && !(await store.getBucket(bucket))) await store.putBucket(bucket);
  await next();
  // No route of s3rver's took the request (Koa's default is a plain-text 404): S3's answer.
  if (ctx.status === 404 && ctx.body == null) {
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
      Method: ctx.method.slice(0, 20),
      ResourceType: address.bucket === '' ? 'SERVICE' : address.key === '' ? 'BUCKET' : 'OBJECT',
    });
  }
  // s3rver's GET Object set the status and headers; write the body through reused buffers
  // instead of letting Koa pipe the stream (see ObjectFileReadable).
  if (ctx.body instanceof ObjectFileReadable && ctx.method === 'GET') {
    ctx.respond = false;
    await ctx.body.sendTo(ctx.res);
  }
}

/**
 * Checks every name and number the request carries (embedded-s3-names.ts), then hands s3rver's
 * router the key as one encoded path segment, so that it reaches the store exactly as sent:
 * koa-router would otherwise drop empty segments (`a//b`) and decode `%2F` into a folder.
 */
function checkRequest(ctx: KoaContext): S3Address {
  checkContentLength(first(ctx.headers['content-length']));
  checkContentLength(first(ctx.headers['x-amz-decoded-content-length']));
  const address = parseS3Path(ctx.path);
  for (const name of ['partNumber', 'uploadId', 'x-id', 'list-type', 'max-keys', 'continuation-token', 'prefix', 'delimiter']) {
    if (Array.isArray(ctx.query[name])) throw s3Error('InvalidArgument', `The query parameter ${name} is given more than once.`, { ArgumentName: name });
  }
  const partNumber = first(ctx.query['partNumber']);
  const uploadId = first(ctx.query['uploadId']);
  if (partNumber !== undefined && ctx.method === 'PUT') {
    checkPartNumber(partNumber);
    if (uploadId === undefined || !isUploadId(uploadId)) throw noSuchUpload(uploadId ?? '');
  }
  const copySource = first(ctx.headers['x-amz-copy-source']);
  if (copySource !== undefined && ctx.method === 'PUT') {
    let decoded: string;
    try {
      decoded = decodeURI(copySource);
    } catch {
      throw s3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source' });
    }
    const source = parseS3Path(decoded.startsWith('/') ? decoded.split('?')[0] ?? '' : `/${decoded.split('?')[0] ?? ''}`);
    if (source.key === '') throw s3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  }
  if (address.key !== '') ctx.path = `/${address.bucket}/${encodeURIComponent(address.key)}`;
  return address;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Buckets are created on first write, as sagesim's runs expect: any PUT of an object (plain,
 * copy, part) or the start of a multipart upload (the bucket's name was checked before).
 */
function bucketToCreate(ctx: KoaContext, address: S3Address): string | undefined {
  if (ctx.method !== 'PUT' && !(ctx.method === 'POST' && 'uploads' in ctx.query)) return undefined;
  return address.bucket !== '' && address.key !== '' ? address.bucket : undefined;
}

/**
 * The emulator does not authenticate: s3rver only knows the access key `S3RVER`, so register
 * whatever key id a client signs with (sagesim's dummy `sagesim`, a container's, a user's).
 */
function acceptAnyAccessKey(authorization: string | string[] | undefined, query: KoaContext['query']): void {
  const header = typeof authorization === 'string' ? authorization : '';
  const fromHeader = /Credential=([^/,\s]+)/.exec(header)?.[1] ?? /^AWS ([^:\s]+):/.exec(header)?.[1];
  const credential = query['X-Amz-Credential'];
  const fromQuery = (typeof credential === 'string' ? credential.split('/')[0] : undefined) ?? query['AWSAccessKeyId'];
  const keyId = fromHeader ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
  if (keyId && !AWSAccount.registry.has(keyId)) AWSAccount.DUMMY_ACCOUNT.createKeyPair(keyId, keyId);
}
