// Transform steps (CreateTransformJob): the arguments and the model a Model step recorded are
// planned by transform-plan.ts, and the job runner carries out the plan like any job's: it stages
// the model at /opt/ml/model and runs the container through the serve phase (`serve`, /ping
// awaited, stopped whatever happens), in which every input object is split, batched and POSTed to
// /invocations (transform-invocations.ts); results land at `<S3OutputPath>/<relative key>.out`.
import type { JsonObject } from '../engine/json.js';
import { StepFailure, StoppedError, isSagesimError } from '../errors.js';
import { getModel } from '../mock-aws/model-store.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { type JobDeps, infrastructureFailure, jobContextOf } from './job-container.js';
import { runJob } from './job-runner.js';
import { type ServePhaseOptions, serveAndInvoke } from './serve-phase.js';
import { transformObjects } from './transform-invocations.js';
import { planTransformInputs } from './transform-layout.js';
import { planServingContainer, planTransformJob, transformJobArn, transformJobPlan } from './transform-plan.js';

/** How the serving container is reached and awaited (tests answer without HTTP and pace /ping with a fake clock). */
export type TransformExecutorOptions = ServePhaseOptions;

export class TransformExecutor implements StepExecutor {
  readonly stepType = 'Transform' as const;

  constructor(
    private readonly deps: JobDeps,
    private readonly options: TransformExecutorOptions = {},
  ) {}

  async execute(context: StepContext): Promise<StepResult> {
    const stepName = context.step.Name;
    const facts = { stepName, jobName: context.jobName, execution: context.execution, resolveImage: this.deps.resolveImage };
    const arn = transformJobArn(facts);
    const metadata = { TransformJob: { Arn: arn } };
    context.reportMetadata?.(metadata);
    let described: JsonObject = { TransformJobName: context.jobName, TransformJobArn: arn };
    try {
      const plan = planTransformJob(context.arguments, facts, this.deps.now());
      described = plan.described;
      const job = jobContextOf(context);
      const { settings } = plan;
      const model = await getModel(this.deps.config.home, settings.modelName);
      const serving = planServingContainer(plan, model, facts);
      // Listed before the model is staged, so a bad input fails the step before any container starts.
      const inputs = await planTransformInputs(context.objectStore, settings.inputUri, settings.dataType);
      const phase = serveAndInvoke(this.options, (session) => transformObjects(job, settings, session, inputs));
      const outcome = await runJob(this.deps, job, transformJobPlan(plan, serving), phase);
      return { properties: outcome.properties, metadata };
    } catch (error) {
      if (error instanceof StoppedError || context.signal.aborted) throw error instanceof StoppedError ? error : new StoppedError();
      // Whatever failed (planning, the model, the data, the container), Describe reports the job Failed.
      const failure = asStepFailure(stepName, error);
      throw new StepFailure(failure.message, {
        code: failure.code,
        source: failure.source,
        cause: failure.cause ?? error,
        ...(failure.exceptionType === undefined ? {} : { exceptionType: failure.exceptionType }),
        metadata,
        properties: { ...described, TransformJobStatus: 'Failed', FailureReason: failure.message, TransformEndTime: this.deps.now().toISOString() },
      });
    }
  }
}

/** User errors from the pure modules become step failures naming the step (as ValidationException / ClientError would). */
function asStepFailure(stepName: string, error: unknown): StepFailure {
  if (error instanceof StepFailure) return error;
  if (isSagesimError(error) && error.source === 'user') {
    const prefix = error.code === 'INVALID_STEP_ARGUMENTS' || error.code === 'INVALID_DATA_PROCESSING_PATH' ? 'ValidationException' : 'ClientError';
    return new StepFailure(`${prefix}: step "${stepName}": ${error.message}${error.hint ? ` (${error.hint})` : ''}`, {
      code: error.code,
      source: 'user',
      cause: error,
    });
  }
  return infrastructureFailure(stepName, 'run the transform job', error);
}
