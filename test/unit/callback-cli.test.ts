import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOutputs } from '../../src/cli/commands/callback.js';
import { runCli } from '../../src/cli/main.js';
import { FakeClock } from '../../src/engine/clock.js';
import type { CallbackStep } from '../../src/engine/definition-types.js';
import { pendingCallbacks } from '../../src/mock-aws/callback-mailbox.js';
import { CallbackExecutor } from '../../src/steps/callback-executor.js';
import { executorContext } from './support/executor-context.js';
import { captureIo } from './support/capture-io.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'sagesim-callback-cli-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo(cwd);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const step: CallbackStep = {
  Name: 'Review',
  Type: 'Callback',
  OutputParameters: [{ OutputName: 'threshold', OutputType: 'Float' }],
  Arguments: { report: 's3://b/report.json' },
};

async function waiting(home: string): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const [pending] = await pendingCallbacks(home);
    if (pending) return pending.token;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('no step registered a token');
}

describe('sagesim callback', () => {
  it('lets a waiting step succeed with typed outputs', async () => {
    const home = path.join(cwd, '.sagesim');
    const clock = new FakeClock();
    const running = new CallbackExecutor({ home, clock }).execute(await executorContext(step));
    const token = await waiting(home);
    const listed = await cli('callback', 'ls');
    expect(listed.stdout).toContain(`${token}  demo  Review`);
    const answered = await cli('callback', 'succeed', token, '--output', 'threshold=0.75');
    expect(answered).toMatchObject({ code: 0, stdout: `callback ${token}: success delivered\n` });
    expect((await clock.runUntilSettled(running)).outputParameters).toEqual({ threshold: 0.75 });
  });

  it('lets a waiting step fail with a reason', async () => {
    const home = path.join(cwd, 'custom-home');
    const clock = new FakeClock();
    const running = new CallbackExecutor({ home, clock }).execute(await executorContext(step));
    const token = await waiting(home);
    expect((await cli('callback', 'fail', token, '--reason', 'report incomplete', '--home', home)).code).toBe(0);
    await expect(clock.runUntilSettled(running)).rejects.toThrow('report incomplete');
  });

  it('exits 2 with a hint for an unknown token or a malformed output', async () => {
    const unknown = await cli('callback', 'succeed', 'NOPE');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no step is waiting for callback token "NOPE"');
    expect(unknown.stderr).toContain('hint:');
    expect((await cli('callback', 'succeed', 'NOPE', '--output', 'novalue')).code).toBe(2);
  });

  it('parses Name=Value outputs, keeping = inside values', () => {
    expect(parseOutputs(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseOutputs(['=1'])).toThrow('Name=Value');
  });
});
