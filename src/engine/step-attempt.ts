// One attempt of a step's job, as every caller runs it: the StepContext its runner gets, then the
// run itself followed by the property files it declares. The scheduler's step runner and the
// application's single-step launch (`reproduce`) both go through here, so a job sees the same
// context and its property files are judged the same way wherever it runs.
import { StoppedError } from '../errors.js';
import type { Reporter } from './events.js';
import type { JsonValue } from './json.js';
import { readPropertyFiles } from './property-files.js';
import type { StepContext, StepResult, StepRunner } from './step-executor.js';

/** Where an attempt's output lines are written. */
export interface AttemptLog {
  /** Absolute path of the log file. */
  readonly path: string;
  write(line: string): void;
}

/**
 * What an attempt's context is made of: the context's own fields, plus where its output lines go
 * and who hears of them (the context's `log` and `warn` are made from these).
 */
export type StepAttemptParts = Pick<
  StepContext,
  'execution' | 'step' | 'arguments' | 'jobName' | 'attempt' | 'signal' | 'objectStore' | 'workDir' | 'stubbedSteps' | 'reportMetadata'
> & {
  readonly log: AttemptLog;
  /** Told each output line (`stepLog`) and each warning, with the execution id and step name. */
  readonly reporter: Reporter;
};

/** The context a step's runner gets for one attempt. */
export function stepContextFor(parts: StepAttemptParts): StepContext {
  const { execution, step, reporter } = parts;
  return {
    execution,
    step,
    arguments: parts.arguments,
    jobName: parts.jobName,
    attempt: parts.attempt,
    signal: parts.signal,
    objectStore: parts.objectStore,
    log: (line) => {
      parts.log.write(line);
      reporter.stepLog?.({ executionId: execution.executionId, stepName: step.Name, line });
    },
    logFile: parts.log.path,
    workDir: parts.workDir,
    warn: (warning) => reporter.warning?.({ executionId: execution.executionId, stepName: step.Name, ...warning }),
    ...(parts.stubbedSteps ? { stubbedSteps: parts.stubbedSteps } : {}),
    ...(parts.reportMetadata ? { reportMetadata: parts.reportMetadata } : {}),
  };
}

export interface AttemptOutcome {
  readonly result: StepResult;
  readonly propertyFiles: Record<string, JsonValue>;
}

/**
 * Runs the attempt, then reads the property files the step declares from what it wrote. Throws
 * what the runner throws, StoppedError when the context's signal aborted meanwhile, and the
 * property files' StepFailures (`PROPERTY_FILE_*`): a job that exits 0 without them failed.
 */
export async function executeAttempt(runner: StepRunner, context: StepContext): Promise<AttemptOutcome> {
  const result = await runner.execute(context);
  if (context.signal.aborted) throw new StoppedError(`step ${context.step.Name} stopped`);
  const propertyFiles = await readPropertyFiles(context.objectStore, context.step, result.properties);
  return { result, propertyFiles };
}
