// A connection between an HTTP client and an HTTP server of the same process, with no socket in
// between: the client's bytes are pushed into the server's readable side and back. Both sides
// still speak real HTTP/1.1 (node:http serializes and parses every request and response), so
// the server behaves as it does on TCP. What goes away is the kernel: on a Unix socket or
// loopback TCP, every 64 KiB crosses it twice, and staging 1 GiB costs twice the CPU.
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';

/** What node:http's client, agent and server call on a socket beyond the Duplex API. */
interface SocketLike {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly connecting: false;
  /** The idle timeout set by setTimeout; node:http's agent reads it. */
  timeout: number | undefined;
  setTimeout(ms: number, callback?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  ref(): this;
  unref(): this;
}

/** Bytes a writer may queue before `write` asks it to wait for 'drain'. */
const WRITABLE_HIGH_WATER_MARK = 1024 * 1024;

/**
 * One end of an in-process connection. What is written to it is read from its peer; ending it
 * ends the peer's readable side; destroying either end closes both, as a reset socket does.
 */
export class InProcessSocket extends Duplex implements SocketLike {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort: number;
  readonly localAddress = '127.0.0.1';
  readonly localPort: number;
  readonly connecting = false;
  timeout: number | undefined;

  private peer!: InProcessSocket;
  /** The peer's write callback, held until this side's reader wants more (backpressure). */
  private awaitingRead: ((error?: Error | null) => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = 0;

  private constructor(ports: { local: number; remote: number }, allowHalfOpen: boolean) {
    // A readable side that buffers nothing: see `deliver`.
    super({ allowHalfOpen, readableHighWaterMark: 0, writableHighWaterMark: WRITABLE_HIGH_WATER_MARK });
    this.localPort = ports.local;
    this.remotePort = ports.remote;
  }

  /**
   * A connected pair: `client` for an http.Agent, `server` for `server.emit('connection', ...)`.
   * The client side ends its writing when the server ends (as a net.Socket does by default);
   * the server side leaves that to node:http, as net.Server does for http.Server.
   */
  static pair(): { client: InProcessSocket; server: InProcessSocket } {
    const clientPort = nextPort();
    const client = new InProcessSocket({ local: clientPort, remote: 0 }, false);
    const server = new InProcessSocket({ local: 0, remote: clientPort }, true);
    client.peer = server;
    server.peer = client;
    return { client, server };
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.deliver([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.deliver(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  override _read(): void {
    const waiting = this.awaitingRead;
    this.awaitingRead = undefined;
    waiting?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearIdleTimer();
    const waiting = this.awaitingRead;
    this.awaitingRead = undefined;
    waiting?.(connectionReset());
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }

  /** As net.Socket: emits 'timeout' after `ms` without reads or writes; 0 turns it off. */
  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms;
    if (callback) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    this.clearIdleTimer();
    if (ms > 0 && !this.destroyed) {
      this.lastActivity = Date.now();
      this.armIdleTimer(ms);
    }
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  // Nothing here holds the event loop open but the idle timer, which never does.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /**
   * Hands the chunks to the peer's reader. A socket copies what it is given into the kernel, so
   * a writer may reuse its buffer once the write's callback ran (the embedded S3 does). Here the
   * peer receives the writer's own buffers, so the callback waits until the peer's reader has
   * taken every chunk: with no readable buffer (highWaterMark 0), `push` returns true only when
   * the chunk went straight to a 'data' listener, and `_read` is called once a queued one was
   * read. node:http's parsers copy what they read in their 'data' listener.
   */
  private deliver(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer.destroyed || peer.readableEnded) {
      callback(connectionReset());
      return;
    }
    let more = true;
    for (const chunk of chunks) more = peer.push(chunk);
    this.lastActivity = peer.lastActivity = Date.now();
    if (more) callback();
    else peer.awaitingRead = callback;
  }

  /** Fires `delay` ms from now, then again until the connection was idle for the whole timeout. */
  private armIdleTimer(delay: number): void {
    this.idleTimer = setTimeout(() => {
      const timeout = this.timeout ?? 0;
      const idle = Date.now() - this.lastActivity;
      if (idle >= timeout) {
        this.idleTimer = undefined;
        this.emit('timeout');
      } else {
        this.armIdleTimer(timeout - idle);
      }
    }, delay);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** A keep-alive agent whose connections are made by `connect`, whatever host a request names. */
export class InProcessAgent extends Agent {
  constructor(private readonly connectTo: () => Duplex) {
    super({ keepAlive: true, maxSockets: 64 });
  }

  // Returning the socket is enough: the agent then uses it as if handed to its callback.
  override createConnection(): Duplex {
    return this.connectTo();
  }
}

function connectionReset(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('the in-process connection was closed');
  error.code = 'ECONNRESET';
  return error;
}

// Distinct local ports make each connection identifiable in logs, as ephemeral ports do.
let lastPort = 49_151;
function nextPort(): number {
  lastPort = lastPort >= 65_535 ? 49_152 : lastPort + 1;
  return lastPort;
}
