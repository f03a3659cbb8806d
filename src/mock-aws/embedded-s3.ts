// sagesim's embedded S3 emulator: one node:http handler on 127.0.0.1 over a folder of files, data
// kept under the store's home so objects survive between runs, buckets created on first write.
// See EMBEDDED-S3-BEHAVIOUR.md.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SagesimError } from '../errors.js';
import { AwsChunkedError } from './aws-chunked-decoder.js';
import { addCorsHeaders } from './embedded-s3-cors.js';
import { s3Error, toS3Error, writeS3Error } from './embedded-s3-error.js';
import { migrateLayout } from './embedded-s3-layout.js';
import { readS3Request } from './embedded-s3-request.js';
import { route } from './embedded-s3-router.js';
import { EmbeddedS3Store, type EmbeddedS3StoreHooks } from './embedded-s3-store.js';
import { sweepStaleUploads } from './embedded-s3-uploads.js';
import { answerClientError } from './http-client-error.js';
import { InProcessSocket } from './in-process-connection.js';

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
  /** Test seams of the file store (a write that fails on a full disk). */
  readonly storeHooks?: EmbeddedS3StoreHooks;
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
  /** Stops the hourly sweep of stale uploads; the caller owns (and closes) its HTTP server. */
  close(): void;
}

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
export function createEmbeddedS3Handler(dataDir: string, staleUploadAgeMs = DEFAULT_STALE_UPLOAD_AGE_MS, storeHooks?: EmbeddedS3StoreHooks): EmbeddedS3Handler {
  const store = new EmbeddedS3Store(dataDir, storeHooks);
  // A long-running `serve` keeps sweeping; the timer never keeps the process alive.
  const sweeper = setInterval(() => {
    sweepStaleUploads(store, new Date(Date.now() - staleUploadAgeMs)).catch(() => undefined);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    handler: (req, res) => {
      void handleRequest(store, req, res);
    },
    close() {
      clearInterval(sweeper);
    },
  };
}

/**
 * One request, start to end: every answer carries a request id, and every failure is an S3 error
 * in XML (client input never gets a 500; a full disk is InsufficientStorage, see toS3Error).
 */
async function handleRequest(store: EmbeddedS3Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', Buffer.from(requestId).toString('base64'));
  // A client that goes away mid-body is seen by the body's reader; never an unheard 'error'.
  req.on('error', () => undefined);
  try {
    const request = readS3Request(req, res);
    await addCorsHeaders(store, request, res);
    await route(store, request);
  } catch (error) {
    // A body left unread would be drained before the connection is reused (all 5 GiB of a
    // refused one): close the connection after the error instead, as S3 does.
    if (!req.complete) res.shouldKeepAlive = false;
    const answer = error instanceof AwsChunkedError ? s3Error('IncompleteBody', `The aws-chunked body is malformed: ${error.message}`) : toS3Error(error, store.rootDirectory);
    writeS3Error(res, answer);
  }
}

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const host = options.host ?? '127.0.0.1';
  await openEmbeddedS3Data(options.dataDir, options.staleUploadAgeMs);
  const s3 = createEmbeddedS3Handler(options.dataDir, options.staleUploadAgeMs, options.storeHooks);
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
