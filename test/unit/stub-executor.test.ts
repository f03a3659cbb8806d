import { describe, expect, it } from 'vitest';
import type { JobStep, PipelineStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { SagesimError, StepFailure } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { StubExecutor, isStubbed, mergeProperties, parseStubsFile, type StubOptions } from '../../src/steps/stub-executor.js';
import { executorContext } from './support/executor-context.js';
import { conditionStep, definition, processingStep, trainingStep } from './support/pipeline-builders.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const stub = (stubs: StubOptions = { all: true }, extra: Partial<ConstructorParameters<typeof StubExecutor>[0]> = {}): StubExecutor =>
  new StubExecutor({ stubs, now: () => NOW, ...extra });

async function execute(executor: StubExecutor, step: PipelineStep, options: { attempt?: number; objectStore?: MemoryObjectStore; arguments?: JsonObject } = {}) {
  const context = await executorContext(step, { ...(options.objectStore ? { objectStore: options.objectStore } : {}), ...(options.arguments ? { arguments: options.arguments } : {}) });
  const result = await executor.execute({ ...context, attempt: options.attempt ?? 1 });
  return { result, context };
}

describe('default properties: what the real job would report', () => {
  it('Training: model artifacts in SageMaker layout, job name, lowercase ARN, metrics from MetricDefinitions with plausible values', async () => {
    const step = trainingStep('Train', {
      args: { AlgorithmSpecification: { TrainingImage: 'xgb', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'validation:rmse', Regex: 'rmse=(.*)' }] } },
    });
    const { result, context } = await execute(stub(), step);
    expect(result.properties).toMatchObject({
      TrainingJobName: context.jobName,
      TrainingJobArn: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${context.jobName.toLowerCase()}`,
      TrainingJobStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: `s3://bucket/models/${context.jobName}/output/model.tar.gz` },
      FinalMetricDataList: [{ MetricName: 'validation:rmse', Value: 0.1 }],
      HyperParameters: { max_depth: '5' },
    });
    expect(result.metadata).toEqual({ TrainingJob: { Arn: result.properties['TrainingJobArn'] } });
  });

  it('Processing: echoes ProcessingOutputConfig so Outputs[\'name\'].S3Output.S3Uri resolves', async () => {
    const { result, context } = await execute(stub(), processingStep('Prep', { outputs: { train: 's3://bucket/prep/train' } }));
    expect(result.properties).toMatchObject({
      ProcessingJobName: context.jobName,
      ProcessingJobStatus: 'Completed',
      ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', S3Output: { S3Uri: 's3://bucket/prep/train' } }] },
    });
    expect(result.metadata?.ProcessingJob?.Arn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:processing-job\/pipelines-/);
  });

  it('Transform: echoes TransformOutput and reports a TransformJob ARN', async () => {
    const step = { Name: 'Batch', Type: 'Transform', Arguments: { ModelName: 'm', TransformOutput: { S3OutputPath: 's3://bucket/out' } } } as JobStep;
    const { result } = await execute(stub(), step);
    expect(result.properties).toMatchObject({ TransformOutput: { S3OutputPath: 's3://bucket/out' }, TransformJobStatus: 'Completed' });
    expect(result.metadata?.TransformJob?.Arn).toContain(':transform-job/');
  });

  it('RegisterModel: a model package ARN with a version that grows per group', async () => {
    const executor = stub();
    const step = { Name: 'Register', Type: 'RegisterModel', Arguments: { ModelPackageGroupName: 'Churn', ModelApprovalStatus: 'Approved' } } as JobStep;
    const first = await execute(executor, step);
    const second = await execute(executor, step);
    expect(first.result.properties).toMatchObject({ ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/churn/1', ModelPackageVersion: 1, ModelApprovalStatus: 'Approved' });
    expect(second.result.properties['ModelPackageVersion']).toBe(2);
    expect(second.result.metadata).toEqual({ RegisterModel: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/churn/2' } });
  });

  it('Tuning: the best training job and the summaries get_top_model_s3_uri reads', async () => {
    const step = {
      Name: 'Tune',
      Type: 'Tuning',
      Arguments: { HyperParameterTuningJobConfig: { HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:rmse' } }, TrainingJobDefinition: {} },
    } as JobStep;
    const { result } = await execute(stub(), step);
    const name = result.properties['HyperParameterTuningJobName'] as string;
    expect(name.length).toBeLessThanOrEqual(32);
    expect(result.properties).toMatchObject({
      BestTrainingJob: { TrainingJobName: expect.stringMatching(new RegExp(`^${name}-001-`)), FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'validation:rmse' } },
      TrainingJobSummaries: [{ TrainingJobName: expect.stringMatching(/-001-/) }],
    });
    expect(result.metadata?.TuningJob?.Arn).toContain(':hyper-parameter-tuning-job/');
  });

  it('Lambda: the declared output parameters, overridable from the stubs file', async () => {
    const step: PipelineStep = {
      Name: 'Lookup',
      Type: 'Lambda',
      FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:lookup',
      OutputParameters: [{ OutputName: 'version', OutputType: 'String' }, { OutputName: 'rows', OutputType: 'Integer' }],
      Arguments: {},
    };
    expect((await execute(stub(), step)).result.outputParameters).toEqual({ version: '', rows: 0 });
    const given = await execute(stub({ all: true, steps: { Lookup: { outputParameters: { version: 'v7' } } } }), step);
    expect(given.result.outputParameters).toEqual({ version: 'v7', rows: 0 });
    expect(given.result.metadata?.Lambda).toEqual({ Arn: 'arn:aws:lambda:us-east-1:111122223333:function:lookup', OutputParameters: [{ Name: 'version', Value: 'v7' }, { Name: 'rows', Value: '0' }] });
  });
});

describe('stubs file content', () => {
  it('merges given properties over the defaults: objects by key, lists and values replaced', async () => {
    const executor = stub({ all: true, steps: { Train: { properties: { ModelArtifacts: { S3ModelArtifacts: 's3://given/model.tar.gz' }, FinalMetricDataList: { 'validation:auc': 0.91 } } } } });
    const { result, context } = await execute(executor, trainingStep('Train'));
    expect(result.properties['ModelArtifacts']).toEqual({ S3ModelArtifacts: 's3://given/model.tar.gz' });
    expect(result.properties['FinalMetricDataList']).toEqual([{ MetricName: 'validation:auc', Value: 0.91 }]);
    expect(result.properties['TrainingJobName']).toBe(context.jobName);
    expect(mergeProperties({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
  });

  it('writes property files where the real job would: the output S3Uri plus FilePath', async () => {
    const objectStore = new MemoryObjectStore();
    const step = processingStep('Evaluate', {
      outputs: { evaluation: 's3://bucket/eval/' },
      propertyFiles: [{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'reports/evaluation.json' }],
    });
    const executor = stub({ all: true, steps: { Evaluate: { propertyFiles: { EvaluationReport: { mse: 4.2 } } } } });
    await execute(executor, step, { objectStore });
    expect(JSON.parse((await objectStore.get('s3://bucket/eval/reports/evaluation.json')).toString())).toEqual({ mse: 4.2 });
  });

  it('stands in for a property file with no content: 0 at every path JsonGet reads, and a warning', async () => {
    const objectStore = new MemoryObjectStore();
    const evaluate = processingStep('Evaluate', {
      outputs: { evaluation: 's3://bucket/eval' },
      propertyFiles: [{ PropertyFileName: 'Report', OutputName: 'evaluation', FilePath: 'evaluation.json' }],
    });
    const check = conditionStep(
      'Check',
      [{ Type: 'LessThan', LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'metrics.mse.value' } }, RightValue: 5 }],
      [],
    );
    const executor = stub({ all: true }, { definition: definition([evaluate, check]) });
    const { context } = await execute(executor, evaluate, { objectStore });
    expect(JSON.parse((await objectStore.get('s3://bucket/eval/evaluation.json')).toString())).toEqual({ metrics: { mse: { value: 0 } } });
    expect(context.warnings).toEqual([expect.stringContaining('property file Report')]);
  });

  it('fail.times fails the first N attempts with the given exception type, then succeeds', async () => {
    const executor = stub({ all: true, steps: { Train: { fail: { reason: 'capacity', exceptionType: 'SageMaker.CAPACITY_ERROR', times: 2 } } } });
    for (const attempt of [1, 2]) {
      const error = await execute(executor, trainingStep('Train'), { attempt }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepFailure);
      expect(error).toMatchObject({ message: 'capacity', exceptionType: 'SageMaker.CAPACITY_ERROR', metadata: { TrainingJob: { Arn: expect.stringContaining(':training-job/') } } });
    }
    await expect(execute(executor, trainingStep('Train'), { attempt: 3 })).resolves.toBeDefined();
  });

  it('fail without times fails every attempt, as a user failure when no exception type is given', async () => {
    const executor = stub({ all: true, steps: { Train: { fail: { reason: 'bad script' } } } });
    const error = await execute(executor, trainingStep('Train'), { attempt: 7 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'bad script', exceptionType: undefined });
  });

  it('parseStubsFile reports every problem at once', () => {
    let error: unknown;
    try {
      parseStubsFile({ A: { fail: { exceptionType: 'Nope', times: -1 } }, B: 'x', C: { propertys: {} } }, 'stubs.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SagesimError);
    const message = (error as Error).message;
    expect(message).toContain('A.fail.exceptionType');
    expect(message).toContain('A.fail.times');
    expect(message).toContain('B: must be an object');
    expect(message).toContain('C.propertys: unknown field');
  });

  it('isStubbed: --stub-all covers job steps, never Condition or Fail steps', () => {
    expect(isStubbed({ all: true }, { Name: 'T', Type: 'Training' })).toBe(true);
    expect(isStubbed({ all: true }, { Name: 'C', Type: 'Condition' })).toBe(false);
    expect(isStubbed({ steps: { T: {} } }, { Name: 'T', Type: 'Training' })).toBe(true);
    expect(isStubbed({ steps: { T: {} } }, { Name: 'U', Type: 'Training' })).toBe(false);
  });
});
