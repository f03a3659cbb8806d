// The `sagesim serve` command itself: it prints the endpoint, serves until SIGINT, then stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListPipelinesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { watchedOutput } from './support/watched-output.js';

describe('sagesim serve (the command)', { timeout: 60_000 }, () => {
  it('prints its endpoint, answers clients, and stops on SIGINT with exit code 0', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sagesim-serve-cli-'));
    const signals = new EventEmitter();
    const stdout = watchedOutput();
    const stderr = watchedOutput();
    try {
      const exit = runCli(['serve', '--port', '0', '--home', home, '--stub-all', '--quiet'], {
        stdout,
        stderr,
        env: {},
        cwd: process.cwd(),
        signals: signals as never,
      });
      // Waits for the line itself: a 5 s polling budget ran out on a loaded machine.
      const endpoint = (await stdout.until(/(http:\/\/127\.0\.0\.1:\d+)/, exit))[1] as string;
      expect(stdout.text()).toContain(`sagesim serve: SageMaker API and S3 on ${endpoint} (home ${home})`);

      const client = new SageMakerClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      expect((await client.send(new ListPipelinesCommand({}))).PipelineSummaries).toEqual([]);
      client.destroy();

      signals.emit('SIGINT');
      expect(await exit).toBe(0);
      await expect(fetch(`${endpoint}/`, { method: 'POST' })).rejects.toThrow();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a port in use is a clear error', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sagesim-serve-cli-'));
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    let stderr = '';
    try {
      const code = await runCli(['serve', '--port', String(port), '--home', home], {
        stdout: { write: () => undefined },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        env: {},
        cwd: process.cwd(),
        signals: new EventEmitter() as never,
      });
      expect(code).toBe(2);
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(stderr).toContain('pick another with --port');
    } finally {
      blocker.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
