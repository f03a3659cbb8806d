// The plan of a tuning job (CreateHyperParameterTuningJob arguments): the objective, the
// hyperparameter values of each training job (Random sampled with a seed, or the Grid enumerated),
// how many run at once, and the CreateTrainingJob arguments of each. Pure: the Tuning executor runs
// each training job through training-plan.ts and job-runner.ts.
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import { StepFailure, type Warning } from '../errors.js';
import { ArgumentReader } from './job-arguments.js';
import { resolveJobImage, unsupported } from './job-container.js';
import type { JobPlanFacts } from './job-plan.js';
import { mergeMetricDefinitions } from './metrics.js';
import {
  gridCombinations,
  sampleRandom,
  seededRandom,
  seedFromText,
  TuningRangeError,
  validateRanges,
  type NumericRange,
  type ObjectiveType,
  type ParameterRanges,
  type ScalingType,
  type TunedValues,
} from './tuning-search.js';

/** Tuning job names hold at most 32 characters. */
const TUNING_NAME_MAX = 32;

export interface TuningObjective {
  readonly type: ObjectiveType;
  readonly metricName: string;
}

export interface TuningPlan {
  /** The step's job name cut to the 32 characters a tuning job name may hold. */
  readonly tuningName: string;
  readonly arn: string;
  readonly objective: TuningObjective;
  /** HyperParameterTuningJobConfig as DescribeHyperParameterTuningJob shows it (Strategy filled in). */
  readonly config: JsonObject;
  /** The tuned values of each training job, in launch order. */
  readonly trials: readonly TunedValues[];
  readonly maxParallel: number;
  /** Warnings to show before the jobs run (strategy run as Random, early stopping ignored). */
  readonly warnings: readonly Warning[];
  /** CreateTrainingJob arguments of the training job with these tuned values. */
  trainingArguments(tuned: TunedValues): JsonObject;
}

/** The tuning job name of a step's job name. */
export function tuningJobName(jobName: string): string {
  return jobName.slice(0, TUNING_NAME_MAX).replace(/-+$/, '');
}

/** Plans a tuning job; throws StepFailure (source user) for arguments that cannot run. */
export function planTuningJob(argumentsValue: JsonObject, facts: JobPlanFacts): TuningPlan {
  const { stepName } = facts;
  const args = new ArgumentReader(stepName, argumentsValue);
  const tuningName = tuningJobName(facts.jobName);
  const config = args.object('HyperParameterTuningJobConfig');
  const definition = trainingDefinition(stepName, args);
  const objective = tuningObjective(stepName, config.has('HyperParameterTuningJobObjective') ? config.object('HyperParameterTuningJobObjective') : definition.object('TuningObjective'));
  checkObjectiveIsMeasured(facts, definition, objective);
  const ranges = parameterRanges(stepName, config.has('ParameterRanges') ? config.object('ParameterRanges') : definition.object('HyperParameterRanges'));
  const limits = config.object('ResourceLimits');
  const strategy = config.optionalString('Strategy') ?? 'Bayesian';
  const seed = config.optionalNumber('RandomSeed') ?? seedFromText(JSON.stringify({ ranges: config.value['ParameterRanges'] ?? null, strategy }));
  const warnings: Warning[] = [];
  const trials = tuningTrials(stepName, ranges, strategy, seed, limits.optionalNumber('MaxNumberOfTrainingJobs'), warnings);
  if (config.optionalString('TrainingJobEarlyStoppingType') === 'Auto') {
    warnings.push({ code: 'EARLY_STOPPING_IGNORED', message: `step "${stepName}": TrainingJobEarlyStoppingType Auto is ignored locally; every training job runs to its end` });
  }
  const staticHyperParameters = definition.stringMap('StaticHyperParameters');
  const resourceConfig = trainingResourceConfig(definition);
  const {
    StaticHyperParameters: _static,
    HyperParameterRanges: _ranges,
    TuningObjective: _objective,
    DefinitionName: _name,
    HyperParameterTuningResourceConfig: _resources,
    ...trainingFields
  } = definition.value;
  return {
    tuningName,
    arn: sagemakerArn(facts.execution, 'hyper-parameter-tuning-job', tuningName),
    objective,
    config: { ...config.value, Strategy: strategy },
    trials,
    maxParallel: Math.max(1, limits.optionalNumber('MaxParallelTrainingJobs') ?? 1),
    warnings,
    trainingArguments: (tuned) => ({ ...trainingFields, ...(resourceConfig ? { ResourceConfig: resourceConfig } : {}), HyperParameters: { ...staticHyperParameters, ...tuned } }),
  };
}

function tuningObjective(stepName: string, reader: ArgumentReader): TuningObjective {
  const type = reader.string('Type');
  if (type !== 'Minimize' && type !== 'Maximize') throw invalid(stepName, `HyperParameterTuningJobObjective.Type must be Minimize or Maximize, got ${type}`);
  return { type, metricName: reader.string('MetricName') };
}

/** The objective must be among the metric definitions of the training image (the definition's or its built-in ones). */
function checkObjectiveIsMeasured(facts: JobPlanFacts, definition: ArgumentReader, objective: TuningObjective): void {
  const algorithm = definition.object('AlgorithmSpecification');
  const image = resolveJobImage(facts, facts.stepName, algorithm.string('TrainingImage'));
  const userDefinitions = algorithm.objects('MetricDefinitions').map((d) => ({ Name: d.string('Name'), Regex: d.string('Regex') }));
  const definitions = mergeMetricDefinitions(userDefinitions, image.builtin?.metricDefinitions ?? []);
  if (!definitions.some((d) => d.Name === objective.metricName)) {
    const known = definitions.map((d) => d.Name).join(', ') || 'none';
    throw invalid(
      facts.stepName,
      `the objective metric ${objective.metricName} is not among the metric definitions of the training image (defined: ${known}); add it to AlgorithmSpecification.MetricDefinitions`,
    );
  }
}

/** The tuned values of each training job; Bayesian and Hyperband run as Random, and say so. */
function tuningTrials(stepName: string, ranges: ParameterRanges, strategy: string, seed: number, maxJobs: number | undefined, warnings: Warning[]): TunedValues[] {
  try {
    validateRanges(ranges);
    switch (strategy) {
      case 'Grid':
        return gridCombinations(ranges, maxJobs);
      case 'Bayesian':
      case 'Hyperband':
        warnings.push({ code: 'TUNING_STRATEGY_AS_RANDOM', message: `step "${stepName}": the ${strategy} tuning strategy runs as Random locally (seed ${seed})` });
        return sampleRandom(ranges, maxJobs ?? 1, seededRandom(seed));
      case 'Random':
        return sampleRandom(ranges, maxJobs ?? 1, seededRandom(seed));
      default:
        throw new TuningRangeError(`Strategy must be Bayesian, Random, Hyperband or Grid, got ${strategy}`);
    }
  } catch (error) {
    if (error instanceof TuningRangeError) throw invalid(stepName, error.message);
    throw error;
  }
}

/**
 * The ResourceConfig of the tuning job's training jobs. A definition may give
 * HyperParameterTuningResourceConfig instead: its InstanceType, or with InstanceConfigs the first
 * one (the cloud tries them in that order), so each training job still knows its instance type
 * (resourceconfig.json, the container's memory).
 */
function trainingResourceConfig(definition: ArgumentReader): JsonObject | undefined {
  if (definition.has('ResourceConfig') || !definition.has('HyperParameterTuningResourceConfig')) return undefined;
  const tuning = definition.object('HyperParameterTuningResourceConfig');
  const source = tuning.objects('InstanceConfigs')[0] ?? tuning;
  const out: JsonObject = {};
  for (const key of ['InstanceType', 'InstanceCount', 'VolumeSizeInGB'] as const) {
    const value = source.value[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  const kmsKey = tuning.value['VolumeKmsKeyId'];
  if (kmsKey !== undefined && kmsKey !== null) out['VolumeKmsKeyId'] = kmsKey;
  return out;
}

function trainingDefinition(stepName: string, args: ArgumentReader): ArgumentReader {
  if (args.has('TrainingJobDefinition')) return args.object('TrainingJobDefinition');
  const definitions = args.objects('TrainingJobDefinitions');
  const [only] = definitions;
  if (definitions.length === 1 && only) return only;
  if (definitions.length > 1) {
    throw unsupported(stepName, 'a tuning job over several training job definitions', 'Tune one TrainingJobDefinition per Tuning step.');
  }
  throw invalid(stepName, 'TrainingJobDefinition is required');
}

function parameterRanges(stepName: string, reader: ArgumentReader): ParameterRanges {
  const numeric = (key: string, isInteger: boolean): NumericRange[] =>
    reader.objects(key).map((range) => {
      const parse = (field: string): number => {
        const value = Number(range.string(field));
        if (!Number.isFinite(value)) throw new TuningRangeError(`${range.string('Name')}: ${field} must be a number`);
        return isInteger ? Math.round(value) : value;
      };
      const scaling = (range.optionalString('ScalingType') ?? 'Auto') as ScalingType;
      if (!['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'].includes(scaling)) {
        throw new TuningRangeError(`${range.string('Name')}: ScalingType must be Auto, Linear, Logarithmic or ReverseLogarithmic`);
      }
      return { name: range.string('Name'), min: parse('MinValue'), max: parse('MaxValue'), scaling };
    });
  try {
    return {
      integer: numeric('IntegerParameterRanges', true),
      continuous: numeric('ContinuousParameterRanges', false),
      categorical: reader.objects('CategoricalParameterRanges').map((range) => ({ name: range.string('Name'), values: range.optionalStrings('Values') ?? [] })),
    };
  } catch (error) {
    if (error instanceof TuningRangeError) throw invalid(stepName, error.message);
    throw error;
  }
}

function invalid(stepName: string, message: string): StepFailure {
  return new StepFailure(`ValidationException: step "${stepName}": ${message}`, { code: 'INVALID_STEP_ARGUMENTS', source: 'user' });
}
