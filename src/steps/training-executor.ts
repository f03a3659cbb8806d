// Training steps (CreateTrainingJob): the arguments planned by training-plan.ts, the plan carried
// out by job-runner.ts. `runTrainingJob` is what the Tuning executor runs once per training job.
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { jobContextOf, type JobContext, type JobDeps } from './job-container.js';
import type { JobOutcome } from './job-plan.js';
import { runJob } from './job-runner.js';
import { planTrainingJob, type TrainingPlanOptions } from './training-plan.js';

export interface TrainingJobOptions extends TrainingPlanOptions {
  /** Prefix of each log line (tuning runs several jobs into one step log). */
  readonly logPrefix?: string;
}

export type TrainingJobOutcome = JobOutcome;

export class TrainingExecutor implements StepExecutor {
  readonly stepType = 'Training' as const;

  constructor(private readonly deps: JobDeps) {}

  async execute(context: StepContext): Promise<StepResult> {
    context.reportMetadata?.({ TrainingJob: { Arn: sagemakerArn(context.execution, 'training-job', context.jobName) } });
    const outcome = await runTrainingJob(this.deps, jobContextOf(context), context.jobName, context.arguments);
    return { properties: outcome.properties, metadata: { TrainingJob: { Arn: outcome.arn } } };
  }
}

/**
 * Runs one training job from CreateTrainingJob arguments. Throws StepFailure (with the Describe
 * properties of the failed job) when the container fails, StoppedError when the signal aborts.
 */
export async function runTrainingJob(
  deps: JobDeps,
  baseContext: JobContext,
  jobName: string,
  argumentsValue: JsonObject,
  options: TrainingJobOptions = {},
): Promise<TrainingJobOutcome> {
  const prefix = options.logPrefix ?? '';
  const context: JobContext = prefix === '' ? baseContext : { ...baseContext, log: (line) => baseContext.log(`${prefix}${line}`) };
  const plan = planTrainingJob(
    argumentsValue,
    { stepName: context.stepName, jobName, execution: context.execution, resolveImage: deps.resolveImage },
    options.extraProperties === undefined ? {} : { extraProperties: options.extraProperties },
  );
  return runJob(deps, context, plan);
}
