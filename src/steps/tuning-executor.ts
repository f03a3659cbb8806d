// Tuning steps (CreateHyperParameterTuningJob): hyperparameter values sampled (Random, seeded) or
// enumerated (Grid), each a real training job named `<tuning job>-<nnn>-<8 hex>` run through the
// Training executor's core, MaxParallelTrainingJobs at a time; properties shaped like
// DescribeHyperParameterTuningJob, with TrainingJobSummaries best first.
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../engine/json.js';
import { sagemakerArn } from '../engine/identity.js';
import { StepFailure, StoppedError } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { ArgumentReader } from './job-arguments.js';
import { jobContextOf, resolveJobImage, unsupported, type JobDeps } from './job-container.js';
import { mergeMetricDefinitions } from './metrics.js';
import { runTrainingJob, type TrainingJobOutcome } from './training-executor.js';
import {
  gridCombinations,
  rankByObjective,
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

interface TrialResult {
  readonly index: number;
  readonly name: string;
  readonly tuned: TunedValues;
  readonly objective?: number;
  readonly outcome?: TrainingJobOutcome;
  readonly failure?: StepFailure;
  readonly creationTime: string;
  readonly endTime: string;
}

export class TuningExecutor implements StepExecutor {
  readonly stepType = 'Tuning' as const;

  constructor(private readonly deps: JobDeps) {}

  async execute(context: StepContext): Promise<StepResult> {
    const { deps } = this;
    const stepName = context.step.Name;
    const job = jobContextOf(context);
    const args = new ArgumentReader(stepName, context.arguments);
    const tuningName = context.jobName.slice(0, TUNING_NAME_MAX).replace(/-+$/, '');
    const arn = sagemakerArn(context.execution, 'hyper-parameter-tuning-job', tuningName);
    context.reportMetadata?.({ TuningJob: { Arn: arn } });
    const creationTime = deps.now().toISOString();

    const config = args.object('HyperParameterTuningJobConfig');
    const definition = trainingDefinition(stepName, args);
    const objectiveReader = config.has('HyperParameterTuningJobObjective') ? config.object('HyperParameterTuningJobObjective') : definition.object('TuningObjective');
    const objectiveType = objectiveReader.string('Type');
    if (objectiveType !== 'Minimize' && objectiveType !== 'Maximize') throw invalid(stepName, `HyperParameterTuningJobObjective.Type must be Minimize or Maximize, got ${objectiveType}`);
    const objective = { type: objectiveType as ObjectiveType, metricName: objectiveReader.string('MetricName') };

    const algorithm = definition.object('AlgorithmSpecification');
    const image = resolveJobImage(deps, stepName, algorithm.string('TrainingImage'));
    const userDefinitions = algorithm.objects('MetricDefinitions').map((d) => ({ Name: d.string('Name'), Regex: d.string('Regex') }));
    const definitions = mergeMetricDefinitions(userDefinitions, image.builtin?.metricDefinitions ?? []);
    if (!definitions.some((d) => d.Name === objective.metricName)) {
      const known = definitions.map((d) => d.Name).join(', ') || 'none';
      throw invalid(stepName, `the objective metric ${objective.metricName} is not among the metric definitions of the training image (defined: ${known}); add it to AlgorithmSpecification.MetricDefinitions`);
    }

    const ranges = parameterRanges(stepName, config.has('ParameterRanges') ? config.object('ParameterRanges') : definition.object('HyperParameterRanges'));
    const limits = config.object('ResourceLimits');
    const maxJobs = limits.optionalNumber('MaxNumberOfTrainingJobs');
    const maxParallel = Math.max(1, limits.optionalNumber('MaxParallelTrainingJobs') ?? 1);
    const strategy = config.optionalString('Strategy') ?? 'Bayesian';
    const seed = config.optionalNumber('RandomSeed') ?? seedFromText(JSON.stringify({ ranges: config.value['ParameterRanges'] ?? null, strategy }));

    let trials: TunedValues[];
    try {
      validateRanges(ranges);
      switch (strategy) {
        case 'Grid':
          trials = gridCombinations(ranges, maxJobs);
          break;
        case 'Bayesian':
        case 'Hyperband':
          context.warn(`step "${stepName}": the ${strategy} tuning strategy runs as Random locally (seed ${seed})`);
          trials = sampleRandom(ranges, maxJobs ?? 1, seededRandom(seed));
          break;
        case 'Random':
          trials = sampleRandom(ranges, maxJobs ?? 1, seededRandom(seed));
          break;
        default:
          throw new TuningRangeError(`Strategy must be Bayesian, Random, Hyperband or Grid, got ${strategy}`);
      }
    } catch (error) {
      if (error instanceof TuningRangeError) throw invalid(stepName, error.message);
      throw error;
    }
    if (config.optionalString('TrainingJobEarlyStoppingType') === 'Auto') {
      context.warn(`step "${stepName}": TrainingJobEarlyStoppingType Auto is ignored locally; every training job runs to its end`);
    }

    const staticHyperParameters = definition.stringMap('StaticHyperParameters');
    const resourceConfig = trainingResourceConfig(definition);
    const trainingArguments = (tuned: TunedValues): JsonObject => {
      const {
        StaticHyperParameters: _static,
        HyperParameterRanges: _ranges,
        TuningObjective: _objective,
        DefinitionName: _name,
        HyperParameterTuningResourceConfig: _resources,
        ...rest
      } = definition.value;
      return { ...rest, ...(resourceConfig ? { ResourceConfig: resourceConfig } : {}), HyperParameters: { ...staticHyperParameters, ...tuned } };
    };

    const results = await runPool(trials, maxParallel, context.signal, async (tuned, index): Promise<TrialResult> => {
      const name = trainingJobName(tuningName, index);
      const trialCreation = deps.now().toISOString();
      try {
        const outcome = await runTrainingJob(deps, job, name, trainingArguments(tuned), {
          extraProperties: { TuningJobArn: arn },
          logPrefix: `[${name}] `,
        });
        const metric = outcome.finalMetrics.find((m) => m.MetricName === objective.metricName);
        return { index, name, tuned, outcome, creationTime: trialCreation, endTime: deps.now().toISOString(), ...(metric ? { objective: metric.Value } : {}) };
      } catch (error) {
        if (error instanceof StoppedError || context.signal.aborted) throw error instanceof StoppedError ? error : new StoppedError();
        if (!(error instanceof StepFailure)) throw error;
        return { index, name, tuned, failure: error, creationTime: trialCreation, endTime: deps.now().toISOString() };
      }
    });

    const ranked = rankByObjective(results, objective.type);
    const summaries = ranked.map((result) => summary(result, tuningName, context, objective));
    const completed = results.filter((r) => r.outcome !== undefined).length;
    const retryable = results.filter((r) => r.failure?.exceptionType !== undefined).length;
    const failed = results.filter((r) => r.failure !== undefined).length;
    const scored = results.filter((r) => r.objective !== undefined).length;
    const endTime = deps.now().toISOString();
    const best = summaries[0];
    const properties: JsonObject = {
      ...context.arguments,
      HyperParameterTuningJobName: tuningName,
      HyperParameterTuningJobArn: arn,
      HyperParameterTuningJobConfig: { ...config.value, Strategy: strategy },
      HyperParameterTuningJobStatus: scored > 0 ? 'Completed' : 'Failed',
      CreationTime: creationTime,
      HyperParameterTuningEndTime: endTime,
      LastModifiedTime: endTime,
      TrainingJobStatusCounters: { Completed: completed, InProgress: 0, RetryableError: retryable, NonRetryableError: failed - retryable, Stopped: 0 },
      ObjectiveStatusCounters: { Succeeded: scored, Pending: 0, Failed: results.length - scored },
      TrainingJobSummaries: summaries,
    };
    const metadata = { TuningJob: { Arn: arn } };
    if (scored === 0 || best === undefined) {
      const firstFailure = results.find((r) => r.failure !== undefined)?.failure;
      const reason =
        firstFailure !== undefined
          ? `No training job of tuning job ${tuningName} succeeded (${failed} of ${results.length} failed). The first failure, ${results.find((r) => r.failure)?.name}:\n${firstFailure.message}`
          : `No training job of tuning job ${tuningName} reported the objective metric ${objective.metricName}: check that its Regex matches the training log (a TAB is matched as #011)`;
      const allRetryable = results.length > 0 && results.every((r) => r.failure?.exceptionType !== undefined);
      throw new StepFailure(reason, {
        code: 'TUNING_FAILED',
        source: firstFailure?.source ?? 'container',
        ...(allRetryable && firstFailure?.exceptionType !== undefined ? { exceptionType: firstFailure.exceptionType } : {}),
        metadata,
        properties: { ...properties, FailureReason: reason },
      });
    }
    return { properties: { ...properties, BestTrainingJob: best }, metadata };
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

/** `<tuning job name>-<nnn>-<8 hex>`, as the cloud names a tuning job's training jobs. */
export function trainingJobName(tuningName: string, index: number): string {
  return `${tuningName}-${String(index + 1).padStart(3, '0')}-${randomBytes(4).toString('hex')}`;
}

function summary(result: TrialResult, tuningName: string, context: StepContext, objective: { type: ObjectiveType; metricName: string }): JsonObject {
  const properties = result.outcome?.properties ?? result.failure?.properties ?? {};
  const out: JsonObject = {
    TrainingJobName: result.name,
    TrainingJobArn: sagemakerArn(context.execution, 'training-job', result.name),
    TuningJobName: tuningName,
    CreationTime: result.creationTime,
    TrainingStartTime: typeof properties['TrainingStartTime'] === 'string' ? properties['TrainingStartTime'] : result.creationTime,
    TrainingEndTime: typeof properties['TrainingEndTime'] === 'string' ? properties['TrainingEndTime'] : result.endTime,
    TrainingJobStatus: result.outcome ? 'Completed' : typeof properties['TrainingJobStatus'] === 'string' ? properties['TrainingJobStatus'] : 'Failed',
    TunedHyperParameters: result.tuned,
    ObjectiveStatus: result.objective !== undefined ? 'Succeeded' : 'Failed',
  };
  if (result.objective !== undefined) {
    out['FinalHyperParameterTuningJobObjectiveMetric'] = { Type: objective.type, MetricName: objective.metricName, Value: result.objective };
  }
  if (result.failure) out['FailureReason'] = result.failure.message;
  else if (result.objective === undefined) out['FailureReason'] = `the objective metric ${objective.metricName} was not found in the training log`;
  return out;
}

/** Runs `work` over `items` with at most `limit` at once; a throw (StoppedError) stops launching more. */
async function runPool<T, R>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && !signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (signal.aborted) throw new StoppedError();
  return results;
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
  return new StepFailure(`ValidationException: step "${stepName}": ${message}`, { code: 'INVALID_ARGUMENTS', source: 'user' });
}
