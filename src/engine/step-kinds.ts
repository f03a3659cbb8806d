// The step-kind table: what sagesim knows about each step type, in one place keyed by every
// StepType, so a new type does not compile until each fact about it is decided, its property
// schema included. Who runs a type is the other half of the table: steps/step-executors.ts (an
// executor per runnable type), and control-steps.ts for the types the scheduler runs itself.
// Property schemas name the generated service shapes rather than hold them, so the commands that
// read this table without validating (ls, history) do not load the shapes (property-schema-data.ts).
import type { StepType } from './definition-types.js';
import type { DescribeShapeName } from './property-schema-data.js';
import type { PropertyNode } from './property-schema.js';

/**
 * What `Steps.<S>.<path>` may read (OutputParameters and PropertyFiles are checked separately):
 * the members of `shapes`, merged in order, then `members`.
 */
export interface StepProperties {
  /** The Describe* (or List*) responses the SageMaker Python SDK models the step's properties on. */
  readonly shapes?: readonly DescribeShapeName[];
  /** What the SDK adds to them, or the whole tree where no service shape models it. */
  readonly members?: { readonly [member: string]: PropertyNode };
}

export interface StepKind {
  /** Condition and Fail: the scheduler runs them itself; never stubbed, cached or retried. */
  readonly control: boolean;
  /** Runs locally (false: EMR and managed services; a stub can stand in). */
  readonly runsLocally: boolean;
  /** Its executor starts a container (Docker must be reachable unless it is stubbed). */
  readonly container: boolean;
  /**
   * Where the image of its container comes from: the step's own arguments, the model another
   * step describes (Transform), or none (no container, or an image sagesim chooses).
   */
  readonly image: 'arguments' | 'model' | 'none';
  /**
   * CacheConfig applies: the top-level Arguments (or step fields) whose change makes the step run
   * again, as AWS documents in "Default cache key attributes by pipeline step type". Undefined: not
   * cacheable.
   */
  readonly cacheKey?: readonly string[];
  /** RetryPolicies are allowed. */
  readonly retryable: boolean;
  /** Exception types its retry policies ignore (the job retries them itself). */
  readonly retryIgnores?: readonly string[];
  /** `sagesim reproduce` can run a failed step of this type again in its container. */
  readonly reproducible: boolean;
  /** `--stub` / `--stub-all` can stand in for it. */
  readonly stubbable: boolean;
  /** Its property schema. */
  readonly properties: StepProperties;
}

const JOB = { control: false, runsLocally: true, retryable: true, reproducible: false, stubbable: true } as const;
const NOT_LOCAL = { ...JOB, runsLocally: false, container: false, image: 'none' } as const;
const CONTROL = { control: true, runsLocally: true, container: false, image: 'none', retryable: false, reproducible: false, stubbable: false } as const;
/** A member whose shape is not modelled: any path below it is accepted. */
const OPEN = 1;
const NO_PROPERTIES: StepProperties = {};
const CHECK_CACHE_KEY = ['Arguments', 'CheckType', 'SkipCheck', 'RegisterNewBaseline', 'ModelPackageGroupName', 'SuppliedBaselineConstraints'];

export const STEP_KINDS = {
  Processing: {
    ...JOB,
    container: true,
    image: 'arguments',
    reproducible: true,
    cacheKey: ['AppSpecification', 'Environment', 'ProcessingInputs'],
    properties: { shapes: ['DescribeProcessingJobResponse'] },
  },
  Training: {
    ...JOB,
    container: true,
    image: 'arguments',
    reproducible: true,
    cacheKey: ['AlgorithmSpecification', 'CheckpointConfig', 'DebugHookConfig', 'DebugRuleConfigurations', 'Environment', 'HyperParameters', 'InputDataConfig'],
    properties: { shapes: ['DescribeTrainingJobResponse'] },
  },
  Transform: {
    ...JOB,
    container: true,
    image: 'model',
    reproducible: true,
    cacheKey: ['DataProcessing', 'Environment', 'ModelName', 'TransformInput'],
    properties: { shapes: ['DescribeTransformJobResponse'] },
  },
  Tuning: {
    ...JOB,
    container: true,
    image: 'arguments',
    cacheKey: ['HyperParameterTuningJobConfig', 'TrainingJobDefinition', 'TrainingJobDefinitions'],
    // Tuning and AutoML jobs retry internal errors inside the job; SageMaker documents that their retry policies ignore this type.
    retryIgnores: ['SageMaker.JOB_INTERNAL_ERROR'],
    // The SDK's TuningStep properties: the tuning job, and the training jobs it ran (TrainingJobSummaries).
    properties: { shapes: ['DescribeHyperParameterTuningJobResponse', 'ListTrainingJobsForHyperParameterTuningJobResponse'] },
  },
  Model: { ...JOB, container: false, image: 'none', properties: { shapes: ['DescribeModelOutput'] } },
  RegisterModel: { ...JOB, container: false, image: 'none', properties: { shapes: ['DescribeModelPackageOutput'] } },
  // The image of a Lambda comes from the configuration's lambdas, not the step. Lambda and Callback
  // steps have no properties besides their OutputParameters.
  Lambda: { ...JOB, container: true, image: 'none', retryable: false, properties: NO_PROPERTIES },
  Callback: { ...JOB, container: false, image: 'none', retryable: false, properties: NO_PROPERTIES },
  Condition: { ...CONTROL, properties: { members: { Outcome: 0 } } },
  Fail: { ...CONTROL, properties: NO_PROPERTIES },
  EMR: {
    ...NOT_LOCAL,
    cacheKey: ['ClusterId', 'StepConfig'],
    // EMR's DescribeStep `Step` shape, plus what the SDK adds for cluster-creating steps.
    properties: {
      members: { Id: 0, Name: 0, Config: OPEN, ActionOnFailure: 0, Status: OPEN, ExecutionRoleArn: 0, LogUri: 0, EncryptionKeyArn: 0, ClusterId: 0, ClusterConfig: OPEN },
    },
  },
  // The check steps' ClarifyCheckConfig / QualityCheckConfig and CheckJobConfig are what the SDK
  // compiles into the step's processing-job Arguments, so the whole Arguments count for them.
  QualityCheck: {
    ...NOT_LOCAL,
    cacheKey: [...CHECK_CACHE_KEY, 'SuppliedBaselineStatistics'],
    properties: {
      members: { CalculatedBaselineConstraints: 0, CalculatedBaselineStatistics: 0, BaselineUsedForDriftCheckStatistics: 0, BaselineUsedForDriftCheckConstraints: 0 },
    },
  },
  ClarifyCheck: { ...NOT_LOCAL, cacheKey: CHECK_CACHE_KEY, properties: { members: { CalculatedBaselineConstraints: 0, BaselineUsedForDriftCheckConstraints: 0 } } },
  AutoML: {
    ...NOT_LOCAL,
    cacheKey: ['AutoMLJobConfig', 'AutoMLJobObjective', 'InputDataConfig', 'ProblemType'],
    retryIgnores: ['SageMaker.JOB_INTERNAL_ERROR'],
    properties: { shapes: ['DescribeAutoMLJobResponse'], members: { BestCandidateProperties: { ModelInsightsJsonReportPath: 0, ExplainabilityJsonReportPath: 0 } } },
  },
} as const satisfies { readonly [T in StepType]: StepKind };

/** The kind of a step type. */
export function stepKind(type: StepType): StepKind {
  return STEP_KINDS[type];
}

type Flag = 'control' | 'runsLocally' | 'container' | 'retryable' | 'reproducible' | 'stubbable';

/** The step types whose `flag` is `value`: a type, so code narrowed by it stays exhaustive. */
export type StepTypesWhere<F extends Flag, V extends boolean = true> = {
  [T in StepType]: (typeof STEP_KINDS)[T][F] extends V ? T : never;
}[StepType];

/** Every step type whose `flag` is `value`, in the table's order. */
export function stepTypesWhere<F extends Flag, V extends boolean = true>(flag: F, value: V = true as V): StepTypesWhere<F, V>[] {
  return (Object.keys(STEP_KINDS) as StepType[]).filter((type) => STEP_KINDS[type][flag] === value) as StepTypesWhere<F, V>[];
}
