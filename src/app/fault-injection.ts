// Fault injection for tests, a decorator the launcher wraps around a step's runner: a named step
// fails with a given exception type on its first N attempts, then runs as it would have. Retry
// policies meet the failures SageMaker would report, without a flaky cloud.
import type { RetryableExceptionType } from '../errors.js';
import { StepFailure } from '../errors.js';
import type { StepContext, StepResult, StepRunner } from '../engine/step-executor.js';

/** How a step fails. */
export interface FaultSpec {
  /**
   * The exception type SageMaker would report (what RetryPolicies match on). Without one the
   * failure is a user-code failure, which is never retried.
   */
  readonly exceptionType?: RetryableExceptionType;
  /** Fail only the first `times` attempts, then succeed. @default every attempt */
  readonly times?: number;
  /** The step's FailureReason. @default "injected fault in <step> (attempt n)" */
  readonly reason?: string;
}

/** Throws the fault's failure when `attempt` is one of the failing attempts. */
export function injectFault(stepName: string, fault: FaultSpec, attempt: number, log?: (line: string) => void): void {
  if (fault.times !== undefined && attempt > fault.times) return;
  const reason = fault.reason ?? `injected fault in ${stepName} (attempt ${attempt})`;
  log?.(`sagesim/testing: failing attempt ${attempt}: ${reason}`);
  throw new StepFailure(reason, { code: 'INJECTED_FAULT', source: 'user', ...(fault.exceptionType ? { exceptionType: fault.exceptionType } : {}) });
}

/** `runner` with `fault` in front: the failing attempts throw before it runs, the others run it. */
export function withFault(runner: StepRunner, fault: FaultSpec): StepRunner {
  return {
    async execute(context: StepContext): Promise<StepResult> {
      injectFault(context.step.Name, fault, context.attempt, context.log);
      return runner.execute(context);
    },
  };
}
