// Tuning steps (CreateHyperParameterTuningJob): planned by tuning-plan.ts, each training job
// (named `<tuning job>-<nnn>-<8 hex>`) run through the Training executor's core, MaxParallelTrainingJobs
// at a time; properties shaped like DescribeHyperParameterTuningJob, with TrainingJobSummaries best first.
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../engine/json.js';
import { sagemakerArn } from '../engine/identity.js';
import { StepFailure, StoppedError } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { jobContextOf, type JobDeps } from './job-container.js';
import { runTrainingJob, type TrainingJobOutcome } from './training-executor.js';
import { planTuningJob, tuningJobName, type TuningObjective, type TuningPlan } from './tuning-plan.js';
import { rankByObjective, type TunedValues } from './tuning-search.js';

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
    context.reportMetadata?.({ TuningJob: { Arn: sagemakerArn(context.execution, 'hyper-parameter-tuning-job', tuningJobName(context.jobName)) } });
    const creationTime = deps.now().toISOString();
    const plan = planTuningJob(context.arguments, { stepName: context.step.Name, jobName: context.jobName, execution: context.execution, resolveImage: deps.resolveImage });
    for (const warning of plan.warnings) context.warn(warning);
    const results = await runPool(plan.trials, plan.maxParallel, context.signal, (tuned, index) => this.runTrial(context, plan, tuned, index));
    return tuningResult(context, plan, results, creationTime, deps.now().toISOString());
  }

  /** One training job of the tuning job; its failure is a result, a stop ends the tuning job. */
  private async runTrial(context: StepContext, plan: TuningPlan, tuned: TunedValues, index: number): Promise<TrialResult> {
    const { deps } = this;
    const name = trainingJobName(plan.tuningName, index);
    const trialCreation = deps.now().toISOString();
    try {
      const outcome = await runTrainingJob(deps, jobContextOf(context), name, plan.trainingArguments(tuned), {
        extraProperties: { TuningJobArn: plan.arn },
        logPrefix: `[${name}] `,
      });
      const metric = outcome.finalMetrics.find((m) => m.MetricName === plan.objective.metricName);
      return { index, name, tuned, outcome, creationTime: trialCreation, endTime: deps.now().toISOString(), ...(metric ? { objective: metric.Value } : {}) };
    } catch (error) {
      if (error instanceof StoppedError || context.signal.aborted) throw error instanceof StoppedError ? error : new StoppedError();
      if (!(error instanceof StepFailure)) throw error;
      return { index, name, tuned, failure: error, creationTime: trialCreation, endTime: deps.now().toISOString() };
    }
  }
}

/** DescribeHyperParameterTuningJob of the finished tuning job; throws when no training job scored. */
function tuningResult(context: StepContext, plan: TuningPlan, results: readonly TrialResult[], creationTime: string, endTime: string): StepResult {
  const { tuningName, objective } = plan;
  const summaries = rankByObjective(results, objective.type).map((result) => summary(result, tuningName, context, objective));
  const completed = results.filter((r) => r.outcome !== undefined).length;
  const retryable = results.filter((r) => r.failure?.exceptionType !== undefined).length;
  const failed = results.filter((r) => r.failure !== undefined).length;
  const scored = results.filter((r) => r.objective !== undefined).length;
  const best = summaries[0];
  const properties: JsonObject = {
    ...context.arguments,
    HyperParameterTuningJobName: tuningName,
    HyperParameterTuningJobArn: plan.arn,
    HyperParameterTuningJobConfig: plan.config,
    HyperParameterTuningJobStatus: scored > 0 ? 'Completed' : 'Failed',
    CreationTime: creationTime,
    HyperParameterTuningEndTime: endTime,
    LastModifiedTime: endTime,
    TrainingJobStatusCounters: { Completed: completed, InProgress: 0, RetryableError: retryable, NonRetryableError: failed - retryable, Stopped: 0 },
    ObjectiveStatusCounters: { Succeeded: scored, Pending: 0, Failed: results.length - scored },
    TrainingJobSummaries: summaries,
  };
  const metadata = { TuningJob: { Arn: plan.arn } };
  if (scored === 0 || best === undefined) throw tuningFailure(plan, results, properties, metadata);
  return { properties: { ...properties, BestTrainingJob: best }, metadata };
}

/** No training job reported the objective: the first failure, or why no metric was found. */
function tuningFailure(plan: TuningPlan, results: readonly TrialResult[], properties: JsonObject, metadata: { TuningJob: { Arn: string } }): StepFailure {
  const first = results.find((r) => r.failure !== undefined);
  const firstFailure = first?.failure;
  const failed = results.filter((r) => r.failure !== undefined).length;
  const reason =
    firstFailure !== undefined
      ? `No training job of tuning job ${plan.tuningName} succeeded (${failed} of ${results.length} failed). The first failure, ${first?.name}:\n${firstFailure.message}`
      : `No training job of tuning job ${plan.tuningName} reported the objective metric ${plan.objective.metricName}: check that its Regex matches the training log (a TAB is matched as #011)`;
  const allRetryable = results.length > 0 && results.every((r) => r.failure?.exceptionType !== undefined);
  return new StepFailure(reason, {
    code: 'TUNING_FAILED',
    source: firstFailure?.source ?? 'container',
    ...(allRetryable && firstFailure?.exceptionType !== undefined ? { exceptionType: firstFailure.exceptionType } : {}),
    metadata,
    properties: { ...properties, FailureReason: reason },
  });
}

/** `<tuning job name>-<nnn>-<8 hex>`, as the cloud names a tuning job's training jobs. */
export function trainingJobName(tuningName: string, index: number): string {
  return `${tuningName}-${String(index + 1).padStart(3, '0')}-${randomBytes(4).toString('hex')}`;
}

function summary(result: TrialResult, tuningName: string, context: StepContext, objective: TuningObjective): JsonObject {
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
