// The engine never prints: it tells a Reporter what happens. Every hook is optional, so the
// console view, the execution history and tests implement only what they need.
import type { Warning } from '../errors.js';
import type { ExecutionRecord, StepRecord } from './execution-record.js';

export interface StepEventBase {
  readonly executionId: string;
  readonly step: Readonly<StepRecord>;
}

export interface Reporter {
  executionStarted?(execution: Readonly<ExecutionRecord>): void;
  stepStarted?(event: StepEventBase & { readonly attempt: number }): void;
  stepSucceeded?(event: StepEventBase): void;
  stepCached?(event: StepEventBase): void;
  stepFailed?(event: StepEventBase & { readonly willRetry: boolean; readonly retryInSeconds?: number }): void;
  stepSkipped?(event: StepEventBase): void;
  stepStopped?(event: StepEventBase): void;
  /** A line of a step's container output (also written to the step's log file). */
  stepLog?(event: { readonly executionId: string; readonly stepName: string; readonly line: string }): void;
  /** Something the user should know that is not an error (Bayesian tuning runs as Random, ...). */
  warning?(event: Warning & { readonly executionId?: string; readonly stepName?: string }): void;
  /** Long preparation work (building images, seeding S3) with a human-readable message. */
  progress?(event: { readonly message: string }): void;
  executionFinished?(execution: Readonly<ExecutionRecord>): void;
}

/** Fans events out to several reporters; a throwing reporter never breaks the execution. */
export function combineReporters(...reporters: readonly (Reporter | undefined)[]): Reporter {
  const present = reporters.filter((r): r is Reporter => r !== undefined);
  const fan =
    <K extends keyof Reporter>(key: K) =>
    (event: Parameters<NonNullable<Reporter[K]>>[0]): void => {
      for (const reporter of present) {
        const hook = reporter[key] as ((e: typeof event) => void) | undefined;
        try {
          hook?.call(reporter, event);
        } catch {
          // A reporter's bug must not fail the user's pipeline.
        }
      }
    };
  return {
    executionStarted: fan('executionStarted'),
    stepStarted: fan('stepStarted'),
    stepSucceeded: fan('stepSucceeded'),
    stepCached: fan('stepCached'),
    stepFailed: fan('stepFailed'),
    stepSkipped: fan('stepSkipped'),
    stepStopped: fan('stepStopped'),
    stepLog: fan('stepLog'),
    warning: fan('warning'),
    progress: fan('progress'),
    executionFinished: fan('executionFinished'),
  };
}
