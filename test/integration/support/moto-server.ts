// moto's server (python3 -m moto.server) on a free loopback port: an S3 and SageMaker API written
// by others, the nearest thing to LocalStack on this machine.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether the python3 on PATH has moto's server (and boto3, which the tests read moto with). */
export const HAS_MOTO = spawnSync('python3', ['-c', 'import moto.server, boto3'], { stdio: 'ignore' }).status === 0;

export interface MotoServer {
  readonly endpoint: string;
  readonly process: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto and resolves once it answers; kill `process` to stop it. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  // Up when it answers; moto takes a few seconds to import on a loaded machine.
  for (let i = 0; i < 240; i++) {
    if (await fetch(endpoint).then(() => true, () => false)) return { endpoint, process: child };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`moto did not start on ${endpoint}`);
}
