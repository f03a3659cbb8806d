// The public API of `sagesim`: what the CLI itself calls, for programs and test suites. Named
// exports only; the test harness is `sagesim/testing`.

// Configuration
export { CONFIG_FILE_NAME, resolveConfig } from './config.js';
export type { ConfigFile, ConfigOverrides, LambdaHandlerConfig, S3Config, SagesimConfig } from './config.js';

// Errors
export {
  DefinitionError,
  ERROR_CODES,
  ExpressionError,
  ParameterError,
  RETRYABLE_EXCEPTION_TYPES,
  SagesimError,
  StepFailure,
  StoppedError,
  PROBLEM_CODES,
  WARNING_CODES,
  exitCodeOf,
  isSagesimError,
} from './errors.js';
export type {
  Audience,
  DefinitionProblem,
  ErrorCode,
  ErrorCodeInfo,
  ErrorSource,
  ProblemCode,
  RetryableExceptionType,
  SagesimCode,
  SagesimErrorOptions,
  Warning,
  WarningCode,
} from './errors.js';

// Definitions: load, validate, graph
export { parseDefinition, validateDefinitionText } from './engine/load-definition.js';
export { loadDefinitionFile, readDefinitionText } from './app/definition-file.js';
export { validateDefinition } from './engine/validate.js';
export type { ValidationResult } from './engine/validate.js';
export { buildGraph } from './engine/graph.js';
export type { GraphEdge, PipelineGraph, StepNode } from './engine/graph.js';
export { GRAPH_FORMATS, renderGraph } from './engine/graph-render.js';
export type { GraphFormat } from './engine/graph-render.js';
export { resolveParameters } from './engine/parameters.js';
export { DEFINITION_VERSION, STEP_TYPES } from './engine/definition-types.js';
export type {
  CacheConfig,
  Condition,
  ConditionStep,
  FailStep,
  JobStep,
  ParameterDeclaration,
  ParameterType,
  ParameterValue,
  PipelineDefinition,
  PipelineStep,
  RetryPolicy,
  StepType,
} from './engine/definition-types.js';

// Running
export { runDefinitionFile } from './app/run-definition.js';
export { defaultPipelineName } from './engine/pipeline-name.js';
export type { RunDefinitionFileOptions, SelectiveRunOptions } from './app/run-definition.js';
export { STEP_FAILURE_REASON } from './engine/scheduler.js';
export type { ReuseSteps } from './engine/scheduler.js';
export { runPipeline } from './app/run-pipeline.js';
export type { RunPipelineOptions, StepRunners } from './app/run-pipeline.js';
export { planSelectiveExecution } from './engine/selective-execution.js';
export type { PlanSelectiveExecutionOptions, SelectiveExecutionPlan } from './engine/selective-execution.js';
export { retryExecution, retryPipelineExecution } from './app/retry-execution.js';
export type { RetryExecutionOptions, RetryPipelineExecutionOptions } from './app/retry-execution.js';
export { planRetry } from './engine/retry-plan.js';
export type { RetryPlan } from './engine/retry-plan.js';
export { planLaunch } from './app/plan-launch.js';
export type { LaunchPlan, LaunchRequest } from './app/plan-launch.js';
export { createRunEnvironment } from './runtime/create-environment.js';
export type { CreateRunEnvironmentOptions, RunEnvironment } from './runtime/create-environment.js';
export type { StubOptions, StubSpec } from './steps/stub-executor.js';
export type { ExecutorTable, RunnableStepType, StepContext, StepExecutor, StepResult, StepRunner } from './engine/step-executor.js';
export { FakeClock, systemClock } from './engine/clock.js';
export type { Clock } from './engine/clock.js';
export { combineReporters } from './engine/events.js';
export type { Reporter, StepEventBase } from './engine/events.js';

// Executions and their history
export { FileExecutionStore } from './store/file-execution-store.js';
export { MemoryExecutionStore } from './store/memory-execution-store.js';
export type { ExecutionStore } from './engine/execution-store.js';
export type { ExecutionRecord, ExecutionStatus, StepMetadata, StepRecord, StepStatus } from './engine/execution-record.js';
export { toDescribePipelineExecution, toPipelineExecutionSteps, toRunJson } from './engine/run-record-json.js';
export type { DescribePipelineExecutionShape, PipelineExecutionStepShape, RunJsonShape } from './engine/run-record-json.js';
export { formatExecutionList } from './history/format-execution-list.js';
export { formatExecutionDetails } from './history/format-execution-details.js';
export { findStep } from './history/find-step.js';
export { followStepLog, readLogFrom, stepLogPath } from './history/step-log.js';

// Reproducing a step
export { reproduceStep } from './app/reproduce-step.js';
export type { ReproduceStepOptions, ReproductionOrigin, ReproductionOutput, ReproductionResult } from './app/reproduce-step.js';
export type { ReproductionSource } from './reproduce/reproduction-source.js';

// Fixtures and S3
export { findManifestFor, loadManifest, seedManifest } from './fixtures/manifest.js';
export type { Manifest, ManifestEntry } from './fixtures/manifest.js';
export type { ObjectInfo, ObjectStore } from './ports/object-store.js';

// The SageMaker-compatible endpoint and cloud submission
export { startServe } from './mock-aws/serve.js';
export { DEFAULT_SERVE_PORT } from './mock-aws/serve-port.js';
export type { ServeHandle, ServeOptions } from './mock-aws/serve.js';
export { runRemote } from './remote/run-remote.js';
export type { RemoteRunResult, RunRemoteOptions } from './remote/run-remote.js';

// JSON
export type { JsonObject, JsonPrimitive, JsonValue } from './engine/json.js';
