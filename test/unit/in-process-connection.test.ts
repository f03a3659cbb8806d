// InProcessSocket: real node:http over an in-process connection, with the guarantees a socket
// gives: a writer may reuse its buffer once a write's callback ran, backpressure holds, a reset
// reaches the other side, and idle connections time out.
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessAgent, InProcessSocket } from '../../src/mock-aws/in-process-connection.js';

let server: Server | undefined;
let agent: InProcessAgent | undefined;

afterEach(async () => {
  agent?.destroy();
  server?.closeAllConnections();
  agent = server = undefined;
});

/** An HTTP server reached only through in-process connections, and an agent for it. */
function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): InProcessAgent {
  const http = createServer(handler);
  server = http;
  agent = new InProcessAgent(() => {
    const { client, server: end } = InProcessSocket.pair();
    http.emit('connection', end);
    return client;
  });
  return agent;
}

function request(path: string, via: InProcessAgent, method = 'GET'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get({ agent: via, host: '127.0.0.1', port: 9000, path, method }, resolve).on('error', reject);
  });
}

async function body(res: IncomingMessage, pauseEveryChunkMs = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) {
    chunks.push(chunk as Buffer);
    if (pauseEveryChunkMs) await sleep(pauseEveryChunkMs);
  }
  return Buffer.concat(chunks);
}

describe('InProcessSocket under node:http', () => {
  it('carries requests and responses, and keeps the connection alive between them', async () => {
    let connections = 0;
    const via = serve((req, res) => res.end(`${req.method} ${req.url}`));
    server?.on('connection', () => connections++);
    expect((await body(await request('/a', via))).toString()).toBe('GET /a');
    expect((await body(await request('/b', via, 'DELETE'))).toString()).toBe('DELETE /b');
    expect(connections).toBe(1);
  });

  it('delivers the bytes a writer had when it wrote, although it reuses its buffer after each callback', async () => {
    // As the embedded S3 sends objects: one buffer, refilled as soon as a write's callback runs.
    const chunk = 64 * 1024;
    const chunks = 64;
    const via = serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(chunk * chunks) });
      const buffer = Buffer.alloc(chunk);
      const next = (index: number): void => {
        if (index === chunks) return void res.end();
        buffer.fill(index);
        res.write(buffer, () => next(index + 1));
      };
      next(0);
    });
    // A slow reader leaves chunks queued on its side of the connection.
    const received = await body(await request('/', via), 2);
    expect(received.length).toBe(chunk * chunks);
    for (let index = 0; index < chunks; index++) {
      const slice = received.subarray(index * chunk, (index + 1) * chunk);
      expect(slice.every((byte) => byte === index), `chunk ${index}`).toBe(true);
    }
  });

  it('applies backpressure: a reader that does not read stops the writer', async () => {
    let written = 0;
    let blocked = false;
    const via = serve((_req, res) => {
      const buffer = Buffer.alloc(1024 * 1024);
      const pump = (): void => {
        while (written < 256 * 1024 * 1024) {
          written += buffer.length;
          if (!res.write(buffer)) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const res = await request('/', via);
    res.pause();
    await sleep(100);
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(32 * 1024 * 1024);
    res.destroy();
  });

  it('resets the other side when one side is destroyed', async () => {
    const closed = new Promise<boolean>((resolve) => {
      serve((_req, res) => {
        res.writeHead(200);
        res.write('partial');
        res.on('close', () => resolve(res.writableFinished));
      });
    });
    const res = await request('/', agent as InProcessAgent);
    res.destroy();
    expect(await closed).toBe(false);
  });

  it('fails a request whose connection the server closes before answering', async () => {
    const via = serve((req) => req.socket.destroy());
    await expect(request('/', via)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('emits timeout after the idle time set with setTimeout, not while bytes flow', async () => {
    // Fake timers: with real ones, a loaded machine that ran a 30 ms sleep late fired the timeout.
    vi.useFakeTimers();
    try {
      const { client, server: end } = InProcessSocket.pair();
      end.resume();
      client.setTimeout(60);
      let timedOut = false;
      client.on('timeout', () => (timedOut = true));
      for (let i = 0; i < 5; i++) {
        client.write('x');
        await vi.advanceTimersByTimeAsync(30);
      }
      expect(timedOut).toBe(false);
      // The last write was 30 ms ago: idle for 50 ms is not yet the timeout, 70 ms is past it.
      await vi.advanceTimersByTimeAsync(20);
      expect(timedOut).toBe(false);
      await vi.advanceTimersByTimeAsync(20);
      expect(timedOut).toBe(true);
      client.destroy();
      expect(end.destroyed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
