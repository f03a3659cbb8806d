// The pipeline definition JSON exactly as the SageMaker Python SDK emits it (Version 2020-12-01).
// Loading validates raw JSON into these types once; the engine trusts them afterwards.
import type { JsonObject, JsonValue } from './json.js';

export const DEFINITION_VERSION = '2020-12-01';

export type ParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';
export type ParameterValue = string | number | boolean;

export interface ParameterDeclaration {
  readonly Name: string;
  readonly Type: ParameterType;
  readonly DefaultValue?: ParameterValue;
  readonly EnumValues?: readonly ParameterValue[];
}

/** Every step type the definition language has. Job types run in containers (or stubs). */
export const STEP_TYPES = [
  'Processing',
  'Training',
  'Transform',
  'Model',
  'RegisterModel',
  'Tuning',
  'Condition',
  'Fail',
  'Lambda',
  'Callback',
  'EMR',
  'QualityCheck',
  'ClarifyCheck',
  'AutoML',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export interface CacheConfig {
  readonly Enabled: boolean;
  /** ISO-8601 duration, or AWS's loose forms ("30d", "T16m", "30dT5h"). */
  readonly ExpireAfter?: string;
}

export interface RetryPolicy {
  readonly ExceptionType: readonly string[];
  /** Default 1. */
  readonly IntervalSeconds?: number;
  /** Default 2.0. */
  readonly BackoffRate?: number;
  /** Exactly one of MaxAttempts (1..20) and ExpireAfterMin. */
  readonly MaxAttempts?: number;
  readonly ExpireAfterMin?: number;
}

export interface PropertyFileDeclaration {
  readonly PropertyFileName: string;
  readonly OutputName: string;
  readonly FilePath: string;
}

export interface OutputParameterDeclaration {
  readonly OutputName: string;
  readonly OutputType?: 'String' | 'Integer' | 'Float' | 'Boolean';
}

interface StepBase {
  readonly Name: string;
  readonly DisplayName?: string;
  readonly Description?: string;
  readonly DependsOn?: readonly string[];
}

/** A step that starts a job and may be cached and retried. */
export interface JobStep extends StepBase {
  readonly Type: 'Processing' | 'Training' | 'Transform' | 'Model' | 'RegisterModel' | 'Tuning' | 'EMR' | 'QualityCheck' | 'ClarifyCheck' | 'AutoML';
  readonly Arguments: JsonObject;
  readonly CacheConfig?: CacheConfig;
  readonly RetryPolicies?: readonly RetryPolicy[];
  readonly PropertyFiles?: readonly PropertyFileDeclaration[];
}

export interface ConditionStep extends StepBase {
  readonly Type: 'Condition';
  readonly Arguments: {
    readonly Conditions: readonly Condition[];
    /** The SDK always writes both lists; a missing one is an empty branch. */
    readonly IfSteps?: readonly PipelineStep[];
    readonly ElseSteps?: readonly PipelineStep[];
  };
}

export interface FailStep extends StepBase {
  readonly Type: 'Fail';
  readonly Arguments: { readonly ErrorMessage?: JsonValue };
}

export interface LambdaStep extends StepBase {
  readonly Type: 'Lambda';
  readonly FunctionArn: string;
  readonly OutputParameters?: readonly OutputParameterDeclaration[];
  readonly Arguments: JsonObject;
  readonly CacheConfig?: CacheConfig;
}

export interface CallbackStep extends StepBase {
  readonly Type: 'Callback';
  readonly SqsQueueUrl?: string;
  readonly OutputParameters?: readonly OutputParameterDeclaration[];
  readonly Arguments: JsonObject;
  readonly CacheConfig?: CacheConfig;
}

export type PipelineStep = JobStep | ConditionStep | FailStep | LambdaStep | CallbackStep;

/** Conditions as the SDK writes them; a list of conditions is an AND. */
export type ComparisonType = 'Equals' | 'GreaterThan' | 'GreaterThanOrEqualTo' | 'LessThan' | 'LessThanOrEqualTo';
export type Condition =
  | { readonly Type: ComparisonType; readonly LeftValue: JsonValue; readonly RightValue: JsonValue }
  | { readonly Type: 'In'; readonly QueryValue: JsonValue; readonly Values: readonly JsonValue[] }
  | NotCondition
  | { readonly Type: 'Or'; readonly Conditions: readonly Condition[] };

/**
 * `{"Type": "Not", "Condition": ...}` is the service's shape; SDK releases before 2.204.0 wrote
 * `"Expression"` instead (which the cloud rejects). Validation lets exactly one of them through.
 */
export type NotCondition =
  | { readonly Type: 'Not'; readonly Condition: Condition; readonly Expression?: undefined }
  | { readonly Type: 'Not'; readonly Expression: Condition; readonly Condition?: undefined };

export interface PipelineDefinition {
  readonly Version: string;
  readonly Metadata?: JsonObject;
  readonly Parameters: readonly ParameterDeclaration[];
  readonly PipelineExperimentConfig?: { readonly ExperimentName?: JsonValue; readonly TrialName?: JsonValue } | null;
  readonly Steps: readonly PipelineStep[];
}
