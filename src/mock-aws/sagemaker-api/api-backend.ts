// What the API layer stands on: the pipelines it stores, the engine that runs executions, the model
// registry and the local models. Handlers see only these ports, so unit tests run them against
// in-memory fakes and `sagesim serve` against the local engine and the home folder.
import type { LaunchPlan } from '../../app/plan-launch.js';
import type { ParameterValue, PipelineDefinition } from '../../engine/definition-types.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import type { ModelRegistry } from '../model-registry.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { ModelRecord } from '../model-store.js';
import type { ExecutionNotesStore } from './execution-notes.js';
import type { PipelineRecord, PipelineStore } from './pipeline-store.js';

export interface SelectiveExecution {
  /** Absent when no selected step needs a result from a step left out. */
  readonly sourceExecutionArn?: string;
  readonly selectedSteps: readonly string[];
}

export interface StartExecutionRequest {
  readonly pipeline: PipelineRecord;
  /** The pipeline's definition, already loaded and validated. */
  readonly definition: PipelineDefinition;
  /** Every declared parameter, converted to its declared type. */
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly displayName?: string;
  /** ParallelismConfiguration.MaxParallelExecutionSteps of the request, else of the pipeline. */
  readonly maxParallel?: number;
  readonly selective?: SelectiveExecution;
  /** How the execution runs (steps, reused results), as app/plan-launch.ts planned it. */
  readonly plan: LaunchPlan;
}

/** A Callback step's answer, from SendPipelineExecutionStepSuccess / Failure. */
export type CallbackOutcome =
  | { readonly kind: 'success'; readonly outputParameters: Readonly<Record<string, string>> }
  | { readonly kind: 'failure'; readonly failureReason: string };

/** The engine as the API sees it. */
export interface ExecutionService {
  /**
   * Starts an execution in the background and resolves once it has an identity and is stored
   * (status Executing), long before it finishes.
   */
  start(request: StartExecutionRequest): Promise<ExecutionRecord>;
  /**
   * RetryPipelineExecution: runs the failed or stopped steps of `record` again, reusing what
   * succeeded. Resolves with the execution being retried once it runs again.
   */
  retry(record: ExecutionRecord, options: { readonly plan: LaunchPlan; readonly maxParallel?: number }): Promise<ExecutionRecord>;
  /** Asks a running execution to stop (Stopping, then Stopped); resolves once asked. */
  stop(executionArn: string): Promise<void>;
  get(executionArn: string): Promise<ExecutionRecord | undefined>;
  /** Every stored execution, newest first (local CLI runs included). */
  list(): Promise<ExecutionRecord[]>;
  /**
   * Hands the Callback step waiting for `token` its outcome and says whose execution it is.
   * Throws SagesimError `CALLBACK_NOT_FOUND` when no step waits for the token, and
   * `CALLBACK_ALREADY_DELIVERED` when it was answered already.
   */
  deliverCallback(token: string, outcome: CallbackOutcome): Promise<{ readonly executionArn: string }>;
}

/** The model registry operations the API serves (a ModelRegistry from model-registry.ts). */
export type RegistryPort = Pick<
  ModelRegistry,
  | 'createModelPackageGroup'
  | 'describeModelPackageGroup'
  | 'listModelPackageGroups'
  | 'describeModelPackage'
  | 'listModelPackages'
  | 'updateModelPackage'
>;

export interface SageMakerApiBackend {
  readonly region: string;
  readonly accountId: string;
  readonly pipelines: PipelineStore;
  readonly executions: ExecutionService;
  readonly executionNotes: ExecutionNotesStore;
  readonly registry: RegistryPort;
  /** DescribeModel: a model a Model step created. */
  readonly findModel: (name: string) => Promise<ModelRecord | undefined>;
  /**
   * Loads a definition JSON string (the engine's loader); throws DefinitionError listing every
   * problem.
   */
  readonly parseDefinition: (text: string, source: string) => PipelineDefinition;
  /** Where PipelineDefinitionS3Location is read from (the S3 served beside the API). */
  readonly objectStore?: ObjectStore;
  /**
   * ClientRequestToken -> the ARN its request produced, so a client retrying a request (the SDKs
   * resend the same token) starts nothing twice. Kept for the life of the server.
   */
  readonly requestTokens: Map<string, string>;
  /** Injected so tests control CreationTime and friends. */
  readonly now: () => Date;
}
