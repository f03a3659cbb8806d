// RetryPolicies with SageMaker's semantics: only failures carrying a retryable exception type are
// retried (a user-code failure never is), each policy counts its own retries, and the wait grows
// as IntervalSeconds * BackoffRate^(n-1) for the policy's n-th retry.
import type { RetryPolicy, StepType } from './definition-types.js';
import type { Clock } from './clock.js';
import { StepFailure, StoppedError } from '../errors.js';
import { stepKind } from './step-kinds.js';

/** SageMaker's defaults when a policy leaves a field out. */
export const RETRY_DEFAULTS = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 5 } as const;

export type RetryDecision =
  | { readonly retry: false; readonly reason: string }
  | { readonly retry: true; readonly delayMs: number; readonly policyIndex: number; readonly retryNumber: number };

/**
 * Decides, failure after failure, whether one step is tried again. One tracker per step execution:
 * it remembers when the step first started (for ExpireAfterMin) and how often each policy fired.
 */
export class RetryTracker {
  private readonly retriesByPolicy: number[];

  constructor(
    private readonly policies: readonly RetryPolicy[],
    private readonly stepType: StepType,
    /** When the step's first attempt started: ExpireAfterMin counts from here. */
    private readonly firstStart: Date,
  ) {
    this.retriesByPolicy = policies.map(() => 0);
  }

  decide(error: unknown, now: Date): RetryDecision {
    if (error instanceof StoppedError) return { retry: false, reason: 'stopped' };
    if (!(error instanceof StepFailure) || error.exceptionType === undefined) {
      return { retry: false, reason: 'user-code failures are not retried' };
    }
    const type = error.exceptionType;
    // Some jobs retry some failures inside the job (the step-kind table says which); their retry policies ignore them.
    if (stepKind(this.stepType).retryIgnores?.includes(type)) {
      return { retry: false, reason: `${this.stepType} steps do not retry ${type}` };
    }
    const policyIndex = this.policies.findIndex((policy) => policy.ExceptionType.includes(type));
    const policy = this.policies[policyIndex];
    if (!policy) return { retry: false, reason: `no retry policy matches ${type}` };

    const done = this.retriesByPolicy[policyIndex] ?? 0;
    if (policy.ExpireAfterMin !== undefined) {
      const elapsedMs = now.getTime() - this.firstStart.getTime();
      if (policy.ExpireAfterMin <= 0 || elapsedMs >= policy.ExpireAfterMin * 60_000) {
        return { retry: false, reason: `retries expired after ${policy.ExpireAfterMin} min` };
      }
    } else {
      // MaxAttempts counts retries, not tries: MaxAttempts 2 means up to 3 attempts in all.
      const max = policy.MaxAttempts ?? RETRY_DEFAULTS.maxAttempts;
      if (done >= max) return { retry: false, reason: `retried ${done} time(s), MaxAttempts is ${max}` };
    }
    const retryNumber = done + 1;
    this.retriesByPolicy[policyIndex] = retryNumber;
    const interval = policy.IntervalSeconds ?? RETRY_DEFAULTS.intervalSeconds;
    const rate = policy.BackoffRate ?? RETRY_DEFAULTS.backoffRate;
    return { retry: true, delayMs: Math.round(interval * rate ** (retryNumber - 1) * 1000), policyIndex, retryNumber };
  }
}

export type AttemptOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

export interface RunWithRetriesOptions {
  readonly policies: readonly RetryPolicy[];
  readonly stepType: StepType;
  readonly clock: Clock;
  /** Aborts a back-off wait: the outcome is then a StoppedError. */
  readonly signal?: AbortSignal;
  /** Called after each failed attempt, before any wait. */
  readonly onFailure?: (event: { readonly attempt: number; readonly error: unknown; readonly decision: RetryDecision }) => void;
}

/** Runs `attempt(1)`, `attempt(2)`, ... until one succeeds or the policies stop retrying. */
export async function runWithRetries<T>(attempt: (n: number) => Promise<T>, options: RunWithRetriesOptions): Promise<AttemptOutcome<T>> {
  const tracker = new RetryTracker(options.policies, options.stepType, options.clock.now());
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await attempt(n), attempts: n };
    } catch (error) {
      const decision = options.signal?.aborted ? ({ retry: false, reason: 'stopped' } as const) : tracker.decide(error, options.clock.now());
      options.onFailure?.({ attempt: n, error, decision });
      if (!decision.retry) return { ok: false, error, attempts: n };
      try {
        await options.clock.sleep(decision.delayMs, options.signal);
      } catch (stopped) {
        return { ok: false, error: stopped, attempts: n };
      }
    }
  }
}
