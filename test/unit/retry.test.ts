import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.js';
import type { RetryPolicy } from '../../src/engine/definition-types.js';
import { RetryTracker, runWithRetries } from '../../src/engine/retry.js';
import { StepFailure, StoppedError, type RetryableExceptionType } from '../../src/errors.js';

const internal = (): StepFailure => new StepFailure('InternalServerError', { exceptionType: 'SageMaker.JOB_INTERNAL_ERROR' });
const failure = (type?: RetryableExceptionType): StepFailure => new StepFailure(`failed with ${type ?? 'user error'}`, type ? { exceptionType: type } : {});

/** Runs `attempts` failures through runWithRetries and records when each attempt started. */
async function attemptTimes(policies: readonly RetryPolicy[], failures: readonly StepFailure[], clock = new FakeClock()) {
  const start = clock.now().getTime();
  const times: number[] = [];
  const promise = runWithRetries(
    async (n) => {
      times.push((clock.now().getTime() - start) / 1000);
      const next = failures[n - 1];
      if (next) throw next;
      return 'done';
    },
    { policies, stepType: 'Training', clock },
  );
  const outcome = await clock.runUntilSettled(promise);
  return { outcome, times };
}

describe('retry back-off', () => {
  it('waits IntervalSeconds * BackoffRate^(n-1) before the n-th retry', async () => {
    const { outcome, times } = await attemptTimes(
      [{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 }],
      [internal(), internal(), internal()],
    );
    expect(outcome).toMatchObject({ ok: true, value: 'done', attempts: 4 });
    // waits of 2s, 6s, 18s
    expect(times).toEqual([0, 2, 8, 26]);
  });

  it('uses SageMaker defaults: 1 second, rate 2.0, 5 retries', async () => {
    const { outcome, times } = await attemptTimes([{ ExceptionType: ['Step.THROTTLING'] }], Array.from({ length: 10 }, () => failure('Step.THROTTLING')));
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(6);
    expect(times).toEqual([0, 1, 3, 7, 15, 31]);
  });

  it('waits on the injected clock, not on real time', async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const promise = runWithRetries(
      async () => {
        attempts++;
        if (attempts === 1) throw internal();
        return 'ok';
      },
      { policies: [{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 60, MaxAttempts: 1 }], stepType: 'Training', clock },
    );
    await clock.advance(59_000);
    expect(attempts).toBe(1);
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(1_000);
    await expect(promise).resolves.toMatchObject({ ok: true, attempts: 2 });
  });
});

describe('which failures are retried', () => {
  it.each([
    ['a matching exception type', failure('SageMaker.CAPACITY_ERROR'), true],
    ['a type the policy does not list', failure('SageMaker.RESOURCE_LIMIT'), false],
    ['a user-code failure (no exception type)', failure(), false],
    ['an error that is not a StepFailure', new Error('boom'), false],
    ['a stop', new StoppedError(), false],
  ])('%s -> retried: %s', (_label, error, retried) => {
    const tracker = new RetryTracker([{ ExceptionType: ['SageMaker.CAPACITY_ERROR', 'Step.SERVICE_FAULT'], MaxAttempts: 3 }], 'Training', new Date(0));
    expect(tracker.decide(error, new Date(0)).retry).toBe(retried);
  });

  it('does not retry SageMaker.JOB_INTERNAL_ERROR for Tuning and AutoML steps, as AWS documents', () => {
    const policies: RetryPolicy[] = [{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], MaxAttempts: 3 }];
    expect(new RetryTracker(policies, 'Tuning', new Date(0)).decide(internal(), new Date(0)).retry).toBe(false);
    expect(new RetryTracker(policies, 'AutoML', new Date(0)).decide(internal(), new Date(0)).retry).toBe(false);
    expect(new RetryTracker(policies, 'Processing', new Date(0)).decide(internal(), new Date(0)).retry).toBe(true);
  });

  it('counts retries per policy: each policy has its own MaxAttempts and back-off', () => {
    const tracker = new RetryTracker(
      [
        { ExceptionType: ['Step.THROTTLING'], IntervalSeconds: 1, MaxAttempts: 1 },
        { ExceptionType: ['SageMaker.CAPACITY_ERROR'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 2 },
      ],
      'Training',
      new Date(0),
    );
    const now = new Date(0);
    expect(tracker.decide(failure('SageMaker.CAPACITY_ERROR'), now)).toMatchObject({ retry: true, delayMs: 10_000, policyIndex: 1 });
    expect(tracker.decide(failure('Step.THROTTLING'), now)).toMatchObject({ retry: true, delayMs: 1_000, policyIndex: 0 });
    expect(tracker.decide(failure('SageMaker.CAPACITY_ERROR'), now)).toMatchObject({ retry: true, delayMs: 20_000 });
    expect(tracker.decide(failure('Step.THROTTLING'), now).retry).toBe(false);
    expect(tracker.decide(failure('SageMaker.CAPACITY_ERROR'), now).retry).toBe(false);
  });
});

describe('MaxAttempts and ExpireAfterMin', () => {
  it('MaxAttempts is the number of retries: MaxAttempts 2 allows 3 attempts in all', async () => {
    const { outcome } = await attemptTimes([{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], MaxAttempts: 2 }], [internal(), internal(), internal(), internal()]);
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
  });

  it('ExpireAfterMin stops retrying once that many minutes passed since the first attempt', async () => {
    // Waits of 60s, 120s, 240s: attempts at 0, 1, 3 and 7 minutes; a failure at 7 min is past 5 min.
    const { outcome, times } = await attemptTimes(
      [{ ExceptionType: ['SageMaker.RESOURCE_LIMIT'], IntervalSeconds: 60, BackoffRate: 2, ExpireAfterMin: 5 }],
      Array.from({ length: 10 }, () => failure('SageMaker.RESOURCE_LIMIT')),
    );
    expect(times).toEqual([0, 60, 180, 420]);
    expect(outcome).toMatchObject({ ok: false, attempts: 4 });
  });

  it('a user failure ends the step on its first attempt even with policies', async () => {
    const { outcome, times } = await attemptTimes([{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], MaxAttempts: 5 }], [failure()]);
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(times).toEqual([0]);
  });

  it('a stop during a back-off wait ends the step as stopped', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const promise = runWithRetries(
      async () => {
        throw internal();
      },
      { policies: [{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 600, MaxAttempts: 3 }], stepType: 'Training', clock, signal: controller.signal },
    );
    await clock.advance(1_000);
    controller.abort();
    const outcome = await promise;
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.error).toBeInstanceOf(StoppedError);
    expect(outcome.attempts).toBe(1);
  });
});
