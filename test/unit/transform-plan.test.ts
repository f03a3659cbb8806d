// A transform job's plan from its CreateTransformJob arguments and the model it names, without a
// container: its Describe properties and the serving container, including for the arguments the
// real SageMaker Python SDK 2.230.0 emits.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import { SagesimError } from '../../src/errors.js';
import type { ModelRecord } from '../../src/mock-aws/model-store.js';
import type { JobPlanFacts } from '../../src/steps/job-plan.js';
import { planServingContainer, planTransformJob, transformJobPlan } from '../../src/steps/transform-plan.js';
import { corpusJobSteps } from './support/corpus-job-arguments.js';
import { EXECUTION } from './support/executor-context.js';
import { XGBOOST_URI, testImages } from './support/job-deps.js';

const JOB = 'pipelines-abcdef123456-Predict-Xy12Ab34Cd';
const FACTS: JobPlanFacts = { stepName: 'Predict', jobName: JOB, execution: EXECUTION, resolveImage: testImages };
const START = new Date('2024-05-01T00:00:03Z');

const ARGS: JsonObject = {
  ModelName: 'housing-model',
  TransformInput: { DataSource: { S3DataSource: { S3Uri: 's3://bucket/test/' } }, ContentType: 'text/csv', SplitType: 'Line' },
  TransformOutput: { S3OutputPath: 's3://bucket/predictions', AssembleWith: 'Line' },
  TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
  MaxPayloadInMB: 2,
  BatchStrategy: 'MultiRecord',
  Environment: { FROM_STEP: '1', SHARED: 'step' },
};

function model(overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    ModelName: 'housing-model',
    ModelArn: 'arn:aws:sagemaker:us-east-1:111122223333:model/housing-model',
    CreationTime: '2024-05-01T00:00:00.000Z',
    PrimaryContainer: { Image: XGBOOST_URI, ModelDataUrl: 's3://bucket/model.tar.gz', Environment: { FROM_MODEL: '1', SHARED: 'model' } },
    ...overrides,
  };
}

describe('planTransformJob', () => {
  it('describes the job as it starts, with the defaults the cloud fills in', () => {
    const plan = planTransformJob(ARGS, FACTS, START);
    expect(plan.arn).toBe(`arn:aws:sagemaker:us-east-1:111122223333:transform-job/${JOB.toLowerCase()}`);
    expect(plan.described).toMatchObject({
      TransformJobName: JOB,
      TransformJobStatus: 'InProgress',
      MaxConcurrentTransforms: 1,
      MaxPayloadInMB: 2,
      BatchStrategy: 'MultiRecord',
      TransformInput: { CompressionType: 'None', SplitType: 'Line' },
      TransformStartTime: '2024-05-01T00:00:03.000Z',
    });
  });

  it('a bad argument is a user error naming it', () => {
    expect(() => planTransformJob({ ...ARGS, MaxConcurrentTransforms: 0 }, FACTS, START)).toThrow(/MaxConcurrentTransforms must be a whole number of at least 1/);
  });

  it('serves the model image mapped locally, with the model data, the model Environment under the step one, and the batch variables', () => {
    const serving = planServingContainer(planTransformJob(ARGS, FACTS, START), model(), FACTS);
    expect(serving).toEqual({
      imageUri: XGBOOST_URI,
      localImage: 'sagesim/xgboost:1.7-1',
      modelDataUrl: 's3://bucket/model.tar.gz',
      environment: { FROM_MODEL: '1', FROM_STEP: '1', SHARED: 'step' },
      jobVariables: { SAGEMAKER_BATCH: 'true', SAGEMAKER_MAX_PAYLOAD_IN_MB: '2', SAGEMAKER_BATCH_STRATEGY: 'MULTI_RECORD', SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: '1' },
    });
  });

  it('as a job for the runner: the model staged at /opt/ml/model, the container started with `serve`, nothing uploaded after it', () => {
    const plan = planTransformJob(ARGS, FACTS, START);
    const job = transformJobPlan(plan, planServingContainer(plan, model(), FACTS));
    expect(job).toMatchObject({
      metadata: { TransformJob: { Arn: plan.arn } },
      localImage: 'sagesim/xgboost:1.7-1',
      instanceType: 'ml.m5.large',
      mounts: [{ hostPath: 'model', containerPath: '/opt/ml/model' }],
      modelArtifacts: { s3Uri: 's3://bucket/model.tar.gz', hostPath: 'model' },
      inputs: [],
      outputs: [],
      container: { command: ['serve'], networkIsolation: false, jobVariables: { SAGEMAKER_BATCH: 'true' } },
    });
    const facts = { creationTime: START, startTime: START, endTime: new Date('2024-05-01T00:01:00Z'), finalMetrics: [] };
    expect(job.describe(facts, { status: 'Completed' })).toMatchObject({ TransformJobName: JOB, TransformJobStatus: 'Completed', TransformEndTime: '2024-05-01T00:01:00.000Z' });
    expect(job.describe(facts, { status: 'Failed', reason: 'why', timedOut: false })).toMatchObject({ TransformJobStatus: 'Failed', FailureReason: 'why' });
  });

  it('a model with no ModelDataUrl has nothing to stage, and still gets its (empty) /opt/ml/model', () => {
    const plan = planTransformJob(ARGS, FACTS, START);
    const job = transformJobPlan(plan, planServingContainer(plan, model({ PrimaryContainer: { Image: XGBOOST_URI } }), FACTS));
    expect(job.modelArtifacts).toBeUndefined();
    expect(job.mounts).toEqual([{ hostPath: 'model', containerPath: '/opt/ml/model' }]);
  });

  it.each([
    ['an inference pipeline of two containers', { PrimaryContainer: undefined, Containers: [{ Image: 'a' }, { Image: 'b' }] }, 'inference pipeline of 2 containers'],
    ['a model package container', { PrimaryContainer: { ModelPackageName: 'pkg' } }, 'has no container Image'],
  ])('%s does not run locally (a user error)', (_label, overrides, text) => {
    let caught: unknown;
    try {
      planServingContainer(planTransformJob(ARGS, FACTS, START), model(overrides as Partial<ModelRecord>), FACTS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SagesimError);
    expect(caught).toMatchObject({ code: 'TRANSFORM_UNSUPPORTED', source: 'user' });
    expect((caught as Error).message).toContain(text);
  });

  it('plans the SDK housing batch transform over the model its Model step creates from the trained artifacts (2.230.0)', async () => {
    const steps = await corpusJobSteps('2.230.0', 'housing.json');
    const transform = steps.get('PredictHousingTest');
    const createModel = steps.get('CreateHousingModel-CreateModel');
    if (transform === undefined || createModel === undefined) throw new Error('housing.json lacks its Transform or Model step');
    const plan = planTransformJob(transform.arguments, transform.facts, START);
    expect(plan.settings).toMatchObject({
      modelName: createModel.facts.jobName,
      inputUri: 's3://sagesim-corpus/sdk-housing/abcdef123456/PreprocessHousingData/output/test/features',
      splitType: 'Line',
      assembleWith: 'Line',
      accept: 'text/csv',
    });
    const record = { ModelName: plan.settings.modelName, ModelArn: 'arn', CreationTime: START.toISOString(), PrimaryContainer: createModel.arguments['PrimaryContainer'] as ModelRecord['PrimaryContainer'] };
    const serving = planServingContainer(plan, record as ModelRecord, transform.facts);
    expect(serving).toMatchObject({
      localImage: 'sagesim/xgboost:1.7-1',
      modelDataUrl: 's3://sagesim-corpus/housing/models/pipelines-abcdef123456-TrainHousingModel-Xy12Ab34Cd/output/model.tar.gz',
    });
  });
});
