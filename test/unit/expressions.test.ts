// Expression resolution: Get of parameters, execution variables, experiment config and step
// properties; Std:Join; Std:JsonGet on property files and S3 URIs; the reference finders.
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/errors.js';
import type { StepType } from '../../src/engine/definition-types.js';
import { findParameterReferences, findStepReferences, renderJoinValue, resolveValue } from '../../src/engine/expressions.js';
import type { JsonObject, JsonValue } from '../../src/engine/json.js';
import type { ResolveContext, StepOutputs } from '../../src/engine/resolve-context.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';

const EXECUTION = {
  executionId: 'k2x9q0w1e2r3',
  executionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline/execution/k2x9q0w1e2r3',
  pipelineName: 'AbalonePipeline',
  pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline',
  startTime: new Date('2024-05-01T10:00:00.000Z'),
  region: 'us-east-1',
  accountId: '111122223333',
};

const PROCESS_PROPERTIES: JsonObject = {
  ProcessingJobName: 'pipelines-k2x9q0w1e2r3-AbaloneProcess-AbCdEfGhIj',
  ProcessingOutputConfig: {
    Outputs: [
      { OutputName: 'train', S3Output: { S3Uri: 's3://bucket/p/train', LocalPath: '/opt/ml/processing/train', S3UploadMode: 'EndOfJob' } },
      { OutputName: 'test', S3Output: { S3Uri: 's3://bucket/p/test', LocalPath: '/opt/ml/processing/test', S3UploadMode: 'EndOfJob' } },
    ],
  },
  ProcessingInputs: [{ InputName: 'code', S3Input: { S3Uri: 's3://bucket/code/pre.py' } }],
  Environment: { MODE: 'full' },
};

const TRAIN_PROPERTIES: JsonObject = {
  TrainingJobName: 'pipelines-k2x9q0w1e2r3-AbaloneTrain-ZyXwVuTsRq',
  ModelArtifacts: { S3ModelArtifacts: 's3://bucket/train/model.tar.gz' },
  FinalMetricDataList: [
    { MetricName: 'train:rmse', Value: 1.5, Timestamp: '2024-05-01T10:05:00Z' },
    { MetricName: 'validation:rmse', Value: 2.25, Timestamp: '2024-05-01T10:05:00Z' },
  ],
  InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://bucket/p/train' } } }],
  HyperParameters: { eta: '0.2' },
};

function outputs(stepType: StepType, properties: JsonObject, extra: Partial<StepOutputs> = {}): StepOutputs {
  return { stepType, properties, propertyFiles: {}, outputParameters: {}, ...extra };
}

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  const steps: Record<string, StepOutputs> = {
    AbaloneProcess: outputs('Processing', PROCESS_PROPERTIES),
    AbaloneTrain: outputs('Training', TRAIN_PROPERTIES),
    AbaloneEval: outputs('Processing', {}, {
      propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 4.25, standard_deviation: 0.5 } }, per_class: [{ f1: 0.9 }, { f1: 0.7 }] } },
    }),
    Lookup: outputs('Lambda', {}, { outputParameters: { version: 'v2', rows: 1200, ok: true } }),
    Cond: outputs('Condition', { Outcome: 'True' }),
  };
  return {
    parameters: { InstanceCount: 2, Threshold: 6.5, Mode: 'fast', UseGpu: false },
    execution: EXECUTION,
    now: () => new Date('2024-05-01T10:30:00.000Z'),
    currentStep: { name: 'AbaloneTrain', type: 'Training', jobName: 'pipelines-k2x9q0w1e2r3-AbaloneTrain-ZyXwVuTsRq' },
    experimentConfig: { ExperimentName: 'AbalonePipeline', TrialName: 'k2x9q0w1e2r3' },
    stepOutputs: (name) => steps[name],
    objectStore: new MemoryObjectStore(),
    ...overrides,
  };
}

const get = (text: string): JsonValue => ({ Get: text });

describe('resolveValue with Get', () => {
  it.each<[string, JsonValue]>([
    ['Parameters.InstanceCount', 2],
    ['Parameters.Threshold', 6.5],
    ['Parameters.UseGpu', false],
    ['Execution.PipelineExecutionId', 'k2x9q0w1e2r3'],
    ['Execution.PipelineExecutionArn', EXECUTION.executionArn],
    ['Execution.PipelineName', 'AbalonePipeline'],
    ['Execution.PipelineArn', EXECUTION.pipelineArn],
    ['Execution.StartDateTime', '2024-05-01T10:00:00.000Z'],
    ['Execution.CurrentDateTime', '2024-05-01T10:30:00.000Z'],
    ['Execution.TrainingJobName', 'pipelines-k2x9q0w1e2r3-AbaloneTrain-ZyXwVuTsRq'],
    ['Execution.ProcessingJobName', 'pipelines-k2x9q0w1e2r3-AbaloneTrain-ZyXwVuTsRq'],
    ['PipelineExperimentConfig.ExperimentName', 'AbalonePipeline'],
    ['PipelineExperimentConfig.TrialName', 'k2x9q0w1e2r3'],
    ["Steps.AbaloneProcess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri", 's3://bucket/p/train'],
    ['Steps.AbaloneProcess.ProcessingOutputConfig.Outputs[1].S3Output.S3Uri', 's3://bucket/p/test'],
    ["Steps.AbaloneProcess.ProcessingInputs['code'].S3Input.S3Uri", 's3://bucket/code/pre.py'],
    ["Steps.AbaloneProcess.Environment['MODE']", 'full'],
    ['Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts', 's3://bucket/train/model.tar.gz'],
    ["Steps.AbaloneTrain.FinalMetricDataList['validation:rmse'].Value", 2.25],
    ["Steps.AbaloneTrain.InputDataConfig['train'].DataSource.S3DataSource.S3Uri", 's3://bucket/p/train'],
    ["Steps.AbaloneTrain.HyperParameters['eta']", '0.2'],
    ["Steps.Lookup.OutputParameters['version']", 'v2'],
    ["Steps.Lookup.OutputParameters['rows']", 1200],
    ['Steps.Cond.Outcome', 'True'],
    ['Steps.AbaloneEval.PropertyFiles.EvaluationReport', { regression_metrics: { mse: { value: 4.25, standard_deviation: 0.5 } }, per_class: [{ f1: 0.9 }, { f1: 0.7 }] }],
  ])('%s resolves to %j', async (text, expected) => {
    expect(await resolveValue(get(text), context())).toEqual(expected);
  });

  it('resolves expressions nested anywhere in arguments and leaves plain JSON unchanged', async () => {
    const args: JsonValue = {
      ResourceConfig: { InstanceCount: get('Parameters.InstanceCount'), InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
      ContainerArguments: ['--mode', get('Parameters.Mode'), '--gpu', get('Parameters.UseGpu')],
      Flags: [true, null, 1.5],
      Nested: [{ deeper: { value: get('Execution.PipelineName') } }],
    };
    expect(await resolveValue(args, context())).toEqual({
      ResourceConfig: { InstanceCount: 2, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
      ContainerArguments: ['--mode', 'fast', '--gpu', false],
      Flags: [true, null, 1.5],
      Nested: [{ deeper: { value: 'AbalonePipeline' } }],
    });
  });

  it('keeps a "__proto__" key in arguments as a plain key', async () => {
    const value = JSON.parse('{"__proto__": {"x": {"Get": "Parameters.Mode"}}}') as JsonValue;
    const resolved = (await resolveValue(value, context())) as JsonObject;
    expect(Object.keys(resolved)).toEqual(['__proto__']);
    expect(JSON.stringify(resolved)).toBe('{"__proto__":{"x":"fast"}}');
  });

  it('treats an object with Get and other keys as plain JSON, not an expression', async () => {
    const value = { Get: 'Parameters.Mode', Note: 'literal' };
    expect(await resolveValue(value, context())).toEqual(value);
  });
});

describe('resolveValue errors', () => {
  it.each<[string, string, JsonValue, RegExp]>([
    ['an undeclared parameter', 'UNKNOWN_PARAMETER', get('Parameters.Missing'), /declared parameters: InstanceCount, Threshold, Mode, UseGpu/],
    ['a step that has not run', 'STEP_NOT_RUN', get('Steps.Later.Outcome'), /has not run/],
    ['a missing member', 'PROPERTY_NOT_FOUND', get('Steps.AbaloneTrain.ModelArtifact.S3ModelArtifacts'), /Steps\.AbaloneTrain has no \.ModelArtifact/],
    ['a missing keyed list element', 'PROPERTY_NOT_FOUND', get("Steps.AbaloneProcess.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri"), /Outputs has no \['validation'\]/],
    ['an index past the end', 'PROPERTY_NOT_FOUND', get('Steps.AbaloneProcess.ProcessingOutputConfig.Outputs[5]'), /has no \[5\]/],
    ['an undeclared output parameter', 'OUTPUT_PARAMETER_NOT_FOUND', get("Steps.Lookup.OutputParameters['size']"), /no output parameter "size"/],
    ['an undeclared property file', 'PROPERTY_FILE_NOT_FOUND', get('Steps.AbaloneEval.PropertyFiles.Other'), /no property file "Other"/],
    ['a malformed reference', 'MALFORMED_REFERENCE', get('Nothing.Here'), /not a reference/],
    ['an unknown execution variable', 'MALFORMED_REFERENCE', get('Execution.PipelineId'), /unknown execution variable/],
    ['a Get of a number', 'MALFORMED_EXPRESSION', { Get: 3 }, /Get takes a string/],
  ])('%s raises %s', async (_label, code, value, message) => {
    const error = await resolveValue(value, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe(code);
    expect(`${(error as ExpressionError).message} ${(error as ExpressionError).hint ?? ''}`).toMatch(message);
  });

  it('names the keys that exist where a property path breaks off', async () => {
    const error = (await resolveValue(get('Steps.AbaloneTrain.ModelArtifacts.Uri'), context()).catch((e: unknown) => e)) as ExpressionError;
    expect(error.hint).toBe('available under Steps.AbaloneTrain.ModelArtifacts: S3ModelArtifacts');
  });

  it('lists the names a keyed list access could have used', async () => {
    const error = (await resolveValue(get("Steps.AbaloneProcess.ProcessingOutputConfig.Outputs['x']"), context()).catch((e: unknown) => e)) as ExpressionError;
    expect(error.hint).toContain("['train'], ['test']");
  });

  it('refuses Execution.TrainingJobName outside a job step', async () => {
    const error = (await resolveValue(get('Execution.TrainingJobName'), context({ currentStep: undefined })).catch((e: unknown) => e)) as ExpressionError;
    expect(error.code).toBe('EXECUTION_VARIABLE_UNAVAILABLE');
  });

  it('refuses PipelineExperimentConfig references when the pipeline has none', async () => {
    const error = (await resolveValue(get('PipelineExperimentConfig.TrialName'), context({ experimentConfig: undefined })).catch((e: unknown) => e)) as ExpressionError;
    expect(error.code).toBe('EXPERIMENT_CONFIG_NOT_SET');
  });
});

describe('Std:Join', () => {
  it.each<[string, JsonValue, string]>([
    ['strings and a step property', { On: '/', Values: ['s3:/', 'bucket', get('Execution.PipelineExecutionId'), 'out'] }, 's3://bucket/k2x9q0w1e2r3/out'],
    ['an integer parameter', { On: '', Values: [get('Parameters.InstanceCount')] }, '2'],
    ['a float parameter', { On: ' ', Values: ['MSE >', get('Parameters.Threshold')] }, 'MSE > 6.5'],
    ['a boolean parameter', { On: '=', Values: ['gpu', get('Parameters.UseGpu')] }, 'gpu=false'],
    ['a nested Join', { On: '-', Values: ['a', { 'Std:Join': { On: '+', Values: ['b', 'c'] } }] }, 'a-b+c'],
    ['no values', { On: ',', Values: [] }, ''],
  ])('joins %s', async (_label, body, expected) => {
    expect(await resolveValue({ 'Std:Join': body }, context())).toBe(expected);
  });

  it.each<[JsonValue, string]>([
    [1, '1'],
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [true, 'true'],
    [null, 'null'],
    [{ a: 1 }, '{"a":1}'],
  ])('renders %j as %s', (value, text) => {
    expect(renderJoinValue(value)).toBe(text);
  });

  it('rejects a Join without Values', async () => {
    await expect(resolveValue({ 'Std:Join': { On: ',' } }, context())).rejects.toMatchObject({ code: 'MALFORMED_EXPRESSION' });
  });
});

describe('Std:JsonGet', () => {
  const jsonGetFile = (path: string): JsonValue => ({
    'Std:JsonGet': { PropertyFile: get('Steps.AbaloneEval.PropertyFiles.EvaluationReport'), Path: path },
  });

  it.each<[string, JsonValue]>([
    ['regression_metrics.mse.value', 4.25],
    ['$.regression_metrics.mse.standard_deviation', 0.5],
    ["regression_metrics['mse'].value", 4.25],
    ['per_class[1].f1', 0.7],
    ['per_class[*].f1', [0.9, 0.7]],
  ])('reads %s from a property file', async (path, expected) => {
    expect(await resolveValue(jsonGetFile(path), context())).toEqual(expected);
  });

  it('accepts the legacy form that names the property file alone', async () => {
    const ctx = context({ propertyFileOwner: (name) => (name === 'EvaluationReport' ? 'AbaloneEval' : undefined) });
    const value = { 'Std:JsonGet': { PropertyFile: 'EvaluationReport', Path: 'regression_metrics.mse.value' } };
    expect(await resolveValue(value, ctx)).toBe(4.25);
  });

  it('reads a JSON object through the object store when given an S3Uri built with Std:Join', async () => {
    const store = new MemoryObjectStore();
    await store.put('s3://bucket/k2x9q0w1e2r3/manifest.json', JSON.stringify({ execution: { id: 'k2x9q0w1e2r3' } }));
    const value = {
      'Std:JsonGet': { S3Uri: { 'Std:Join': { On: '/', Values: ['s3://bucket', get('Execution.PipelineExecutionId'), 'manifest.json'] } }, Path: 'execution.id' },
    };
    expect(await resolveValue(value, context({ objectStore: store }))).toBe('k2x9q0w1e2r3');
  });

  it('says which part of a JsonGet path is missing and what exists there', async () => {
    const error = (await resolveValue(jsonGetFile('regression_metrics.rmse.value'), context()).catch((e: unknown) => e)) as ExpressionError;
    expect(error.code).toBe('JSONGET_PATH_NOT_FOUND');
    expect(error.message).toContain('$.regression_metrics has no rmse; available there: mse');
  });

  it('fails with JSONGET_NOT_JSON when the S3 object is not JSON', async () => {
    const store = new MemoryObjectStore();
    await store.put('s3://bucket/report.txt', 'not json');
    const value = { 'Std:JsonGet': { S3Uri: 's3://bucket/report.txt', Path: 'a' } };
    await expect(resolveValue(value, context({ objectStore: store }))).rejects.toMatchObject({ code: 'JSONGET_NOT_JSON' });
  });

  it.each<[string, JsonValue]>([
    ['neither source', { Path: 'a' }],
    ['both sources', { Path: 'a', S3Uri: 's3://b/k', PropertyFile: get('Steps.AbaloneEval.PropertyFiles.EvaluationReport') }],
    ['no Path', { S3Uri: 's3://b/k' }],
    ['a PropertyFile that is not a property file reference', { Path: 'a', PropertyFile: get('Parameters.Mode') }],
  ])('rejects a JsonGet with %s', async (_label, body) => {
    await expect(resolveValue({ 'Std:JsonGet': body }, context())).rejects.toMatchObject({ code: 'MALFORMED_EXPRESSION' });
  });
});

describe('reference finders', () => {
  const value: JsonValue = {
    a: get("Steps.Train.ModelArtifacts.S3ModelArtifacts"),
    b: { 'Std:Join': { On: '/', Values: [get("Steps.Process.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"), get('Parameters.Bucket')] } },
    c: [{ 'Std:JsonGet': { PropertyFile: get('Steps.Eval.PropertyFiles.Report'), Path: 'x' } }],
    d: [{ Type: 'Equals', LeftValue: get("Steps.Lambda.OutputParameters['ok']"), RightValue: get('Parameters.Expected') }],
    e: get('Steps.Train.TrainingJobName'),
    f: get('Execution.PipelineExecutionId'),
  };

  it('finds every referenced step once, in document order', () => {
    expect(findStepReferences(value)).toEqual(['Train', 'Process', 'Eval', 'Lambda']);
  });

  it('finds every referenced parameter once, in document order', () => {
    expect(findParameterReferences(value)).toEqual(['Bucket', 'Expected']);
  });

  it('finds nothing in plain JSON', () => {
    expect(findStepReferences({ Get: 1, text: 'Steps.Train.X' } as JsonValue)).toEqual([]);
  });
});
