// Typed errors with stable codes: every code is in the catalogue (error-codes.ts), which gives
// the CLI its exit code; `source` decides presentation, tests match on `code`, and every message
// says what is wrong and what to do next.
import type { JsonObject, JsonValue } from '../engine/json.js';
import { PROJECT_INVOCATION, inCommandWords } from './command-words.js';
import { ERROR_CODES, type ErrorCode, type ErrorCodeInfo, isErrorCode } from './error-codes.js';
import type { ProblemCode } from './problem-codes.js';

/**
 * The code an error carries: a catalogued error code, or (a definition refused for one problem)
 * that problem's code.
 */
export type SagesimCode = ErrorCode | ProblemCode;

/** Who is at fault: decides how the CLI presents the error (message only for `user`). */
export type ErrorSource = 'user' | 'sagesim' | 'container' | 'aws';

export interface SagesimErrorOptions {
  readonly source?: ErrorSource;
  /** What to do next; commands in the CLI's words (`sagesim ls`): see `hint` below. */
  readonly hint?: string;
  /**
   * The hint for a user of the test harness (`sagesim/testing`), where the harness has an option or
   * method for what `hint` asks of the CLI (`run(definition, { from, steps })` for `--from`).
   */
  readonly harnessHint?: string;
  readonly cause?: unknown;
}

/** Base of every error sagesim throws on purpose. */
export class SagesimError extends Error {
  readonly code: SagesimCode;
  readonly source: ErrorSource;
  /**
   * What to do next. The commands it suggests read as a program's user types them, with sagesim a
   * dependency of their project (`npx sagesim ls`); the CLI prints them as its user started it.
   */
  readonly hint: string | undefined;
  /** The hint for a user of `sagesim/testing` when it differs from `hint` (see the options). */
  readonly harnessHint: string | undefined;

  constructor(code: SagesimCode, message: string, options: SagesimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SagesimError';
    this.code = code;
    this.source = options.source ?? 'sagesim';
    const hint = options.hint ?? defaultHint(code);
    this.hint = hint === undefined ? undefined : inCommandWords(hint, PROJECT_INVOCATION);
    this.harnessHint = options.harnessHint === undefined ? undefined : inCommandWords(options.harnessHint, PROJECT_INVOCATION);
  }
}

function defaultHint(code: SagesimCode): string | undefined {
  if (!isErrorCode(code)) return undefined;
  const entry: ErrorCodeInfo = ERROR_CODES[code];
  return entry.hint;
}

/** One problem found in a definition, with where it is and how to fix it. */
export interface DefinitionProblem {
  /** Stable code from the problem catalogue, e.g. `DUPLICATE_STEP_NAME`. */
  readonly code: ProblemCode;
  /** JSON path into the definition, e.g. `$.Steps[2].Arguments.HyperParameters.eta`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  /** The hint for a user of `sagesim/testing`, when it differs (see SagesimErrorOptions). */
  readonly harnessHint?: string;
  /** The step the problem belongs to, when there is one. */
  readonly step?: string;
}

/** A definition that cannot be loaded or run; carries every problem found, not only the first. */
export class DefinitionError extends SagesimError {
  readonly problems: readonly DefinitionProblem[];

  constructor(problems: readonly DefinitionProblem[], source = 'definition') {
    const first = problems[0];
    const summary =
      problems.length === 1 && first
        ? `${source}: ${first.message} (at ${first.path})`
        : `${source}: ${problems.length} problems found`;
    super(problems.length === 1 && first ? first.code : 'INVALID_DEFINITION', summary, {
      source: 'user',
      hint: first?.hint,
      harnessHint: first?.harnessHint,
    });
    this.name = 'DefinitionError';
    // Each problem's hint reads like the error's (see SagesimError#hint).
    this.problems = problems.map(inProjectWords);
  }
}

function inProjectWords(problem: DefinitionProblem): DefinitionProblem {
  return {
    ...problem,
    ...(problem.hint === undefined ? {} : { hint: inCommandWords(problem.hint, PROJECT_INVOCATION) }),
    ...(problem.harnessHint === undefined ? {} : { harnessHint: inCommandWords(problem.harnessHint, PROJECT_INVOCATION) }),
  };
}

/** Bad pipeline parameters given on the command line, in a file or through the API. */
export class ParameterError extends SagesimError {
  readonly parameter: string;
  constructor(parameter: string, message: string, hint?: string) {
    super('INVALID_PARAMETER', message, { source: 'user', hint });
    this.name = 'ParameterError';
    this.parameter = parameter;
  }
}

/** An expression that cannot be evaluated at run time (missing property, bad JsonGet path, ...). */
export class ExpressionError extends SagesimError {
  constructor(code: ErrorCode, message: string, hint?: string, cause?: unknown) {
    super(code, message, { source: 'user', hint, cause });
    this.name = 'ExpressionError';
  }
}

/**
 * SageMaker's retryable exception types, as RetryPolicies name them. `undefined` on a failure
 * means a user-code failure (the job itself failed), which is never retried.
 */
export type RetryableExceptionType =
  | 'Step.SERVICE_FAULT'
  | 'Step.THROTTLING'
  | 'SageMaker.JOB_INTERNAL_ERROR'
  | 'SageMaker.CAPACITY_ERROR'
  | 'SageMaker.RESOURCE_LIMIT';

export const RETRYABLE_EXCEPTION_TYPES: readonly RetryableExceptionType[] = [
  'Step.SERVICE_FAULT',
  'Step.THROTTLING',
  'SageMaker.JOB_INTERNAL_ERROR',
  'SageMaker.CAPACITY_ERROR',
  'SageMaker.RESOURCE_LIMIT',
];

/** A step's job failed. `reason` becomes the step's FailureReason, shown to the user as is. */
export class StepFailure extends SagesimError {
  readonly exceptionType: RetryableExceptionType | undefined;
  /** What the failed job still reports: metadata (job ARN, Fail.ErrorMessage) and partial properties. */
  readonly metadata: Readonly<Record<string, JsonValue>> | undefined;
  readonly properties: JsonObject | undefined;
  constructor(
    reason: string,
    options: {
      exceptionType?: RetryableExceptionType;
      code?: SagesimCode;
      source?: ErrorSource;
      cause?: unknown;
      metadata?: Readonly<Record<string, JsonValue>>;
      properties?: JsonObject;
    } = {},
  ) {
    super(options.code ?? 'STEP_FAILED', reason, { source: options.source ?? 'container', cause: options.cause });
    this.name = 'StepFailure';
    this.exceptionType = options.exceptionType;
    this.metadata = options.metadata;
    this.properties = options.properties;
  }
}

/** Thrown when work is cancelled (SIGINT, StopPipelineExecution). */
export class StoppedError extends SagesimError {
  constructor(message = 'stopped', cause?: unknown) {
    super('STOPPED', message, { source: 'user', cause });
    this.name = 'StoppedError';
  }
}


export function isSagesimError(error: unknown): error is SagesimError {
  return error instanceof SagesimError;
}

/** For `default:` branches of exhaustive switches: a new variant does not compile until handled. */
export function assertNever(value: never, what = 'value'): never {
  throw new SagesimError('UNHANDLED_VARIANT', `unhandled ${what}: ${JSON.stringify(value)}`);
}
