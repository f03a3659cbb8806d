// Raw HTTP for probing servers with malformed input: node:http for well-formed requests whose
// path must reach the server unnormalised (`/b/../x`, `//etc/passwd`), node:net for bytes no
// HTTP client would send (broken framing, truncated bodies).
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface RawRequest {
  readonly method: string;
  /** Sent as is: no normalisation, no encoding. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** One request over a fresh connection; resolves with the whole answer. */
export function httpRequest(port: number, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method, path: options.path, headers: { connection: 'close', ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes `bytes` on a new connection, half-closes it when `end` is true, and resolves with
 * everything the server sent back until it closed the connection (or `undefined` when it reset
 * it without a byte).
 */
export function rawExchange(port: number, bytes: Buffer | string, end = true): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(chunks.length ? Buffer.concat(chunks).toString('latin1') : undefined));
    socket.write(bytes);
    if (end) socket.end();
  });
}
