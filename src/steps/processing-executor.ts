// Processing steps (CreateProcessingJob): the arguments planned by processing-plan.ts, the plan
// carried out by job-runner.ts.
import { sagemakerArn } from '../engine/identity.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { jobContextOf, type JobDeps } from './job-container.js';
import { runJob } from './job-runner.js';
import { planProcessingJob } from './processing-plan.js';

export class ProcessingExecutor implements StepExecutor {
  readonly stepType = 'Processing' as const;

  constructor(private readonly deps: JobDeps) {}

  async execute(context: StepContext): Promise<StepResult> {
    const jobName = context.jobName;
    context.reportMetadata?.({ ProcessingJob: { Arn: sagemakerArn(context.execution, 'processing-job', jobName) } });
    const job = jobContextOf(context);
    const plan = planProcessingJob(context.arguments, { stepName: job.stepName, jobName, execution: context.execution, resolveImage: this.deps.resolveImage });
    const outcome = await runJob(this.deps, job, plan);
    return { properties: outcome.properties, metadata: plan.metadata };
  }
}
