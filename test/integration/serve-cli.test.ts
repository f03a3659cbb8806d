// The `sagesim serve` command itself: it prints the endpoint, serves until SIGINT, then stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListPipelinesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

describe('sagesim serve (the command)', { timeout: 60_000 }, () => {
  it('prints its endpoint, answers clients, and stops on SIGINT with exit code 0', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sagesim-serve-cli-'));
    const signals = new EventEmitter();
    let stdout = '';
    let stderr = '';
    try {
      const exit = runCli(['serve', '--port', '0', '--home', home, '--stub-all', '--quiet'], {
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        env: {},
        cwd: process.cwd(),
        signals: signals as never,
      });
      for (let i = 0; i < 200 && !/http:\/\/127\.0\.0\.1:\d+/.test(stdout); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      const endpoint = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;
      expect(stdout).toContain(`sagesim serve: SageMaker API and S3 on ${endpoint} (home ${home})`);

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
