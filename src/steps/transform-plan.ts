// The plan of a transform job (CreateTransformJob arguments and the model it names): its settings,
// its Describe properties, and the serving container (image, environment, model data) that answers
// /invocations, as a JobPlan for the job runner. Pure: the runner stages the model and starts the
// container; the serve phase (serve-phase.ts) pings it and the executor sends the records.
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import { SagesimError } from '../errors.js';
import type { ModelContainer, ModelRecord } from '../mock-aws/model-store.js';
import { ArgumentReader } from './job-arguments.js';
import { resolveJobImage } from './job-container.js';
import type { JobPlan, JobPlanFacts } from './job-plan.js';
import { batchStrategyEnv } from './transform-batching.js';
import { type TransformSettings, describeTransformJob, readTransformSettings } from './transform-settings.js';

export interface TransformPlan {
  readonly jobName: string;
  readonly arn: string;
  readonly settings: TransformSettings;
  /** DescribeTransformJob as the job starts (status InProgress). */
  readonly described: JsonObject;
}

/** The container that serves the model, started with `serve`. */
export interface ServingContainerPlan {
  readonly imageUri: string;
  readonly localImage: string;
  /** Downloaded (and a model.tar.gz extracted) into the folder mounted at /opt/ml/model. */
  readonly modelDataUrl?: string;
  /** The model's Environment, then the step's. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Variables SageMaker sets for a batch transform, which neither can override (with
   * SAGEMAKER_BIND_TO_PORT, added once a free port is found).
   */
  readonly jobVariables: Readonly<Record<string, string>>;
}

/** The ARN of a step's transform job (known before its arguments are read). */
export function transformJobArn(facts: Pick<JobPlanFacts, 'execution' | 'jobName'>): string {
  return sagemakerArn(facts.execution, 'transform-job', facts.jobName);
}

/** Plans a transform job; a bad argument throws a user SagesimError (INVALID_ARGUMENTS). */
export function planTransformJob(argumentsValue: JsonObject, facts: Pick<JobPlanFacts, 'stepName' | 'jobName' | 'execution'>, startTime: Date): TransformPlan {
  const arn = transformJobArn(facts);
  const settings = readTransformSettings(new ArgumentReader(facts.stepName, argumentsValue));
  return { jobName: facts.jobName, arn, settings, described: describeTransformJob(argumentsValue, settings, facts.jobName, arn, startTime) };
}

/** The serving container of the model the job names; a model that cannot serve locally is a user error. */
export function planServingContainer(plan: TransformPlan, model: ModelRecord, facts: Pick<JobPlanFacts, 'stepName' | 'resolveImage'>): ServingContainerPlan {
  const { settings } = plan;
  const container = servingContainer(model.PrimaryContainer, model.Containers, settings.modelName);
  const imageUri = container.Image;
  if (typeof imageUri !== 'string') {
    throw new SagesimError('TRANSFORM_UNSUPPORTED', `model ${settings.modelName} has no container Image (a ModelPackageName container)`, {
      source: 'user',
      hint: 'give the model an Image and ModelDataUrl',
    });
  }
  const image = resolveJobImage(facts, facts.stepName, imageUri);
  return {
    imageUri,
    localImage: image.localTag,
    ...(container.ModelDataUrl === undefined ? {} : { modelDataUrl: container.ModelDataUrl }),
    environment: { ...(container.Environment ?? {}), ...settings.environment },
    jobVariables: {
      SAGEMAKER_BATCH: 'true',
      SAGEMAKER_MAX_PAYLOAD_IN_MB: String(settings.maxPayloadMB),
      SAGEMAKER_BATCH_STRATEGY: batchStrategyEnv(settings.strategy),
      SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(settings.maxConcurrent),
    },
  };
}

/** Where the model is mounted in the serving container, and staged on the host (relative to the job's folder). */
const MODEL_MOUNT = { hostPath: 'model', containerPath: '/opt/ml/model' } as const;

/** The job the runner carries out: the model staged and mounted, the container started with `serve`. */
export function transformJobPlan(plan: TransformPlan, serving: ServingContainerPlan): JobPlan {
  return {
    jobName: plan.jobName,
    arn: plan.arn,
    metadata: { TransformJob: { Arn: plan.arn } },
    imageUri: serving.imageUri,
    localImage: serving.localImage,
    ...(plan.settings.instanceType === undefined ? {} : { instanceType: plan.settings.instanceType }),
    warnings: [],
    folder: '',
    folders: [],
    mounts: [MODEL_MOUNT],
    configFiles: [],
    inputs: [],
    ...(serving.modelDataUrl === undefined ? {} : { modelArtifacts: { s3Uri: serving.modelDataUrl, hostPath: MODEL_MOUNT.hostPath } }),
    // Each object's predictions are uploaded as soon as they are written, while the model serves.
    outputs: [],
    container: {
      command: ['serve'],
      environment: serving.environment,
      jobVariables: serving.jobVariables,
      // The cloud reaches the model even under network isolation; here only host networking can.
      networkIsolation: false,
      pipWheels: false,
      gpuEnvironment: false,
    },
    metricDefinitions: [],
    messageFiles: [],
    readMessage: 'on-failure',
    describe: (facts, end) => ({
      ...plan.described,
      TransformJobStatus: end.status,
      ...(end.status === 'Failed' ? { FailureReason: end.reason } : {}),
      TransformEndTime: facts.endTime.toISOString(),
    }),
  };
}

function servingContainer(primary: ModelContainer | undefined, containers: readonly ModelContainer[] | undefined, modelName: string): ModelContainer {
  if (primary) return primary;
  if (containers?.length === 1 && containers[0]) return containers[0];
  throw new SagesimError('TRANSFORM_UNSUPPORTED', `model ${modelName} is an inference pipeline of ${containers?.length ?? 0} containers, which does not run locally`, {
    source: 'user',
    hint: 'give the model one container (PrimaryContainer), or stub the step with --stub <step>',
  });
}
