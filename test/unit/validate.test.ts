// validateDefinition: every problem at once, each with a stable code, a JSON path and a hint.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/engine/json.js';
import { parseExpireAfter, validateDefinition } from '../../src/engine/validate.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');
const readJson = (file: string): JsonObject => JSON.parse(readFileSync(file, 'utf8')) as JsonObject;

const get = (text: string): JsonValue => ({ Get: text });
const PROCESS = {
  Name: 'Process',
  Type: 'Processing',
  Arguments: {
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
    AppSpecification: { ImageUri: 'image' },
    RoleArn: 'arn:aws:iam::111122223333:role/R',
    ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', AppManaged: false, S3Output: { S3Uri: 's3://b/train', LocalPath: '/opt/ml/processing/train', S3UploadMode: 'EndOfJob' } }] },
  },
  PropertyFiles: [{ PropertyFileName: 'Report', OutputName: 'train', FilePath: 'report.json' }],
};

/** A small valid definition; `steps` are added after a processing step named Process. */
function definition(steps: JsonValue[] = [], parameters: JsonValue[] = [{ Name: 'Threshold', Type: 'Float', DefaultValue: 6.0 }]): JsonObject {
  return { Version: '2020-12-01', Metadata: {}, Parameters: parameters, PipelineExperimentConfig: null, Steps: [PROCESS, ...steps] };
}

function step(name: string, type: string, args: JsonValue = {}, extra: JsonObject = {}): JsonObject {
  return { Name: name, Type: type, Arguments: args, ...extra };
}

function codes(raw: unknown): string[] {
  return validateDefinition(raw).problems.map((p) => p.code);
}

function only(raw: unknown): { code: string; path: string; message: string; hint?: string; step?: string } {
  const { problems } = validateDefinition(raw);
  expect(problems, JSON.stringify(problems, null, 2)).toHaveLength(1);
  return problems[0] as { code: string; path: string; message: string };
}

describe('fixtures', () => {
  const valid = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it('has at least six valid definitions', () => {
    expect(valid.length).toBeGreaterThanOrEqual(6);
  });

  it.each(valid)('%s is valid, in shapes SageMaker accepts (no warnings)', (file) => {
    const result = validateDefinition(readJson(path.join(FIXTURES, file)));
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.definition?.Version).toBe('2020-12-01');
  });

  const INVALID: Record<string, string> = {
    'cycle.json': 'CYCLE',
    'default-not-in-enum.json': 'DEFAULT_NOT_IN_ENUM',
    'duplicate-step-name.json': 'DUPLICATE_STEP_NAME',
    'invalid-default-value.json': 'INVALID_DEFAULT_VALUE',
    'invalid-expire-after.json': 'INVALID_EXPIRE_AFTER',
    'invalid-retry-policy.json': 'INVALID_RETRY_POLICY',
    'invalid-step-name.json': 'INVALID_STEP_NAME',
    'malformed-condition.json': 'MALFORMED_CONDITION',
    'malformed-get.json': 'MALFORMED_GET',
    'malformed-join.json': 'MALFORMED_JOIN',
    'malformed-jsonget.json': 'MALFORMED_JSONGET',
    'missing-arguments.json': 'MISSING_ARGUMENTS',
    'property-file-unknown-output.json': 'UNKNOWN_PROCESSING_OUTPUT',
    'property-files-not-supported.json': 'PROPERTY_FILES_NOT_SUPPORTED',
    'unknown-condition-type.json': 'UNKNOWN_CONDITION_TYPE',
    'unknown-dependency.json': 'UNKNOWN_DEPENDENCY',
    'unknown-exception-type.json': 'UNKNOWN_EXCEPTION_TYPE',
    'unknown-parameter.json': 'UNKNOWN_PARAMETER',
    'unknown-processing-output.json': 'UNKNOWN_PROCESSING_OUTPUT',
    'unknown-property-file.json': 'UNKNOWN_PROPERTY_FILE',
    'unknown-property.json': 'UNKNOWN_PROPERTY',
    'unknown-step-reference.json': 'UNKNOWN_STEP_REFERENCE',
    'unknown-step-type.json': 'UNKNOWN_STEP_TYPE',
    'unsupported-version.json': 'UNSUPPORTED_VERSION',
  };

  it('has an expected problem for every invalid fixture', () => {
    expect(readdirSync(path.join(FIXTURES, 'invalid')).sort()).toEqual(Object.keys(INVALID).sort());
  });

  it.each(Object.entries(INVALID))('invalid/%s has exactly one problem: %s', (file, code) => {
    const problem = only(readJson(path.join(FIXTURES, 'invalid', file)));
    expect(problem.code).toBe(code);
    expect(problem.path).toMatch(/^\$/);
    expect(problem.hint).toBeTruthy();
  });
});

describe('version and shape', () => {
  it.each<[string, unknown, string]>([
    ['an array', [], 'NOT_AN_OBJECT'],
    ['null', null, 'NOT_AN_OBJECT'],
    ['a string', 'definition', 'NOT_AN_OBJECT'],
    ['no Version', { Steps: [] }, 'MISSING_VERSION'],
    ['an old Version', { Version: '2019-01-01', Steps: [] }, 'UNSUPPORTED_VERSION'],
    ['a numeric Version', { Version: 2020, Steps: [] }, 'UNSUPPORTED_VERSION'],
    ['no Steps', { Version: '2020-12-01' }, 'MISSING_STEPS'],
    ['Steps that are not a list', { Version: '2020-12-01', Steps: {} }, 'MALFORMED_DEFINITION'],
    ['Parameters that are not a list', { Version: '2020-12-01', Parameters: {}, Steps: [] }, 'MALFORMED_DEFINITION'],
    ['a PipelineExperimentConfig string', { Version: '2020-12-01', PipelineExperimentConfig: 'x', Steps: [] }, 'MALFORMED_DEFINITION'],
  ])('rejects %s', (_label, raw, code) => {
    expect(codes(raw)).toEqual([code]);
  });

  it('checks the version first and reports nothing else when it is wrong', () => {
    const raw = { ...definition([step('Bad', 'Nope')]), Version: '2021-01-01' };
    expect(codes(raw)).toEqual(['UNSUPPORTED_VERSION']);
  });

  it('accepts a null PipelineExperimentConfig, an absent Parameters list and no Metadata', () => {
    expect(codes({ Version: '2020-12-01', PipelineExperimentConfig: null, Steps: [step('F', 'Fail', { ErrorMessage: 'x' })] })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const raw = definition(
      [step('Train', 'Trainning'), step('Fail', 'Fail', { ErrorMessage: get('Parameters.Nope') }), step('Process', 'Fail')],
      [{ Name: 'Threshold', Type: 'Float', DefaultValue: 'high' }],
    );
    expect(codes(raw).sort()).toEqual(['DUPLICATE_STEP_NAME', 'INVALID_DEFAULT_VALUE', 'UNKNOWN_PARAMETER', 'UNKNOWN_STEP_TYPE']);
  });
});

describe('parameters', () => {
  it.each<[string, JsonValue, string]>([
    ['an Integer default that is not whole', { Name: 'N', Type: 'Integer', DefaultValue: 1.5 }, 'INVALID_DEFAULT_VALUE'],
    ['a Boolean default given as text', { Name: 'B', Type: 'Boolean', DefaultValue: 'true' }, 'INVALID_DEFAULT_VALUE'],
    ['a String default that is a number', { Name: 'S', Type: 'String', DefaultValue: 3 }, 'INVALID_DEFAULT_VALUE'],
    ['a default outside EnumValues', { Name: 'S', Type: 'String', DefaultValue: 'c', EnumValues: ['a', 'b'] }, 'DEFAULT_NOT_IN_ENUM'],
    ['EnumValues of the wrong type', { Name: 'S', Type: 'String', EnumValues: ['a', 2] }, 'INVALID_ENUM_VALUES'],
    ['empty EnumValues', { Name: 'S', Type: 'String', EnumValues: [] }, 'INVALID_ENUM_VALUES'],
    ['an unknown Type', { Name: 'S', Type: 'Str' }, 'UNKNOWN_PARAMETER_TYPE'],
    ['a name with spaces', { Name: 'My Param', Type: 'String' }, 'INVALID_PARAMETER_NAME'],
    ['a name longer than 64', { Name: 'P'.repeat(65), Type: 'String' }, 'INVALID_PARAMETER_NAME'],
    ['no Name', { Type: 'String' }, 'MALFORMED_PARAMETER'],
    ['a parameter that is a string', 'Threshold', 'MALFORMED_PARAMETER'],
  ])('rejects %s', (_label, parameter, code) => {
    expect(codes(definition([], [parameter]))).toEqual([code]);
  });

  it('rejects a parameter declared twice', () => {
    const p = { Name: 'A', Type: 'String' };
    expect(only(definition([], [p, p])).path).toBe('$.Parameters[1].Name');
  });

  it.each<[string, JsonValue]>([
    ['a Float with an integral default', { Name: 'F', Type: 'Float', DefaultValue: 6 }],
    ['a Boolean default', { Name: 'B', Type: 'Boolean', DefaultValue: false }],
    ['no default', { Name: 'S', Type: 'String' }],
    ['a default among EnumValues', { Name: 'S', Type: 'String', DefaultValue: 'a', EnumValues: ['a', 'b'] }],
  ])('accepts %s', (_label, parameter) => {
    expect(codes(definition([], [parameter]))).toEqual([]);
  });
});

describe('steps', () => {
  const condition = (name: string, ifSteps: JsonValue[], elseSteps: JsonValue[], conditions: JsonValue[] = []): JsonObject =>
    step(name, 'Condition', { Conditions: conditions, IfSteps: ifSteps, ElseSteps: elseSteps });
  const fail = (name: string, extra: JsonObject = {}): JsonObject => step(name, 'Fail', { ErrorMessage: 'x' }, extra);

  it('finds duplicate names across nested branches and says where the first one is', () => {
    const raw = definition([condition('Outer', [condition('Inner', [fail('Twice')], [])], [fail('Twice')])]);
    const problem = only(raw);
    expect(problem).toMatchObject({
      code: 'DUPLICATE_STEP_NAME',
      path: '$.Steps[1].Arguments.ElseSteps[0].Name',
      step: 'Twice',
    });
    expect(problem.message).toContain('first at $.Steps[1].Arguments.IfSteps[0].Arguments.IfSteps[0]');
  });

  it.each<[string, JsonValue, string, string]>([
    ['a step without Name', { Type: 'Fail', Arguments: {} }, 'MISSING_STEP_NAME', '$.Steps[1].Name'],
    ['a step without Type', { Name: 'X', Arguments: {} }, 'MISSING_STEP_TYPE', '$.Steps[1].Type'],
    ['an unknown Type', step('X', 'Notebook'), 'UNKNOWN_STEP_TYPE', '$.Steps[1].Type'],
    ['a name with a dot', fail('my.step'), 'INVALID_STEP_NAME', '$.Steps[1].Name'],
    ['a name longer than 64', fail('S'.repeat(65)), 'INVALID_STEP_NAME', '$.Steps[1].Name'],
    ['a step that is not an object', 'Step', 'MALFORMED_STEP', '$.Steps[1]'],
    ['a training step without Arguments', { Name: 'T', Type: 'Training' }, 'MISSING_ARGUMENTS', '$.Steps[1].Arguments'],
    ['a Lambda step without FunctionArn', step('L', 'Lambda', {}), 'MISSING_FIELD', '$.Steps[1].FunctionArn'],
    ['a Callback step without SqsQueueUrl', step('C', 'Callback', {}), 'MISSING_FIELD', '$.Steps[1].SqsQueueUrl'],
    ['IfSteps that are not a list', step('C', 'Condition', { Conditions: [], IfSteps: {}, ElseSteps: [] }), 'MALFORMED_CONDITION_STEP', '$.Steps[1].Arguments.IfSteps'],
    ['DependsOn naming an unknown step', fail('F', { DependsOn: ['Proces'] }), 'UNKNOWN_DEPENDENCY', '$.Steps[1].DependsOn[0]'],
    ['DependsOn naming itself', fail('F', { DependsOn: ['F'] }), 'SELF_DEPENDENCY', '$.Steps[1].DependsOn[0]'],
    ['DependsOn that is a string', fail('F', { DependsOn: 'Process' }), 'MALFORMED_DEPENDS_ON', '$.Steps[1].DependsOn'],
    ['a numeric DisplayName', fail('F', { DisplayName: 3 }), 'MALFORMED_STEP', '$.Steps[1].DisplayName'],
  ])('rejects %s', (_label, bad, code, problemPath) => {
    expect(only(definition([bad]))).toMatchObject({ code, path: problemPath });
  });

  it('suggests the closest step name for an unknown dependency', () => {
    expect(only(definition([fail('F', { DependsOn: ['Proces'] })])).hint).toBe('did you mean "Process"?');
  });

  it('accepts the step names the SDK generates for step collections', () => {
    expect(codes(definition([fail('MyModel-RegisterModel'), fail('MyModel-RepackModel-0'), fail('a_b-C9')]))).toEqual([]);
  });
});

describe('cycles', () => {
  const fail = (name: string, extra: JsonObject = {}): JsonObject => step(name, 'Fail', { ErrorMessage: 'x' }, extra);

  it.each<[string, JsonValue[], string]>([
    ['a DependsOn cycle', [fail('A', { DependsOn: ['B'] }), fail('B', { DependsOn: ['A'] })], 'A -> B -> A'],
    ['a three-step cycle', [fail('A', { DependsOn: ['C'] }), fail('B', { DependsOn: ['A'] }), fail('C', { DependsOn: ['B'] })], 'A -> B -> C -> A'],
    [
      'a cycle through a property reference',
      [step('A', 'Fail', { ErrorMessage: get('Steps.B.Outcome') }), step('B', 'Condition', { Conditions: [], IfSteps: [], ElseSteps: [] }, { DependsOn: ['A'] })],
      'A -> B -> A',
    ],
    [
      'a condition that depends on a step in its own branch',
      [step('C', 'Condition', { Conditions: [{ Type: 'Equals', LeftValue: get("Steps.L.OutputParameters['x']"), RightValue: 1 }], IfSteps: [step('L', 'Lambda', {}, { FunctionArn: 'arn', OutputParameters: [{ OutputName: 'x' }] })], ElseSteps: [] })],
      'C -> L -> C',
    ],
  ])('finds %s and prints it', (_label, steps, cycle) => {
    const problem = only(definition(steps));
    expect(problem.code).toBe('CYCLE');
    expect(problem.message).toBe(`dependency cycle: ${cycle}`);
  });
});

describe('expressions', () => {
  const failWith = (message: JsonValue): JsonObject => step('F', 'Fail', { ErrorMessage: message });

  it.each<[string, JsonValue, string, string]>([
    ['a Get of a number', { Get: 1 }, 'MALFORMED_GET', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['a Get of an unknown namespace', get('Variables.X'), 'MALFORMED_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['an unknown execution variable', get('Execution.StartTime'), 'MALFORMED_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['a step reference without a property', get('Steps.Process'), 'MALFORMED_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['a malformed property path', get("Steps.Process.ProcessingOutputConfig.Outputs['train"), 'MALFORMED_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['an unknown parameter', get('Parameters.Treshold'), 'UNKNOWN_PARAMETER', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['an unknown step', get('Steps.Proces.ProcessingJobName'), 'UNKNOWN_STEP_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['a reference to itself', get('Steps.F.Outcome'), 'SELF_REFERENCE', '$.Steps[1].Arguments.ErrorMessage.Get'],
    ['a Join without On', { 'Std:Join': { Values: ['a'] } }, 'MALFORMED_JOIN', "$.Steps[1].Arguments.ErrorMessage['Std:Join'].On"],
    ['a Join without Values', { 'Std:Join': { On: ',' } }, 'MALFORMED_JOIN', "$.Steps[1].Arguments.ErrorMessage['Std:Join'].Values"],
    ['a Join of a string', { 'Std:Join': 'a,b' }, 'MALFORMED_JOIN', "$.Steps[1].Arguments.ErrorMessage['Std:Join']"],
    ['an unknown parameter inside a Join', { 'Std:Join': { On: '', Values: ['a', get('Parameters.X')] } }, 'UNKNOWN_PARAMETER', "$.Steps[1].Arguments.ErrorMessage['Std:Join'].Values[1].Get"],
    ['a JsonGet without Path', { 'Std:JsonGet': { PropertyFile: get('Steps.Process.PropertyFiles.Report') } }, 'MALFORMED_JSONGET', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].Path"],
    ['a JsonGet with neither source', { 'Std:JsonGet': { Path: 'a' } }, 'MALFORMED_JSONGET', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet']"],
    ['a JsonGet with both sources', { 'Std:JsonGet': { Path: 'a', S3Uri: 's3://b/k', PropertyFile: get('Steps.Process.PropertyFiles.Report') } }, 'MALFORMED_JSONGET', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet']"],
    ['a JsonGet with an invalid path', { 'Std:JsonGet': { Path: 'a[', S3Uri: 's3://b/k' } }, 'INVALID_JSON_PATH', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].Path"],
    ['a JsonGet PropertyFile that is a parameter', { 'Std:JsonGet': { Path: 'a', PropertyFile: get('Parameters.Threshold') } }, 'MALFORMED_JSONGET', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].PropertyFile"],
    ['a JsonGet on an undeclared property file', { 'Std:JsonGet': { Path: 'a', PropertyFile: get('Steps.Process.PropertyFiles.Other') } }, 'UNKNOWN_PROPERTY_FILE', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].PropertyFile.Get"],
    ['a legacy JsonGet naming an undeclared property file', { 'Std:JsonGet': { Path: 'a', PropertyFile: 'Other' } }, 'UNKNOWN_PROPERTY_FILE', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].PropertyFile"],
    ['an unknown parameter inside a JsonGet S3Uri', { 'Std:JsonGet': { Path: 'a', S3Uri: get('Parameters.Uri') } }, 'UNKNOWN_PARAMETER', "$.Steps[1].Arguments.ErrorMessage['Std:JsonGet'].S3Uri.Get"],
    ['an unknown function', { 'Std:Concat': ['a', 'b'] }, 'UNKNOWN_FUNCTION', "$.Steps[1].Arguments.ErrorMessage['Std:Concat']"],
  ])('rejects %s', (_label, expression, code, problemPath) => {
    expect(only(definition([failWith(expression)]))).toMatchObject({ code, path: problemPath, step: 'F' });
  });

  it.each<[string, JsonValue]>([
    ['a legacy JsonGet naming a declared property file', { 'Std:JsonGet': { Path: 'a.b', PropertyFile: 'Report' } }],
    ['every execution variable', { 'Std:Join': { On: ' ', Values: ['PipelineExecutionId', 'PipelineExecutionArn', 'PipelineName', 'PipelineArn', 'StartDateTime', 'CurrentDateTime', 'TrainingJobName', 'ProcessingJobName'].map((v) => get(`Execution.${v}`)) } }],
    ['experiment config references', { 'Std:Join': { On: '/', Values: [get('PipelineExperimentConfig.ExperimentName'), get('PipelineExperimentConfig.TrialName')] } }],
    ['an object with Get and other keys, which is plain JSON', { Get: 'anything', Other: 1 }],
    ['a JsonGet Path built with Join', { 'Std:JsonGet': { Path: { 'Std:Join': { On: '.', Values: ['metrics', get('Parameters.Threshold'), 'value'] } }, PropertyFile: get('Steps.Process.PropertyFiles.Report') } }],
    ['a JsonGet on an S3Uri built with Join', { 'Std:JsonGet': { Path: '$.a', S3Uri: { 'Std:Join': { On: '/', Values: [get("Steps.Process.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"), 'x.json'] } } } }],
  ])('accepts %s', (_label, expression) => {
    expect(codes(definition([failWith(expression)]))).toEqual([]);
  });
});

describe('conditions', () => {
  const conditionStep = (conditions: JsonValue): JsonObject => step('C', 'Condition', { Conditions: conditions, IfSteps: [], ElseSteps: [] });

  it.each<[string, JsonValue, string, string]>([
    ['an unknown type', [{ Type: 'NotEquals', LeftValue: 1, RightValue: 2 }], 'UNKNOWN_CONDITION_TYPE', '$.Steps[1].Arguments.Conditions[0].Type'],
    ['a missing type', [{ LeftValue: 1, RightValue: 2 }], 'UNKNOWN_CONDITION_TYPE', '$.Steps[1].Arguments.Conditions[0].Type'],
    ['a missing LeftValue', [{ Type: 'Equals', RightValue: 2 }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].LeftValue'],
    ['a missing RightValue', [{ Type: 'GreaterThan', LeftValue: 2 }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].RightValue'],
    ['In without QueryValue', [{ Type: 'In', Values: [1] }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].QueryValue'],
    ['In without Values', [{ Type: 'In', QueryValue: 1 }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].Values'],
    ['the stale schema spelling of In', [{ Type: 'In', Value: 1, In: [1] }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0]'],
    ['Not without Condition', [{ Type: 'Not' }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].Condition'],
    ['Not with both Condition and the legacy Expression', [{ Type: 'Not', Condition: { Type: 'Equals', LeftValue: 1, RightValue: 1 }, Expression: { Type: 'Equals', LeftValue: 1, RightValue: 2 } }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0]'],
    ['Or without Conditions', [{ Type: 'Or' }], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0].Conditions'],
    ['a bad condition inside Not inside Or', [{ Type: 'Or', Conditions: [{ Type: 'Not', Condition: { Type: 'Equal', LeftValue: 1, RightValue: 1 } }] }], 'UNKNOWN_CONDITION_TYPE', '$.Steps[1].Arguments.Conditions[0].Conditions[0].Condition.Type'],
    ['a bad condition inside a legacy Not', [{ Type: 'Not', Expression: { Type: 'Equal', LeftValue: 1, RightValue: 1 } }], 'UNKNOWN_CONDITION_TYPE', '$.Steps[1].Arguments.Conditions[0].Expression.Type'],
    ['an unknown parameter in a LeftValue', [{ Type: 'Equals', LeftValue: get('Parameters.Nope'), RightValue: 1 }], 'UNKNOWN_PARAMETER', '$.Steps[1].Arguments.Conditions[0].LeftValue.Get'],
    ['Conditions that are not a list', { Type: 'Equals', LeftValue: 1, RightValue: 1 }, 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions'],
    ['a condition that is a string', ['Equals'], 'MALFORMED_CONDITION', '$.Steps[1].Arguments.Conditions[0]'],
  ])('rejects %s', (_label, conditions, code, problemPath) => {
    expect(only(definition([conditionStep(conditions)]))).toMatchObject({ code, path: problemPath });
  });

  it('accepts Not, Or and In nested in each other, and an empty list', () => {
    const conditions: JsonValue = [
      { Type: 'Not', Condition: { Type: 'Or', Conditions: [{ Type: 'In', QueryValue: get('Parameters.Threshold'), Values: [1, 2] }, { Type: 'LessThanOrEqualTo', LeftValue: 1, RightValue: 2 }] } },
    ];
    expect(validateDefinition(definition([conditionStep(conditions)]))).toMatchObject({ problems: [], warnings: [] });
    expect(codes(definition([conditionStep([])]))).toEqual([]);
  });

  it('accepts the legacy Not of SDKs before 2.204 ("Expression") with a warning that the cloud rejects it', () => {
    const result = validateDefinition(definition([conditionStep([{ Type: 'Or', Conditions: [{ Type: 'Not', Expression: { Type: 'Equals', LeftValue: 1, RightValue: 2 } }] }])]));
    expect(result.problems).toEqual([]);
    expect(result.definition).toBeDefined();
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'LEGACY_NOT_EXPRESSION',
        path: '$.Steps[1].Arguments.Conditions[0].Conditions[0].Expression',
        step: 'C',
        message: expect.stringContaining("SageMaker rejects it: \"Cannot parse object, unknown property 'Expression'\""),
        hint: expect.stringContaining('"Condition"'),
      }),
    ]);
  });
});

describe('property references by step type', () => {
  const targets: JsonObject[] = [
    step('Train', 'Training', {}),
    step('Tune', 'Tuning', {}),
    step('Model', 'Model', {}),
    step('Register', 'RegisterModel', {}),
    step('Transform', 'Transform', {}),
    step('Lambda', 'Lambda', {}, { FunctionArn: 'arn', OutputParameters: [{ OutputName: 'version', OutputType: 'String' }] }),
    step('Callback', 'Callback', {}, { SqsQueueUrl: 'https://sqs', OutputParameters: [{ OutputName: 'approved', OutputType: 'Boolean' }] }),
    step('Cond', 'Condition', { Conditions: [], IfSteps: [], ElseSteps: [] }),
    step('Fail', 'Fail', { ErrorMessage: 'x' }),
    step('AutoML', 'AutoML', {}),
    step('Emr', 'EMR', {}),
    step('Quality', 'QualityCheck', {}),
    step('Clarify', 'ClarifyCheck', {}),
  ];
  const consumer = (reference: string): JsonObject => step('Consumer', 'Fail', { ErrorMessage: get(reference) });
  const check = (reference: string) => validateDefinition(definition([...targets, consumer(reference)])).problems;

  it.each([
    'Steps.Process.ProcessingJobName',
    "Steps.Process.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
    'Steps.Process.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri',
    "Steps.Process.Environment['ANY_KEY']",
    'Steps.Train.ModelArtifacts.S3ModelArtifacts',
    "Steps.Train.FinalMetricDataList['validation:rmse'].Value",
    "Steps.Train.HyperParameters['eta']",
    'Steps.Train.TrainingJobArn',
    'Steps.Tune.BestTrainingJob.TrainingJobName',
    'Steps.Tune.TrainingJobSummaries[0].TrainingJobName',
    'Steps.Tune.HyperParameterTuningJobArn',
    'Steps.Model.ModelName',
    'Steps.Model.ModelArn',
    'Steps.Register.ModelPackageArn',
    'Steps.Register.ModelPackageVersion',
    'Steps.Register.ModelApprovalStatus',
    'Steps.Transform.TransformOutput.S3OutputPath',
    "Steps.Lambda.OutputParameters['version']",
    "Steps.Callback.OutputParameters['approved']",
    'Steps.Cond.Outcome',
    'Steps.AutoML.BestCandidateProperties.ModelInsightsJsonReportPath',
    'Steps.AutoML.BestCandidate.CandidateName',
    'Steps.Emr.Status.State',
    'Steps.Quality.CalculatedBaselineStatistics',
    'Steps.Clarify.BaselineUsedForDriftCheckConstraints',
  ])('accepts %s', (reference) => {
    expect(check(reference)).toEqual([]);
  });

  it.each<[string, string]>([
    ['Steps.Train.ModelArtifact.S3ModelArtifacts', 'UNKNOWN_PROPERTY'],
    ['Steps.Train.TrainingJobName.Length', 'UNKNOWN_PROPERTY'],
    ['Steps.Train.FinalMetricDataList.Value', 'UNKNOWN_PROPERTY'],
    ['Steps.Train.ModelArtifacts[0]', 'UNKNOWN_PROPERTY'],
    ['Steps.Model.ModelPackageArn', 'UNKNOWN_PROPERTY'],
    ['Steps.Cond.Result', 'UNKNOWN_PROPERTY'],
    ['Steps.Fail.ErrorMessage', 'UNKNOWN_PROPERTY'],
    ["Steps.Train.OutputParameters['x']", 'UNKNOWN_PROPERTY'],
    ["Steps.Lambda.OutputParameters['versions']", 'UNKNOWN_OUTPUT_PARAMETER'],
    ['Steps.Lambda.OutputParameters.version', 'MALFORMED_REFERENCE'],
    ["Steps.Process.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri", 'UNKNOWN_PROCESSING_OUTPUT'],
    ['Steps.Process.PropertyFiles.Missing', 'UNKNOWN_PROPERTY_FILE'],
  ])('rejects %s with %s', (reference, code) => {
    const problems = check(reference);
    expect(problems.map((p) => p.code)).toEqual([code]);
    expect(problems[0]?.step).toBe('Consumer');
  });

  it('suggests the property the reference probably meant', () => {
    expect(check('Steps.Train.ModelArtifact.S3ModelArtifacts')[0]?.hint).toMatch(/^did you mean "ModelArtifacts"\?/);
  });
});

describe('CacheConfig', () => {
  const cached = (config: JsonValue): JsonObject => ({ ...PROCESS, CacheConfig: config });
  const withCache = (config: JsonValue) => validateDefinition({ ...definition(), Steps: [cached(config)] }).problems.map((p) => [p.code, p.path]);

  it.each<[string, JsonValue, string[][]]>([
    ['Enabled missing', { ExpireAfter: 'P30D' }, [['INVALID_CACHE_CONFIG', '$.Steps[0].CacheConfig.Enabled']]],
    ['Enabled as text', { Enabled: 'true' }, [['INVALID_CACHE_CONFIG', '$.Steps[0].CacheConfig.Enabled']]],
    ['a config that is a boolean', true, [['INVALID_CACHE_CONFIG', '$.Steps[0].CacheConfig']]],
    ['ExpireAfter that does not parse', { Enabled: true, ExpireAfter: '30 days' }, [['INVALID_EXPIRE_AFTER', '$.Steps[0].CacheConfig.ExpireAfter']]],
    ['ExpireAfter as a number', { Enabled: true, ExpireAfter: 30 }, [['INVALID_EXPIRE_AFTER', '$.Steps[0].CacheConfig.ExpireAfter']]],
    ['a valid config', { Enabled: true, ExpireAfter: 'P1DT12H' }, []],
    ['caching turned off', { Enabled: false }, []],
  ])('%s', (_label, config, expected) => {
    expect(withCache(config)).toEqual(expected);
  });
});

describe('RetryPolicies', () => {
  const withRetry = (policies: JsonValue, base: JsonObject = PROCESS) =>
    validateDefinition({ ...definition(), Steps: [{ ...base, RetryPolicies: policies }] }).problems.map((p) => [p.code, p.path.replace('$.Steps[0].RetryPolicies', '')]);
  const policy = (fields: JsonObject): JsonObject => ({ ExceptionType: ['SageMaker.CAPACITY_ERROR'], ...fields });

  it.each<[string, JsonValue, string[][]]>([
    ['MaxAttempts', [policy({ MaxAttempts: 5, IntervalSeconds: 1, BackoffRate: 2.0 })], []],
    ['ExpireAfterMin', [policy({ ExpireAfterMin: 14400 })], []],
    ['every exception type', [policy({ ExceptionType: ['Step.SERVICE_FAULT', 'Step.THROTTLING', 'SageMaker.JOB_INTERNAL_ERROR', 'SageMaker.CAPACITY_ERROR', 'SageMaker.RESOURCE_LIMIT'], MaxAttempts: 1 })], []],
    ['both limits', [policy({ MaxAttempts: 2, ExpireAfterMin: 10 })], [['INVALID_RETRY_POLICY', '[0]']]],
    ['neither limit', [policy({})], [['INVALID_RETRY_POLICY', '[0]']]],
    ['MaxAttempts 0', [policy({ MaxAttempts: 0 })], [['INVALID_RETRY_POLICY', '[0].MaxAttempts']]],
    ['MaxAttempts 21', [policy({ MaxAttempts: 21 })], [['INVALID_RETRY_POLICY', '[0].MaxAttempts']]],
    ['MaxAttempts 2.5', [policy({ MaxAttempts: 2.5 })], [['INVALID_RETRY_POLICY', '[0].MaxAttempts']]],
    ['ExpireAfterMin 14401', [policy({ ExpireAfterMin: 14401 })], [['INVALID_RETRY_POLICY', '[0].ExpireAfterMin']]],
    ['IntervalSeconds 0', [policy({ MaxAttempts: 1, IntervalSeconds: 0 })], [['INVALID_RETRY_POLICY', '[0].IntervalSeconds']]],
    ['IntervalSeconds 43201', [policy({ MaxAttempts: 1, IntervalSeconds: 43201 })], [['INVALID_RETRY_POLICY', '[0].IntervalSeconds']]],
    ['a negative BackoffRate', [policy({ MaxAttempts: 1, BackoffRate: -1 })], [['INVALID_RETRY_POLICY', '[0].BackoffRate']]],
    ['an unknown exception type', [policy({ ExceptionType: ['SageMaker.CAPACITY_ERRORS'], MaxAttempts: 1 })], [['UNKNOWN_EXCEPTION_TYPE', '[0].ExceptionType[0]']]],
    ['no exception types', [policy({ ExceptionType: [], MaxAttempts: 1 })], [['INVALID_RETRY_POLICY', '[0].ExceptionType']]],
    ['policies that are not a list', policy({ MaxAttempts: 1 }), [['INVALID_RETRY_POLICY', '']]],
  ])('%s', (_label, policies, expected) => {
    expect(withRetry(policies)).toEqual(expected);
  });

  it('suggests the closest exception type', () => {
    const { problems } = validateDefinition({ ...definition(), Steps: [{ ...PROCESS, RetryPolicies: [policy({ ExceptionType: ['SageMaker.CAPACITY_ERRORS'], MaxAttempts: 1 })] }] });
    expect(problems[0]?.hint).toBe('did you mean "SageMaker.CAPACITY_ERROR"?');
  });

  it.each(['Condition', 'Fail', 'Lambda', 'Callback'])('refuses RetryPolicies on a %s step', (type) => {
    const base: JsonObject = { Name: 'S', Type: type, Arguments: type === 'Condition' ? { Conditions: [], IfSteps: [], ElseSteps: [] } : {}, FunctionArn: 'arn', SqsQueueUrl: 'https://q' };
    expect(withRetry([policy({ MaxAttempts: 1 })], base)).toEqual([['RETRY_NOT_SUPPORTED', '']]);
  });
});

describe('PropertyFiles and OutputParameters', () => {
  it.each<[string, JsonObject, string, string]>([
    ['PropertyFiles on a training step', step('T', 'Training', {}, { PropertyFiles: [] }), 'PROPERTY_FILES_NOT_SUPPORTED', '$.Steps[1].PropertyFiles'],
    ['a property file on an output the step lacks', { ...PROCESS, Name: 'P2', PropertyFiles: [{ PropertyFileName: 'R', OutputName: 'eval', FilePath: 'r.json' }] }, 'UNKNOWN_PROCESSING_OUTPUT', '$.Steps[1].PropertyFiles[0].OutputName'],
    ['a property file without FilePath', { ...PROCESS, Name: 'P2', PropertyFiles: [{ PropertyFileName: 'R', OutputName: 'train' }] }, 'INVALID_PROPERTY_FILE', '$.Steps[1].PropertyFiles[0].FilePath'],
    ['a property file declared twice', { ...PROCESS, Name: 'P2', PropertyFiles: [{ PropertyFileName: 'R', OutputName: 'train', FilePath: 'a' }, { PropertyFileName: 'R', OutputName: 'train', FilePath: 'b' }] }, 'DUPLICATE_PROPERTY_FILE', '$.Steps[1].PropertyFiles[1].PropertyFileName'],
    ['OutputParameters on a processing step', { ...PROCESS, Name: 'P2', PropertyFiles: [], OutputParameters: [] }, 'OUTPUT_PARAMETERS_NOT_SUPPORTED', '$.Steps[1].OutputParameters'],
    ['an output parameter of an unknown type', step('L', 'Lambda', {}, { FunctionArn: 'arn', OutputParameters: [{ OutputName: 'x', OutputType: 'Json' }] }), 'INVALID_OUTPUT_PARAMETER', '$.Steps[1].OutputParameters[0].OutputType'],
    ['an output parameter declared twice', step('L', 'Lambda', {}, { FunctionArn: 'arn', OutputParameters: [{ OutputName: 'x' }, { OutputName: 'x' }] }), 'DUPLICATE_OUTPUT_PARAMETER', '$.Steps[1].OutputParameters[1].OutputName'],
  ])('rejects %s', (_label, bad, code, problemPath) => {
    expect(only(definition([bad]))).toMatchObject({ code, path: problemPath });
  });

  it('accepts a property file on an output whose name is an expression (it cannot be checked)', () => {
    const dynamic = { ...PROCESS, Name: 'P2', Arguments: { ...PROCESS.Arguments, ProcessingOutputConfig: { Outputs: [{ OutputName: get('Parameters.Threshold') }] } }, PropertyFiles: [{ PropertyFileName: 'R', OutputName: 'x', FilePath: 'r.json' }] };
    expect(codes(definition([dynamic]))).toEqual([]);
  });
});

describe('parseExpireAfter', () => {
  const H = 3_600_000;
  const D = 24 * H;
  it.each<[string, number | undefined]>([
    ['P30D', 30 * D],
    ['PT1H', H],
    ['PT16M', 16 * 60_000],
    ['PT30S', 30_000],
    ['P1DT12H', D + 12 * H],
    ['P1W', 7 * D],
    ['P1M', 30 * D],
    ['P1Y', 365 * D],
    ['PT0.5H', H / 2],
    ['p30d', 30 * D],
    ['30d', 30 * D],
    ['T16m', 16 * 60_000],
    ['30dT5h', 30 * D + 5 * H],
    ['4h', 4 * H],
    ['1w', 7 * D],
    ['90s', 90_000],
    ['P', undefined],
    ['PT', undefined],
    ['', undefined],
    ['30 days', undefined],
    ['D30', undefined],
    ['T5d', undefined],
    ['-P1D', undefined],
  ])('%j is %s ms', (text, expected) => {
    expect(parseExpireAfter(text)).toBe(expected);
  });
});
