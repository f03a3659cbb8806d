// `sagesim/testing`: the harness for users' own test suites (vitest, jest, node:test). Run a
// pipeline definition with parameters, stubs and injected faults, in containers or not, and assert
// on what it did. See README "Testing your pipeline".
export { createTestEnvironment } from './testing/test-environment.js';
export type { TestEnvironment, TestEnvironmentOptions, TestRetryOptions, TestRunOptions, TestStub } from './testing/test-environment.js';
export type { TestRunResult, TestStep } from './testing/test-run-result.js';
export type { TestS3 } from './testing/test-s3.js';
export type { FaultSpec } from './app/fault-injection.js';
export type { RetryableExceptionType } from './errors.js';
export { RETRYABLE_EXCEPTION_TYPES, SagesimError, isSagesimError } from './errors.js';
export type { PipelineDefinition, ParameterValue } from './engine/definition-types.js';
export type { ExecutionStatus, StepStatus } from './engine/execution-record.js';
export type { JsonObject, JsonValue } from './engine/json.js';
