// The model server a Transform step talks to: GET /ping until the container is ready, then POST
// /invocations per batch. Behind an interface so unit tests answer without HTTP or Docker.
import { createServer } from 'node:net';
import { type Clock, systemClock } from '../engine/clock.js';
import { StoppedError } from '../errors.js';

export interface InvocationResponse {
  readonly status: number;
  readonly body: Buffer;
}

export interface ModelServer {
  /** True once GET /ping answers 200; false while it cannot be reached or answers otherwise. */
  ping(signal: AbortSignal): Promise<boolean>;
  /** POST /invocations. Rejects on connection errors and timeouts; any HTTP status resolves. */
  invoke(
    body: Buffer,
    headers: { readonly contentType?: string; readonly accept?: string },
    options: { readonly signal: AbortSignal; readonly timeoutMs: number },
  ): Promise<InvocationResponse>;
}

/** Makes the client of a server listening on 127.0.0.1:<port>. */
export type ModelServerFactory = (port: number) => ModelServer;

export const httpModelServer: ModelServerFactory = (port) => {
  const base = `http://127.0.0.1:${port}`;
  return {
    async ping(signal) {
      try {
        const response = await fetch(`${base}/ping`, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
        await response.arrayBuffer();
        return response.status === 200;
      } catch {
        if (signal.aborted) throw new StoppedError();
        return false;
      }
    },
    async invoke(body, headers, options) {
      const response = await fetch(`${base}/invocations`, {
        method: 'POST',
        body,
        headers: {
          ...(headers.contentType === undefined ? {} : { 'Content-Type': headers.contentType }),
          ...(headers.accept === undefined ? {} : { Accept: headers.accept }),
        },
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    },
  };
};

/** A TCP port free on 127.0.0.1 right now (the container binds it through SAGEMAKER_BIND_TO_PORT). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitForPingOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Resolves when the container ends: waiting stops at once. */
  readonly exited: Promise<unknown>;
}

/** How waiting for /ping ended. */
export type PingOutcome = 'ready' | 'timeout' | 'exited';

/** Polls /ping until it answers 200, the container exits, or the timeout passes. */
export async function waitForPing(server: ModelServer, options: WaitForPingOptions): Promise<PingOutcome> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now().getTime() + options.timeoutMs;
  let exited = false;
  void options.exited.then(
    () => (exited = true),
    () => (exited = true),
  );
  for (;;) {
    if (options.signal.aborted) throw new StoppedError();
    if (exited) return 'exited';
    if (await server.ping(options.signal)) return 'ready';
    if (exited) return 'exited';
    if (clock.now().getTime() >= deadline) return 'timeout';
    await Promise.race([clock.sleep(options.intervalMs ?? 250, options.signal), options.exited.catch(() => undefined)]);
  }
}
