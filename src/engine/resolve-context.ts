// What expression resolution may read: parameters, execution variables, the outputs of steps
// that already ran, and the object store (for Std:JsonGet on an S3Uri).
import type { ObjectStore } from '../ports/object-store.js';
import type { ParameterValue, StepType } from './definition-types.js';
import type { JsonObject, JsonValue } from './json.js';

/** Identity of one execution, shaped like the cloud's (ARNs, 12-character lowercase ids). */
export interface ExecutionIdentity {
  readonly executionId: string;
  readonly executionArn: string;
  readonly pipelineName: string;
  readonly pipelineArn: string;
  readonly startTime: Date;
  readonly region: string;
  readonly accountId: string;
}

/** What a finished step exposes to `Steps.<name>.*` references. */
export interface StepOutputs {
  readonly stepType: StepType;
  readonly properties: JsonObject;
  readonly propertyFiles: Readonly<Record<string, JsonValue>>;
  readonly outputParameters: Readonly<Record<string, JsonValue>>;
}

export interface ResolveContext {
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly execution: ExecutionIdentity;
  /** For Execution.CurrentDateTime; injected so tests control time. */
  readonly now: () => Date;
  /** The step whose arguments are being resolved: Execution.TrainingJobName / ProcessingJobName. */
  readonly currentStep?: { readonly name: string; readonly type: StepType; readonly jobName: string };
  /** PipelineExperimentConfig, already resolved. */
  readonly experimentConfig?: { readonly ExperimentName?: string; readonly TrialName?: string };
  /** Outputs of a step that has finished in this execution, or undefined. */
  readonly stepOutputs: (stepName: string) => StepOutputs | undefined;
  readonly objectStore: ObjectStore;
  /**
   * The step that declares a property file, for the legacy `Std:JsonGet` form that names the
   * property file by its bare name instead of `{"Get": "Steps.<S>.PropertyFiles.<Name>"}`.
   */
  readonly propertyFileOwner?: (propertyFileName: string) => string | undefined;
}
