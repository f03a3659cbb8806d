import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallbackStep } from '../../src/engine/definition-types.js';
import { deliverCallback, pendingCallbacks } from '../../src/mock-aws/callback-mailbox.js';
import { CallbackExecutor } from '../../src/steps/callback-executor.js';
import { executorContext } from './support/executor-context.js';
import { WatchedClock } from './support/watched-clock.js';

let home: string;
let clock: WatchedClock;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-callback-'));
  clock = new WatchedClock();
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const step: CallbackStep = {
  Name: 'ManualReview',
  Type: 'Callback',
  SqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/review',
  OutputParameters: [
    { OutputName: 'verdict', OutputType: 'String' },
    { OutputName: 'score', OutputType: 'Float' },
    { OutputName: 'rounds', OutputType: 'Integer' },
    { OutputName: 'ok', OutputType: 'Boolean' },
  ],
  Arguments: { model: 's3://b/model.tar.gz' },
};

function executor(token = 'TOKEN12345'): CallbackExecutor {
  return new CallbackExecutor({ home, clock, pollIntervalMs: 1000, newToken: () => token });
}

/** Lets the executor register its token (file I/O, not the clock): done once it polls its mailbox on the clock. */
async function waitForPending(isAlive?: (pid: number) => boolean): Promise<void> {
  await clock.untilSleeping();
  if ((await pendingCallbacks(home, isAlive)).length === 0) throw new Error('the step waits without having registered its token');
}

describe('Callback step', () => {
  it('shows the token and arguments, then returns typed outputs delivered through the mailbox', async () => {
    const context = await executorContext(step);
    const running = executor().execute(context);
    await waitForPending();
    expect(context.warnings.join('\n')).toContain('sagesim callback succeed TOKEN12345 --output verdict=<String>');
    expect(context.warnings.join('\n')).toContain('"model":"s3://b/model.tar.gz"');
    const [pending] = await pendingCallbacks(home);
    expect(pending).toMatchObject({ token: 'TOKEN12345', stepName: 'ManualReview', arguments: step.Arguments, pipelineName: 'demo' });
    await clock.advance(3000);
    await deliverCallback(home, 'TOKEN12345', {
      status: 'Success',
      outputParameters: { verdict: 'approve', score: '0.93', rounds: '2', ok: 'true', extra: 'ignored' },
    });
    const result = await clock.runUntilSettled(running);
    expect(result.outputParameters).toEqual({ verdict: 'approve', score: 0.93, rounds: 2, ok: true });
    expect(result.metadata?.Callback).toEqual({
      CallbackToken: 'TOKEN12345',
      OutputParameters: [
        { Name: 'verdict', Value: 'approve' },
        { Name: 'score', Value: '0.93' },
        { Name: 'rounds', Value: '2' },
        { Name: 'ok', Value: 'true' },
      ],
    });
    expect(context.logs[0]).toContain('"token":"TOKEN12345"');
    expect(await pendingCallbacks(home)).toEqual([]);
    expect(await readdir(path.join(home, 'callbacks'))).toEqual([]);
  });

  it('fails with the reason given by a failure callback', async () => {
    const running = executor().execute(await executorContext(step));
    await waitForPending();
    await deliverCallback(home, 'TOKEN12345', { status: 'Failure', failureReason: 'rejected by reviewer' });
    await expect(clock.runUntilSettled(running)).rejects.toMatchObject({
      name: 'StepFailure',
      code: 'CALLBACK_FAILED',
      message: 'rejected by reviewer',
      metadata: { Callback: { CallbackToken: 'TOKEN12345' } },
    });
  });

  it('fails when outputs are missing or of the wrong type', async () => {
    const running = executor().execute(await executorContext(step));
    await waitForPending();
    await deliverCallback(home, 'TOKEN12345', { status: 'Success', outputParameters: { verdict: 'ok', score: 'high', rounds: '2.5' } });
    const failure = clock.runUntilSettled(running);
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_OUTPUT_PARAMETER_VALUES' });
    await expect(failure).rejects.toThrow('output "score" must be a Float, got "high"');
    await expect(failure).rejects.toThrow('output "rounds" must be an Integer, got "2.5"');
    await expect(failure).rejects.toThrow('output "ok" (Boolean) is missing');
  });

  it('stops waiting when the execution is stopped, and forgets the token', async () => {
    const context = await executorContext(step);
    const running = executor().execute(context);
    await waitForPending();
    context.controller.abort();
    await expect(clock.runUntilSettled(running)).rejects.toMatchObject({ name: 'StoppedError' });
    expect(await pendingCallbacks(home)).toEqual([]);
    await expect(deliverCallback(home, 'TOKEN12345', { status: 'Failure', failureReason: 'x' })).rejects.toMatchObject({
      code: 'CALLBACK_NOT_FOUND',
    });
  });
});

describe('callback mailbox', () => {
  it('refuses unknown, malformed and already answered tokens', async () => {
    await expect(deliverCallback(home, 'nope', { status: 'Failure', failureReason: 'x' })).rejects.toMatchObject({ code: 'CALLBACK_NOT_FOUND' });
    await expect(deliverCallback(home, '../../etc/passwd', { status: 'Failure', failureReason: 'x' })).rejects.toMatchObject({
      code: 'CALLBACK_NOT_FOUND',
    });
    const running = executor('T2').execute(await executorContext(step));
    await waitForPending();
    expect(await deliverCallback(home, 'T2', { status: 'Failure', failureReason: 'first' })).toMatchObject({
      token: 'T2',
      stepName: 'ManualReview',
      executionArn: expect.stringContaining('execution/abcdef123456'),
    });
    await expect(deliverCallback(home, 'T2', { status: 'Failure', failureReason: 'second' })).rejects.toMatchObject({
      code: 'CALLBACK_ALREADY_DELIVERED',
    });
    await expect(clock.runUntilSettled(running)).rejects.toThrow('first');
  });

  it('does not report registrations of a process that died', async () => {
    const dead = new CallbackExecutor({ home, clock, newToken: () => 'DEAD', pid: 999_999 });
    const context = await executorContext(step);
    const running = dead.execute(context);
    await waitForPending(() => true);
    expect(await pendingCallbacks(home, (pid) => pid !== 999_999)).toEqual([]);
    expect((await pendingCallbacks(home, () => true)).map((p) => p.token)).toEqual(['DEAD']);
    context.controller.abort();
    await expect(clock.runUntilSettled(running)).rejects.toMatchObject({ name: 'StoppedError' });
  });
});
