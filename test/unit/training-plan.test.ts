// A training job's plan from its CreateTrainingJob arguments alone (no file, container or S3):
// channels, config files, the container, outputs, metrics and the Describe properties, including
// for the arguments the real SageMaker Python SDK 2.230.0 emits.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import type { JobPlan, JobPlanFacts } from '../../src/steps/job-plan.js';
import { planTrainingJob } from '../../src/steps/training-plan.js';
import { stepFailureOf } from './support/step-failure-of.js';
import { corpusJobStep } from './support/corpus-job-arguments.js';
import { EXECUTION } from './support/executor-context.js';
import { XGBOOST_METRICS, XGBOOST_URI, testImages } from './support/job-deps.js';

const JOB = 'pipelines-abcdef123456-Train-Xy12Ab34Cd';
const FACTS: JobPlanFacts = { stepName: 'Train', jobName: JOB, execution: EXECUTION, resolveImage: testImages };
const RUN = { creationTime: new Date('2024-05-01T00:00:01Z'), startTime: new Date('2024-05-01T00:00:02Z'), endTime: new Date('2024-05-01T00:00:12Z'), finalMetrics: [] };

function trainingArguments(overrides: JsonObject = {}): JsonObject {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
    InputDataConfig: [
      { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train/' } } },
      { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: 's3://bucket/validation.manifest' } } },
    ],
    HyperParameters: { num_round: 2, eta: '0.2' },
    ...overrides,
  };
}

function configFile(plan: JobPlan, name: string): unknown {
  return plan.configFiles.find((file) => file.hostPath === `input/config/${name}`)?.content;
}

describe('planTrainingJob', () => {
  it('stages each channel in /opt/ml/input/data/<channel> and runs the mapped image with `train`', () => {
    const plan = planTrainingJob(trainingArguments(), FACTS);
    expect(plan.localImage).toBe('sagesim/xgboost:1.7-1');
    expect(plan.inputs).toEqual([
      { name: 'train', s3Uri: 's3://bucket/train/', dataType: 'S3Prefix', hostPath: 'input/data/train' },
      { name: 'validation', s3Uri: 's3://bucket/validation.manifest', dataType: 'ManifestFile', hostPath: 'input/data/validation' },
    ]);
    expect(plan.mounts).toEqual([
      { hostPath: 'input', containerPath: '/opt/ml/input' },
      { hostPath: 'model', containerPath: '/opt/ml/model' },
      { hostPath: 'output', containerPath: '/opt/ml/output' },
    ]);
    expect(plan.container).toMatchObject({
      command: ['train'],
      jobVariables: { TRAINING_JOB_NAME: JOB, TRAINING_JOB_ARN: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${JOB.toLowerCase()}` },
      networkIsolation: false,
      pipWheels: true,
      gpuEnvironment: true,
    });
    expect(plan.container.entrypoint).toBeUndefined();
  });

  it('writes hyperparameters as strings, inputdataconfig with defaults, and resourceconfig for one host', () => {
    const plan = planTrainingJob(trainingArguments(), FACTS);
    expect(configFile(plan, 'hyperparameters.json')).toEqual({ num_round: '2', eta: '0.2' });
    expect(configFile(plan, 'inputdataconfig.json')).toEqual({
      train: { ContentType: 'text/csv', TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' },
      validation: { TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' },
    });
    expect(configFile(plan, 'resourceconfig.json')).toMatchObject({ current_host: 'algo-1', current_instance_type: 'ml.m5.xlarge' });
    expect(configFile(plan, 'checkpointconfig.json')).toBeUndefined();
  });

  it('packs /opt/ml/model always and /opt/ml/output/data when it holds something, under <S3OutputPath>/<job>/output', () => {
    expect(planTrainingJob(trainingArguments(), FACTS).outputs).toEqual([
      { name: 'model', hostPath: 'model', s3Uri: `s3://bucket/models/${JOB}/output/model.tar.gz`, upload: 'archive' },
      { name: 'output', hostPath: 'output/data', s3Uri: `s3://bucket/models/${JOB}/output/output.tar.gz`, upload: 'archive-if-any' },
    ]);
  });

  it('without S3OutputPath, writes to the default bucket of the account and region', () => {
    const plan = planTrainingJob(trainingArguments({ OutputDataConfig: {} }), FACTS);
    expect(plan.outputs[0]?.s3Uri).toBe(`s3://sagemaker-us-east-1-111122223333/${JOB}/output/model.tar.gz`);
  });

  it('checkpoints: restored when there are any, mounted at LocalPath, uploaded back, and described in checkpointconfig.json', () => {
    const plan = planTrainingJob(trainingArguments({ CheckpointConfig: { S3Uri: 's3://bucket/ckpt', LocalPath: '/ckpt' } }), FACTS);
    expect(plan.inputs).toContainEqual({ name: 'checkpoints', s3Uri: 's3://bucket/ckpt', dataType: 'S3Prefix', hostPath: 'checkpoints', optional: true });
    expect(plan.mounts).toContainEqual({ hostPath: 'checkpoints', containerPath: '/ckpt' });
    expect(plan.outputs).toContainEqual({ name: 'checkpoints', hostPath: 'checkpoints', s3Uri: 's3://bucket/ckpt', upload: 'files' });
    expect(configFile(plan, 'checkpointconfig.json')).toEqual({ LocalPath: '/ckpt', S3Uri: 's3://bucket/ckpt' });
  });

  it('merges the definition metric definitions before the built-in ones of the image (a same-named one wins)', () => {
    const own = { Name: 'validation:rmse', Regex: 'val=([0-9.]+)' };
    const plan = planTrainingJob(trainingArguments({ AlgorithmSpecification: { TrainingImage: XGBOOST_URI, MetricDefinitions: [own] } }), FACTS);
    expect(plan.metricDefinitions).toEqual([own, XGBOOST_METRICS[0]]);
  });

  it('uses ContainerEntrypoint and ContainerArguments instead of `train` when given', () => {
    const plan = planTrainingJob(trainingArguments({ AlgorithmSpecification: { TrainingImage: 'img', ContainerEntrypoint: ['python3', 'x.py'], ContainerArguments: ['--a', 1] } }), FACTS);
    expect(plan.container).toMatchObject({ entrypoint: ['python3', 'x.py'], command: ['--a', '1'] });
    expect(plan.remoteFunction).toBeUndefined();
  });

  it('a @step function job (the SDK job driver as entry point) plans the user SDK', () => {
    const entrypoint = ['/bin/bash', '/opt/ml/input/data/sagemaker_remote_function_bootstrap/job_driver.sh'];
    const plan = planTrainingJob(trainingArguments({ AlgorithmSpecification: { TrainingImage: 'img', ContainerEntrypoint: entrypoint, ContainerArguments: ['--client_python_version', '3.11'] }, Environment: { A: 'b' } }), FACTS);
    expect(plan.remoteFunction).toEqual({ containerArguments: ['--client_python_version', '3.11'], stepEnvironment: { A: 'b' } });
  });

  it('warns that InstanceCount > 1 runs as one container and that Pipe mode is staged as File', () => {
    const args = trainingArguments({
      ResourceConfig: { InstanceCount: 3, InstanceType: 'ml.m5.xlarge' },
      InputDataConfig: [{ ChannelName: 'train', InputMode: 'Pipe', DataSource: { S3DataSource: { S3Uri: 's3://bucket/train/' } } }],
    });
    const plan = planTrainingJob(args, FACTS);
    expect(plan.warnings).toEqual([
      { code: 'INSTANCE_COUNT_AS_ONE', message: 'step "Train": InstanceCount 3 runs as a single local container' },
      { code: 'PIPE_MODE_AS_FILE', message: 'step "Train": channel "train" uses Pipe mode; it is staged as File locally' },
    ]);
    expect(configFile(plan, 'inputdataconfig.json')).toMatchObject({ train: { TrainingInputMode: 'File' } });
  });

  it.each([
    ['no TrainingImage', { AlgorithmSpecification: { AlgorithmName: 'my-algo' } }, 'UNSUPPORTED_LOCALLY', 'algorithm resource my-algo'],
    ['an EFS channel', { InputDataConfig: [{ ChannelName: 'c', DataSource: { FileSystemDataSource: {} } }] }, 'UNSUPPORTED_LOCALLY', 'FileSystemDataSource'],
    ['an AugmentedManifestFile channel', { InputDataConfig: [{ ChannelName: 'c', DataSource: { S3DataSource: { S3Uri: 's3://b/k', S3DataType: 'AugmentedManifestFile' } } }] }, 'UNSUPPORTED_LOCALLY', 'S3DataType AugmentedManifestFile'],
    ['a metric regex that does not compile', { AlgorithmSpecification: { TrainingImage: 'img', MetricDefinitions: [{ Name: 'm', Regex: '([' }] } }, 'INVALID_METRIC_DEFINITION', 'ValidationException'],
    ['hyperparameters that are not a map', { HyperParameters: ['a'] }, 'INVALID_STEP_ARGUMENTS', '$.Arguments.HyperParameters'],
  ])('%s fails the step as a user error', (_label, overrides, code, text) => {
    const error = stepFailureOf(() => planTrainingJob(trainingArguments(overrides as JsonObject), FACTS));
    expect(error).toMatchObject({ code, source: 'user' });
    expect(error.message).toContain(text);
  });

  it('describes a completed job with its model artifacts, times and metrics', () => {
    const plan = planTrainingJob(trainingArguments(), FACTS);
    const metric = { MetricName: 'validation:rmse', Value: 2.7, Timestamp: '2024-05-01T00:00:11.000Z' };
    const properties = plan.describe({ ...RUN, finalMetrics: [metric] }, { status: 'Completed' });
    expect(properties).toMatchObject({
      TrainingJobName: JOB,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: `s3://bucket/models/${JOB}/output/model.tar.gz` },
      FinalMetricDataList: [metric],
      TrainingStartTime: '2024-05-01T00:00:02.000Z',
      TrainingTimeInSeconds: 10,
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      RoleArn: 'arn:aws:iam::111122223333:role/sagesim',
      HyperParameters: { num_round: '2', eta: '0.2' },
    });
  });

  it('describes a job stopped by MaxRuntimeInSeconds as Stopped / MaxRuntimeExceeded, without model artifacts', () => {
    const plan = planTrainingJob(trainingArguments(), FACTS);
    const properties = plan.describe(RUN, { status: 'Failed', reason: 'too long', timedOut: true });
    expect(properties).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded', FailureReason: 'too long' });
    expect(properties['ModelArtifacts']).toBeUndefined();
    expect(plan.describe(RUN, { status: 'Failed', reason: 'exit 1', timedOut: false })).toMatchObject({ TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed' });
  });

  it('plans the built-in XGBoost job of the SDK housing pipeline (2.230.0)', async () => {
    const step = await corpusJobStep('2.230.0', 'housing.json', 'TrainHousingModel');
    const plan = planTrainingJob(step.arguments, step.facts);
    const preprocessed = 's3://sagesim-corpus/sdk-housing/abcdef123456/PreprocessHousingData/output';
    expect(plan.localImage).toBe('sagesim/xgboost:1.7-1');
    expect(plan.inputs.map((input) => [input.name, input.s3Uri])).toEqual([
      ['train', `${preprocessed}/train`],
      ['validation', `${preprocessed}/validation`],
    ]);
    expect(configFile(plan, 'hyperparameters.json')).toEqual({ objective: 'reg:squarederror', num_round: '30', max_depth: '5', eta: '0.2' });
    expect(plan.metricDefinitions.map((definition) => definition.Name)).toEqual(['train:rmse', 'validation:rmse']);
    expect(plan.container.maxRuntimeSeconds).toBe(86400);
    expect(plan.warnings).toEqual([]);
  });

  it('plans the script-mode scikit-learn job of the SDK churn pipeline and the repack job that reads its model (2.230.0)', async () => {
    const train = await corpusJobStep('2.230.0', 'churn.json', 'TrainChurnModel');
    const plan = planTrainingJob(train.arguments, train.facts);
    expect(configFile(plan, 'hyperparameters.json')).toMatchObject({ sagemaker_program: '"train.py"', 'n-estimators': '50' });
    expect(plan.container.command).toEqual(['train']);
    const repack = await corpusJobStep('2.230.0', 'churn.json', 'RegisterChurnModel-RepackModel-0');
    const repackPlan = planTrainingJob(repack.arguments, repack.facts);
    expect(repackPlan.inputs).toEqual([
      { name: 'training', s3Uri: `s3://sagesim-corpus/churn/models/${train.facts.jobName}/output/model.tar.gz`, dataType: 'S3Prefix', hostPath: 'input/data/training' },
    ]);
  });
});
