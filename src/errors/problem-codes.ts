// The catalogue of problem codes: what `validate` (the definition's shape and limits) and a run's
// preflight report, each with its JSON path. A definition or preflight with problems is refused
// before anything runs, so every problem ends the CLI with exit 2 (INVALID_DEFINITION's exit).
import type { Audience } from './exit-codes.js';

export interface ProblemCodeInfo {
  /** `definition`: `validate` finds it in the JSON; `preflight`: a run checks it before it starts. */
  readonly stage: 'definition' | 'preflight';
  /** A `warning` never refuses the definition: sagesim runs it, SageMaker may not. */
  readonly severity: 'error' | 'warning';
  readonly audience: Audience;
  readonly meaning: string;
}

const definition = { stage: 'definition', severity: 'error', audience: 'user' } as const;
const preflight = { stage: 'preflight', severity: 'error', audience: 'user' } as const;

export const PROBLEM_CODES = {
  // The document, its version and limits
  NOT_JSON: { ...definition, meaning: 'the definition is not JSON' },
  NOT_AN_OBJECT: { ...definition, meaning: 'the definition is not a JSON object' },
  MISSING_VERSION: { ...definition, meaning: 'the definition has no Version' },
  UNSUPPORTED_VERSION: { ...definition, meaning: 'the definition\'s Version is not the one the SageMaker SDK writes' },
  DEFINITION_TOO_LARGE: { ...definition, meaning: 'the definition is larger than CreatePipeline accepts (1,048,576 characters)' },
  CONDITION_NESTING_TOO_DEEP: { ...definition, meaning: 'Condition steps are nested more than 100 deep' },
  VALUE_TOO_DEEP: { ...definition, meaning: 'a value nests lists and objects more than 100 levels deep' },
  MALFORMED_DEFINITION: { ...definition, meaning: 'a top-level field has the wrong JSON type' },
  MISSING_STEPS: { ...definition, meaning: 'the definition has no Steps' },
  INVALID_EXPERIMENT_CONFIG: { ...definition, meaning: 'PipelineExperimentConfig uses a value not known when the execution starts' },

  // Parameters
  MALFORMED_PARAMETER: { ...definition, meaning: 'a parameter declaration is not an object with a Name' },
  INVALID_PARAMETER_NAME: { ...definition, meaning: 'a parameter name is not allowed' },
  DUPLICATE_PARAMETER: { ...definition, meaning: 'a parameter is declared twice' },
  UNKNOWN_PARAMETER_TYPE: { ...definition, meaning: 'a parameter has no Type or one SageMaker does not know' },
  INVALID_DEFAULT_VALUE: { ...definition, meaning: 'a parameter\'s DefaultValue does not fit its Type' },
  INVALID_ENUM_VALUES: { ...definition, meaning: 'a parameter\'s EnumValues are not a list of values of its Type' },
  DEFAULT_NOT_IN_ENUM: { ...definition, meaning: 'a parameter\'s DefaultValue is not one of its EnumValues' },

  // Steps
  MALFORMED_STEP: { ...definition, meaning: 'a step is not an object' },
  MISSING_STEP_NAME: { ...definition, meaning: 'a step has no Name' },
  INVALID_STEP_NAME: { ...definition, meaning: 'a step name is not allowed' },
  DUPLICATE_STEP_NAME: { ...definition, meaning: 'two steps have the same Name' },
  MISSING_STEP_TYPE: { ...definition, meaning: 'a step has no Type' },
  UNKNOWN_STEP_TYPE: { ...definition, meaning: 'a step\'s Type is not a SageMaker step type' },
  MISSING_ARGUMENTS: { ...definition, meaning: 'a step has no Arguments' },
  MISSING_FIELD: { ...definition, meaning: 'a step lacks a field its type needs' },
  MALFORMED_CONDITION_STEP: { ...definition, meaning: 'a Condition step\'s Arguments are not well formed' },
  MALFORMED_DEPENDS_ON: { ...definition, meaning: 'DependsOn is not a list of step names' },
  SELF_DEPENDENCY: { ...definition, meaning: 'a step depends on itself' },
  UNKNOWN_DEPENDENCY: { ...definition, meaning: 'DependsOn names a step the pipeline does not have' },
  CYCLE: { ...definition, meaning: 'the steps depend on each other in a cycle' },
  INVALID_CACHE_CONFIG: { ...definition, meaning: 'a step\'s CacheConfig is not valid' },
  INVALID_EXPIRE_AFTER: { ...definition, meaning: 'CacheConfig.ExpireAfter is not an ISO 8601 duration' },
  RETRY_NOT_SUPPORTED: { ...definition, meaning: 'the step type takes no RetryPolicies' },
  INVALID_RETRY_POLICY: { ...definition, meaning: 'a retry policy is not valid' },
  UNKNOWN_EXCEPTION_TYPE: { ...definition, meaning: 'a retry policy names an exception type SageMaker does not know' },
  PROPERTY_FILES_NOT_SUPPORTED: { ...definition, meaning: 'the step type takes no PropertyFiles' },
  INVALID_PROPERTY_FILE: { ...definition, meaning: 'a property file declaration is not valid' },
  DUPLICATE_PROPERTY_FILE: { ...definition, meaning: 'two property files have the same name' },
  UNKNOWN_PROCESSING_OUTPUT: { ...definition, meaning: 'a reference names a processing output the step does not have' },
  OUTPUT_PARAMETERS_NOT_SUPPORTED: { ...definition, meaning: 'the step type takes no OutputParameters' },
  INVALID_OUTPUT_PARAMETER: { ...definition, meaning: 'an output parameter declaration is not valid' },
  DUPLICATE_OUTPUT_PARAMETER: { ...definition, meaning: 'two output parameters have the same name' },

  // Conditions and expressions
  MALFORMED_CONDITION: { ...definition, meaning: 'a condition is not well formed' },
  UNKNOWN_CONDITION_TYPE: { ...definition, meaning: 'a condition\'s Type is not one SageMaker knows' },
  LEGACY_NOT_EXPRESSION: { ...definition, severity: 'warning', meaning: 'a Not condition is written with "Expression", which SageMaker refuses' },
  MALFORMED_GET: { ...definition, meaning: 'a Get is not a string' },
  MALFORMED_REFERENCE: { ...definition, meaning: 'a Get reference is not well formed' },
  MALFORMED_JOIN: { ...definition, meaning: 'a Std:Join is not well formed' },
  MALFORMED_JSONGET: { ...definition, meaning: 'a Std:JsonGet is not well formed' },
  INVALID_JSON_PATH: { ...definition, meaning: 'a Std:JsonGet path is not valid' },
  UNKNOWN_FUNCTION: { ...definition, meaning: 'an expression uses a function SageMaker does not know' },
  UNKNOWN_PARAMETER: { ...definition, meaning: 'a reference (or, at preflight, a given value) names a parameter the pipeline does not declare' },
  UNKNOWN_STEP_REFERENCE: { ...definition, meaning: 'a reference names a step the pipeline does not have' },
  SELF_REFERENCE: { ...definition, meaning: 'a step reads its own properties' },
  UNKNOWN_PROPERTY: { ...definition, meaning: 'a reference names a property the step type does not have' },
  UNKNOWN_PROPERTY_FILE: { ...definition, meaning: 'Std:JsonGet names a property file no step declares' },
  UNKNOWN_OUTPUT_PARAMETER: { ...definition, meaning: 'a reference names an output parameter the step does not declare' },

  // Preflight: would the run start here?
  STEP_TYPE_NOT_LOCAL: { ...preflight, meaning: 'a step type runs only in SageMaker; stub it' },
  LAMBDA_NOT_MAPPED: { ...preflight, meaning: 'a Lambda step\'s function has no local handler' },
  PARAMETER_WITHOUT_VALUE: { ...preflight, meaning: 'a parameter has no default and no value is given' },
  INVALID_PARAMETER: { ...preflight, meaning: 'a parameter value does not fit its declared type' },
  DOCKER_UNAVAILABLE: { ...preflight, audience: 'environment', meaning: 'the Docker engine does not answer and a step needs it' },
  IMAGE_NOT_MAPPED: { ...preflight, meaning: 'a step\'s image URI has no local image mapped to it' },
  IMAGE_NOT_FOUND: { ...preflight, meaning: 'the local image a step needs is not built or pulled' },
  S3_INPUT_NOT_FOUND: { ...preflight, meaning: 'a step input\'s S3 URI holds no object' },
} as const satisfies Readonly<Record<string, ProblemCodeInfo>>;

export type ProblemCode = keyof typeof PROBLEM_CODES;
