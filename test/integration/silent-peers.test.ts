// Peers that accept a connection and never answer (a wedged Docker engine, an S3 endpoint behind a
// dead proxy): the real CLI must end with an error naming the peer within seconds, never hang, and
// SIGTERM must end it within seconds whatever the peer does.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINITIONS, ensureBuilt, runCli, startCli } from './support/real-cli.js';
import { DOCKER_SOCKET } from './support/docker.js';

/** The requirement: with default timeouts, the run ends within this (generous on a loaded machine). */
const LIMIT_MS = 15_000;

/** A server that accepts connections and never writes a byte; remembers its sockets to close them. */
async function silentServer(listen: (server: Server) => void): Promise<{ server: Server; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => {
    server.once('listening', resolve);
    listen(server);
  });
  return {
    server,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('peers that accept and never answer, from the real CLI', { timeout: 120_000 }, () => {
  let root: string;
  let socketPath: string;
  let endpoint: string;
  let dockerServer: Server;
  let s3Server: Server;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ensureBuilt();
    root = mkdtempSync(path.join(tmpdir(), 'sagesim-silent-'));
    socketPath = path.join(root, 'docker.sock');
    const docker = await silentServer((server) => server.listen(socketPath));
    const s3 = await silentServer((server) => server.listen(0, '127.0.0.1'));
    const address = s3.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    endpoint = `http://127.0.0.1:${address.port}`;
    dockerServer = docker.server;
    s3Server = s3.server;
    closers.push(docker.close, s3.close);
  });

  afterAll(async () => {
    for (const close of closers) await close();
    rmSync(root, { recursive: true, force: true });
  });

  const home = (): string => mkdtempSync(path.join(root, 'home-'));

  it('a Docker engine that never answers: exit 2 naming the socket, and the process ends', async () => {
    const result = await runCli(['run', path.join(DEFINITIONS, 'quick.json'), '--home', home()], { cwd: root, env: { DOCKER_HOST: `unix://${socketPath}` } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`cannot reach the Docker engine at ${socketPath}`);
    expect(result.stderr).toMatch(/no answer within \d+ ms/);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.ms).toBeLessThan(LIMIT_MS);
  });

  it('an S3 endpoint that never answers while the manifest is seeded: exit 2 naming the endpoint', async () => {
    const result = await runCli(['run', path.join(DEFINITIONS, 'reads-input/pipeline.json'), '--home', home(), '--s3-endpoint', endpoint], { cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`S3 at ${endpoint}`);
    expect(result.stderr).toMatch(/did not answer within \d+ ms/);
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.ms).toBeLessThan(LIMIT_MS);
  });

  it('an S3 endpoint that never answers, with no manifest to seed: exit 2 naming the endpoint', async () => {
    const result = await runCli(['run', path.join(DEFINITIONS, 'missing-input.json'), '--home', home(), '--s3-endpoint', endpoint], { cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`S3 at ${endpoint}`);
    expect(result.ms).toBeLessThan(LIMIT_MS);
  });

  it.each([
    ['Docker', () => ({ env: { DOCKER_HOST: `unix://${socketPath}` }, args: [] as string[], peer: dockerServer })],
    ['S3', () => ({ env: { DOCKER_HOST: `unix://${DOCKER_SOCKET}` }, args: ['--s3-endpoint', endpoint], peer: s3Server })],
  ])('SIGTERM ends a run stuck on a silent %s within seconds, even with long timeouts', async (_peer, setup) => {
    // Timeouts far longer than the test: only the signal can end the run in time.
    const cwd = mkdtempSync(path.join(root, 'cwd-'));
    writeFileSync(
      path.join(cwd, 'sagesim.config.json'),
      JSON.stringify({ timeouts: { dockerPingMs: 600_000, dockerApiMs: 600_000, s3ProbeMs: 600_000, s3IdleMs: 600_000 } }),
    );
    const { env, args, peer } = setup();
    // Signalled once sagesim is waiting on the peer (its stop handling is in place by then).
    const reached = once(peer, 'connection');
    const cli = startCli(['run', path.join(DEFINITIONS, 'reads-input/pipeline.json'), '--home', home(), ...args], { cwd, env });
    await reached;
    const signalled = Date.now();
    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(Date.now() - signalled).toBeLessThan(LIMIT_MS);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.signal).toBeNull();
  });
});
