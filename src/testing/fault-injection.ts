// Fault injection for tests: a named step fails with a given exception type on its first N
// attempts, then runs as it would have (its real executor, or its stub). Retry policies meet the
// failures SageMaker would report, without a flaky cloud.
import type { RetryableExceptionType } from '../errors.js';
import { StepFailure } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from '../steps/executor.js';

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

/** Wraps the executor of one step type so the named steps of that type fail as their faults say. */
export class FaultInjectingExecutor implements StepExecutor {
  readonly stepType: StepExecutor['stepType'];

  constructor(
    private readonly inner: StepExecutor,
    private readonly faults: Readonly<Record<string, FaultSpec>>,
  ) {
    this.stepType = inner.stepType;
  }

  async execute(context: StepContext): Promise<StepResult> {
    const fault = this.faults[context.step.Name];
    if (fault) injectFault(context.step.Name, fault, context.attempt, context.log);
    return this.inner.execute(context);
  }
}
