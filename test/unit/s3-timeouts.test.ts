// The S3 client's timeouts against real sockets on 127.0.0.1: a server that accepts and stays
// silent fails a request with an error naming the endpoint; a slow transfer whose bytes keep
// flowing is not cut (the timeout is idleness, not length); the pre-run probe takes any answer.
import { type Server, type Socket, createServer as createTcpServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/mock-aws/s3-client.js';
import { S3ObjectStore } from '../../src/mock-aws/s3-object-store.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function listen(server: Server, sockets: Set<Socket>): Promise<string> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

function storeAt(endpoint: string, idleMs: number): S3ObjectStore {
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: 'dummy', timeouts: { s3ConnectMs: 2000, s3IdleMs: idleMs } });
  cleanups.push(async () => client.destroy());
  return new S3ObjectStore({ client, endpoint });
}

describe('S3 client timeouts', () => {
  it('a request to an endpoint that accepts and never answers fails with S3_TIMEOUT naming the endpoint', async () => {
    const endpoint = await listen(createTcpServer(() => undefined), new Set());
    const error = await storeAt(endpoint, 300).get('s3://bucket/key').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'S3_TIMEOUT', message: expect.stringContaining(`S3 at ${endpoint} did not answer`) });
    expect((error as Error).message).toContain('GetObject s3://bucket/key');
  });

  it('the probe fails with S3_TIMEOUT within its own bound, and honours an abort', async () => {
    const endpoint = await listen(createTcpServer(() => undefined), new Set());
    const store = storeAt(endpoint, 60_000);
    await expect(store.probe(300)).rejects.toMatchObject({ code: 'S3_TIMEOUT', message: `S3 at ${endpoint} did not answer within 300 ms` });
    const controller = new AbortController();
    const probing = store.probe(60_000, controller.signal);
    controller.abort(new Error('stopped by SIGTERM'));
    await expect(probing).rejects.toThrow('stopped by SIGTERM');
  });

  it('the probe takes any HTTP answer (AccessDenied) as a live endpoint', async () => {
    const server = createHttpServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
    });
    const endpoint = await listen(server, new Set());
    // Bounds far above the answer's time: what is tested is that a 403 counts as an answer (a
    // loaded machine took over a second to load the AWS SDK and answer, and failed a 1 s bound).
    await expect(storeAt(endpoint, 30_000).probe(30_000)).resolves.toBeUndefined();
  });

  it('a slow download whose bytes keep flowing outlasts the idle timeout', async () => {
    const chunks = 30;
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(chunks) });
      let sent = 0;
      const timer = setInterval(() => {
        response.write('x');
        if (++sent === chunks) {
          clearInterval(timer);
          response.end();
        }
      }, 100);
    });
    const endpoint = await listen(server, new Set());
    // 30 bytes over ~3 s, 0.1 s apart: an idle timeout of 2.5 s never fires, although the whole
    // transfer outlasts it. The margin (2.4 s) lets a loaded machine stall the event loop (GC of a
    // neighbouring test file's data in the same worker) without the timeout firing.
    expect((await storeAt(endpoint, 2500).get('s3://bucket/slow')).toString()).toBe('x'.repeat(chunks));
  });
});
