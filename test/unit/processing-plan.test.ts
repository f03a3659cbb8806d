// A processing job's plan from its CreateProcessingJob arguments alone (no file, container or S3):
// where inputs and outputs are mounted, the config files, the container, the message files and the
// Describe properties, including for the arguments the real SageMaker Python SDK 2.230.0 emits.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import type { JobPlanFacts } from '../../src/steps/job-plan.js';
import { planProcessingJob } from '../../src/steps/processing-plan.js';
import { stepFailureOf } from './support/step-failure-of.js';
import { corpusJobStep } from './support/corpus-job-arguments.js';
import { EXECUTION } from './support/executor-context.js';
import { testImages } from './support/job-deps.js';

const JOB = 'pipelines-abcdef123456-Prep-Xy12Ab34Cd';
const FACTS: JobPlanFacts = { stepName: 'Prep', jobName: JOB, execution: EXECUTION, resolveImage: testImages };
const RUN = { creationTime: new Date('2024-05-01T00:00:01Z'), startTime: new Date('2024-05-01T00:00:02Z'), endTime: new Date('2024-05-01T00:00:05Z'), finalMetrics: [] };

function processingArguments(overrides: JsonObject = {}): JsonObject {
  return {
    AppSpecification: { ImageUri: 'sagesim/sklearn:1.2-1', ContainerEntrypoint: ['python3', '/opt/ml/processing/code/run.py'], ContainerArguments: ['--rows', 10] },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 } },
    ProcessingInputs: [
      { InputName: 'data', S3Input: { S3Uri: 's3://bucket/raw/', LocalPath: '/opt/ml/processing/input' } },
      { S3Input: { S3Uri: 's3://bucket/code/run.py', LocalPath: '/opt/ml/processing/code', S3DataType: 'S3Prefix' } },
    ],
    ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', S3Output: { S3Uri: 's3://bucket/out/train', LocalPath: '/opt/ml/processing/train' } }] },
    Environment: { MODE: 'fast' },
    ...overrides,
  };
}

describe('planProcessingJob', () => {
  it('mounts each input and output at its LocalPath, /opt/ml/config, and /opt/ml/output for the message file', () => {
    const plan = planProcessingJob(processingArguments(), FACTS);
    expect(plan.inputs).toEqual([
      { name: 'data', s3Uri: 's3://bucket/raw/', dataType: 'S3Prefix', hostPath: 'inputs/0' },
      { name: 'input-2', s3Uri: 's3://bucket/code/run.py', dataType: 'S3Prefix', hostPath: 'inputs/1' },
    ]);
    expect(plan.outputs).toEqual([{ name: 'train', hostPath: 'outputs/0', s3Uri: 's3://bucket/out/train', upload: 'files' }]);
    expect(plan.mounts).toEqual([
      { hostPath: 'config', containerPath: '/opt/ml/config' },
      { hostPath: 'outputs/1', containerPath: '/opt/ml/output' },
      { hostPath: 'inputs/0', containerPath: '/opt/ml/processing/input' },
      { hostPath: 'inputs/1', containerPath: '/opt/ml/processing/code' },
      { hostPath: 'outputs/0', containerPath: '/opt/ml/processing/train' },
    ]);
    expect(plan.messageFiles).toEqual([
      { hostPath: 'outputs/1/message', containerPath: '/opt/ml/output/message' },
      { hostPath: 'outputs/1/failure', containerPath: '/opt/ml/output/failure' },
    ]);
    expect(plan.readMessage).toBe('always');
  });

  it('reads the message from the output that claims /opt/ml/output, without a second mount there', () => {
    const plan = planProcessingJob(processingArguments({ ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: 's3://b/o', LocalPath: '/opt/ml/output/' } }] } }), FACTS);
    expect(plan.mounts.filter((mount) => mount.containerPath.startsWith('/opt/ml/output'))).toEqual([{ hostPath: 'outputs/0', containerPath: '/opt/ml/output/' }]);
    expect(plan.messageFiles[0]?.hostPath).toBe('outputs/0/message');
  });

  it('runs ContainerEntrypoint with ContainerArguments (as strings), the step Environment and the job variables; no pip wheels, no SM_NUM_GPUS', () => {
    const plan = planProcessingJob(processingArguments({ NetworkConfig: { EnableNetworkIsolation: true }, StoppingCondition: { MaxRuntimeInSeconds: 600 } }), FACTS);
    expect(plan.container).toEqual({
      entrypoint: ['python3', '/opt/ml/processing/code/run.py'],
      command: ['--rows', '10'],
      environment: { MODE: 'fast' },
      jobVariables: { PROCESSING_JOB_NAME: JOB, PROCESSING_JOB_ARN: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${JOB.toLowerCase()}` },
      networkIsolation: true,
      maxRuntimeSeconds: 600,
      pipWheels: false,
      gpuEnvironment: false,
    });
    expect(plan.metricDefinitions).toEqual([]);
  });

  it('writes processingjobconfig.json (the request with S3Input defaults) and resourceconfig.json', () => {
    const plan = planProcessingJob(processingArguments(), FACTS);
    const request = plan.configFiles.find((file) => file.hostPath === 'config/processingjobconfig.json')?.content as JsonObject;
    expect(request).toMatchObject({
      ProcessingJobName: JOB,
      RoleArn: 'arn:aws:iam::111122223333:role/sagesim',
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ProcessingInputs: [
        { InputName: 'data', AppManaged: false, S3Input: { S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None' } },
        expect.anything(),
      ],
    });
    expect(plan.configFiles.find((file) => file.hostPath === 'config/resourceconfig.json')?.content).toMatchObject({ current_instance_type: 'ml.m5.large' });
  });

  it('warns about InstanceCount > 1 and Pipe inputs', () => {
    const plan = planProcessingJob(
      processingArguments({
        ProcessingResources: { ClusterConfig: { InstanceCount: 2, InstanceType: 'ml.m5.large' } },
        ProcessingInputs: [{ InputName: 'p', S3Input: { S3Uri: 's3://b/p', LocalPath: '/opt/ml/processing/p', S3InputMode: 'Pipe' } }],
      }),
      FACTS,
    );
    expect(plan.warnings).toEqual([
      { code: 'INSTANCE_COUNT_AS_ONE', message: 'step "Prep": InstanceCount 2 runs as a single local container' },
      { code: 'PIPE_MODE_AS_FILE', message: 'step "Prep": input "p" uses S3InputMode Pipe; it is staged as File locally' },
    ]);
  });

  it.each([
    ['a DatasetDefinition input', { ProcessingInputs: [{ InputName: 'athena', DatasetDefinition: {} }] }, 'UNSUPPORTED_LOCALLY', 'input "athena" (DatasetDefinition'],
    ['a FeatureStoreOutput', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'fs', FeatureStoreOutput: {} }] } }, 'UNSUPPORTED_LOCALLY', 'FeatureStoreOutput'],
    ['no ImageUri', { AppSpecification: {} }, 'INVALID_STEP_ARGUMENTS', '$.Arguments.AppSpecification.ImageUri is required'],
  ])('%s fails the step as a user error', (_label, overrides, code, text) => {
    const error = stepFailureOf(() => planProcessingJob(processingArguments(overrides as JsonObject), FACTS));
    expect(error).toMatchObject({ code, source: 'user' });
    expect(error.message).toContain(text);
  });

  it('describes the job with its ExitMessage (trimmed), times and status', () => {
    const plan = planProcessingJob(processingArguments(), FACTS);
    expect(plan.describe({ ...RUN, exitMessage: ' done \n' }, { status: 'Completed' })).toMatchObject({
      ProcessingJobStatus: 'Completed',
      ExitMessage: 'done',
      ProcessingStartTime: '2024-05-01T00:00:02.000Z',
      ProcessingEndTime: '2024-05-01T00:00:05.000Z',
      Environment: { MODE: 'fast' },
    });
    expect(plan.describe(RUN, { status: 'Failed', reason: 'exit 1', timedOut: false })).toMatchObject({ ProcessingJobStatus: 'Failed', FailureReason: 'exit 1', ExitMessage: '' });
  });

  it('plans the SDK housing preprocessing job, whose code input is nested in its data input (2.230.0)', async () => {
    const step = await corpusJobStep('2.230.0', 'housing.json', 'PreprocessHousingData');
    const plan = planProcessingJob(step.arguments, step.facts);
    expect(plan.inputs.map((input) => [input.name, input.s3Uri])).toEqual([
      ['input-1', 's3://sagesim-corpus/data/housing/housing.csv'],
      ['code', 's3://sagesim-corpus/code/housing/preprocess.py'],
    ]);
    // A parent mounts before the folder nested in it, or the nested one would be hidden.
    const order = plan.mounts.map((mount) => mount.containerPath);
    expect(order.indexOf('/opt/ml/processing/input')).toBeLessThan(order.indexOf('/opt/ml/processing/input/code'));
    expect(plan.outputs.map((output) => output.s3Uri)).toEqual(
      ['train', 'validation', 'test'].map((name) => `s3://sagesim-corpus/sdk-housing/abcdef123456/PreprocessHousingData/output/${name}`),
    );
    expect(plan.container).toMatchObject({ entrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'] });
    expect(plan.instanceType).toBe('ml.m5.xlarge');
  });

  it('plans the SDK housing evaluation job, which reads the model the training job packs (2.230.0)', async () => {
    const step = await corpusJobStep('2.230.0', 'housing.json', 'EvaluateHousingModel');
    const plan = planProcessingJob(step.arguments, step.facts);
    expect(plan.inputs.map((input) => input.s3Uri)).toContain(
      's3://sagesim-corpus/housing/models/pipelines-abcdef123456-TrainHousingModel-Xy12Ab34Cd/output/model.tar.gz',
    );
  });
});
