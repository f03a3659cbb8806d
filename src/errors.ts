// Where the rest of sagesim imports its errors from: the classes and the code catalogues live
// in src/errors/ (one concept per file); this module names what they export.
export {
  type DefinitionProblem,
  type ErrorSource,
  type RetryableExceptionType,
  type SagesimCode,
  type SagesimErrorOptions,
  DefinitionError,
  ExpressionError,
  ParameterError,
  RETRYABLE_EXCEPTION_TYPES,
  SagesimError,
  StepFailure,
  StoppedError,
  assertNever,
  isSagesimError,
} from './errors/sagesim-error.js';
export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo, isErrorCode } from './errors/error-codes.js';
export { PROBLEM_CODES, type ProblemCode, type ProblemCodeInfo } from './errors/problem-codes.js';
export { WARNING_CODES, type Warning, type WarningCode, type WarningCodeInfo } from './errors/warning-codes.js';
export { type Audience, EXIT, type ExitStatus } from './errors/exit-codes.js';
export { exitCodeOf } from './errors/exit-code-of.js';
