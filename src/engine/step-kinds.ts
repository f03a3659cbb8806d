// The step-kind table: what sagesim knows about each step type, in one place keyed by every
// StepType, so a new type does not compile until each fact about it is decided. Who runs a type
// is the other half of the table: steps/step-executors.ts (an executor per runnable type), and
// control-steps.ts for the types the scheduler runs itself. A type's properties (what
// `Steps.<S>.*` may read) are in property-schema.ts, an exhaustive switch over the same types.
import type { StepType } from './definition-types.js';

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
}

const JOB = { control: false, runsLocally: true, retryable: true, reproducible: false, stubbable: true } as const;
const NOT_LOCAL = { ...JOB, runsLocally: false, container: false, image: 'none' } as const;
const CHECK_CACHE_KEY = ['Arguments', 'CheckType', 'SkipCheck', 'RegisterNewBaseline', 'ModelPackageGroupName', 'SuppliedBaselineConstraints'];

export const STEP_KINDS = {
  Processing: { ...JOB, container: true, image: 'arguments', reproducible: true, cacheKey: ['AppSpecification', 'Environment', 'ProcessingInputs'] },
  Training: {
    ...JOB,
    container: true,
    image: 'arguments',
    reproducible: true,
    cacheKey: ['AlgorithmSpecification', 'CheckpointConfig', 'DebugHookConfig', 'DebugRuleConfigurations', 'Environment', 'HyperParameters', 'InputDataConfig'],
  },
  Transform: { ...JOB, container: true, image: 'model', reproducible: true, cacheKey: ['DataProcessing', 'Environment', 'ModelName', 'TransformInput'] },
  Tuning: {
    ...JOB,
    container: true,
    image: 'arguments',
    cacheKey: ['HyperParameterTuningJobConfig', 'TrainingJobDefinition', 'TrainingJobDefinitions'],
    // Tuning and AutoML jobs retry internal errors inside the job; SageMaker documents that their retry policies ignore this type.
    retryIgnores: ['SageMaker.JOB_INTERNAL_ERROR'],
  },
  Model: { ...JOB, container: false, image: 'none' },
  RegisterModel: { ...JOB, container: false, image: 'none' },
  // The image of a Lambda comes from the configuration's lambdas, not the step.
  Lambda: { ...JOB, container: true, image: 'none', retryable: false },
  Callback: { ...JOB, container: false, image: 'none', retryable: false },
  Condition: { control: true, runsLocally: true, container: false, image: 'none', retryable: false, reproducible: false, stubbable: false },
  Fail: { control: true, runsLocally: true, container: false, image: 'none', retryable: false, reproducible: false, stubbable: false },
  EMR: { ...NOT_LOCAL, cacheKey: ['ClusterId', 'StepConfig'] },
  // The check steps' ClarifyCheckConfig / QualityCheckConfig and CheckJobConfig are what the SDK
  // compiles into the step's processing-job Arguments, so the whole Arguments count for them.
  QualityCheck: { ...NOT_LOCAL, cacheKey: [...CHECK_CACHE_KEY, 'SuppliedBaselineStatistics'] },
  ClarifyCheck: { ...NOT_LOCAL, cacheKey: CHECK_CACHE_KEY },
  AutoML: { ...NOT_LOCAL, cacheKey: ['AutoMLJobConfig', 'AutoMLJobObjective', 'InputDataConfig', 'ProblemType'], retryIgnores: ['SageMaker.JOB_INTERNAL_ERROR'] },
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
