// Hostile and deep definitions: what `validate` accepts runs, and input too deep or too large for
// the engine is rejected with a coded problem and its JSON path, never with a stack overflow.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/engine/graph.js';
import type { JsonValue } from '../../src/engine/json.js';
import { validateDefinitionText } from '../../src/engine/load-definition.js';
import { validateDefinition } from '../../src/engine/validate.js';
import { MAX_CONDITION_NESTING, MAX_DEFINITION_LENGTH, MAX_VALUE_DEPTH } from '../../src/engine/definition-limits.js';
import { createTestEnvironment } from '../../src/testing/test-environment.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import type { StepExecutor } from '../../src/steps/executor.js';
import { parseStubsFile } from '../../src/steps/stub-executor.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { definition, failStep, processingStep, run, stepOf, testRun, testExecutors } from './support/pipeline-builders.js';

const EQUALS = { Type: 'Equals', LeftValue: 1, RightValue: 1 };

function wrap(steps: JsonValue[]): { [key: string]: JsonValue } {
  return { Version: '2020-12-01', Metadata: {}, Parameters: [], PipelineExperimentConfig: null, Steps: steps };
}

/** Text of a definition whose Condition steps nest `levels` deep (JSON.stringify itself cannot write very deep values). */
function nestedConditionsText(levels: number): string {
  const open = (i: number): string =>
    `{"Name":"C${i}","Type":"Condition","Arguments":{"Conditions":[{"Type":"Equals","LeftValue":1,"RightValue":1}],"ElseSteps":[],"IfSteps":[`;
  let text = '';
  for (let i = 1; i <= levels; i++) text += open(i);
  text += '{"Name":"Leaf","Type":"Fail","Arguments":{"ErrorMessage":"reached"}}';
  text += ']}}'.repeat(levels);
  return `{"Version":"2020-12-01","Metadata":{},"Parameters":[],"PipelineExperimentConfig":null,"Steps":[${text}]}`;
}

/** A Fail step whose ErrorMessage holds lists nested `levels` deep, as text. */
function deepArgumentsText(levels: number, open = '[', close = ']'): string {
  const value = open.repeat(levels) + '1' + close.repeat(levels);
  return `{"Version":"2020-12-01","Parameters":[],"Steps":[{"Name":"F","Type":"Fail","Arguments":{"ErrorMessage":${value}}}]}`;
}

describe('a Condition step without IfSteps or ElseSteps', () => {
  const cases: [string, JsonValue][] = [
    ['no ElseSteps', { Conditions: [EQUALS], IfSteps: [{ Name: 'Then', Type: 'Fail', Arguments: { ErrorMessage: 'then' } }] }],
    ['no IfSteps', { Conditions: [EQUALS], ElseSteps: [{ Name: 'Otherwise', Type: 'Fail', Arguments: { ErrorMessage: 'else' } }] }],
    ['neither', { Conditions: [EQUALS] }],
  ];
  it.each(cases)('%s: validates, and a stubbed run takes the missing list as empty', async (_label, args) => {
    const raw = wrap([{ Name: 'Check', Type: 'Condition', Arguments: args }]);
    const result = validateDefinition(raw);
    expect(result.problems).toEqual([]);
    await using env = await createTestEnvironment();
    const outcome = await env.run(raw as unknown as PipelineDefinition, { stubAll: true });
    expect(['Succeeded', 'Failed']).toContain(outcome.status);
    expect(outcome.record.steps.find((s) => s.stepName === 'Check')?.status).toBe('Succeeded');
    for (const step of outcome.record.steps) expect(step.failureReason ?? '').not.toMatch(/internal error/);
  });
});

describe('nesting limits', () => {
  it(`accepts ${MAX_CONDITION_NESTING} levels of Condition nesting and runs down to the innermost step`, async () => {
    const result = validateDefinitionText(nestedConditionsText(MAX_CONDITION_NESTING), 'deep.json');
    expect(result.problems).toEqual([]);
    const record = await run(result.definition as PipelineDefinition);
    expect(stepOf(record, 'Leaf').status).toBe('Failed');
    expect(stepOf(record, 'Leaf').failureReason).toContain('reached');
  });

  it(`rejects ${MAX_CONDITION_NESTING + 1} levels of Condition nesting, at the path of the step too deep`, () => {
    const { problems } = validateDefinitionText(nestedConditionsText(MAX_CONDITION_NESTING + 1), 'deep.json');
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem?.code).toBe('CONDITION_NESTING_TOO_DEEP');
    expect(problem?.step).toBe(`C${MAX_CONDITION_NESTING + 1}`);
    expect(problem?.path).toBe(`$.Steps[0]${'.Arguments.IfSteps[0]'.repeat(MAX_CONDITION_NESTING)}`);
  });

  it('rejects 5,000 levels of Condition nesting with the same coded problem, not a stack overflow', () => {
    const { problems } = validateDefinitionText(nestedConditionsText(5000), 'deep.json');
    expect(problems.map((p) => p.code)).toEqual(['CONDITION_NESTING_TOO_DEEP']);
  });

  const deep: [string, string, string][] = [
    ['lists', '[', ']'],
    ['objects', '{"a":', '}'],
  ];
  it.each(deep)('rejects arguments of %s nested 2,000 deep with VALUE_TOO_DEEP at the first level too deep', (_label, open, close) => {
    const { problems } = validateDefinitionText(deepArgumentsText(2000, open, close), 'deep.json');
    expect(problems.map((p) => p.code)).toEqual(['VALUE_TOO_DEEP']);
    const step = open === '[' ? '[0]' : '.a';
    // Arguments is level 1, ErrorMessage level 2: the first value too deep is MAX_VALUE_DEPTH - 1 below it.
    expect(problems[0]?.path).toBe(`$.Steps[0].Arguments.ErrorMessage${step.repeat(MAX_VALUE_DEPTH - 1)}`);
    expect(problems[0]?.step).toBe('F');
  });

  it('accepts arguments nested exactly to the limit, and runs them', async () => {
    const result = validateDefinitionText(deepArgumentsText(MAX_VALUE_DEPTH - 1), 'deep.json');
    expect(result.problems).toEqual([]);
    expect(buildGraph(result.definition as PipelineDefinition).order).toEqual(['F']);
    const record = await run(result.definition as PipelineDefinition);
    expect(stepOf(record, 'F').status).toBe('Failed');
  });

  it('rejects a 100,000-deep document without blowing the stack', () => {
    const { problems } = validateDefinitionText(deepArgumentsText(100_000), 'deep.json');
    expect(problems.map((p) => p.code)).toEqual(['VALUE_TOO_DEEP']);
  });

  it('the test harness rejects a 10,000-deep definition object with the coded problem', async () => {
    let value: JsonValue = 1;
    for (let i = 0; i < 10_000; i++) value = { a: value };
    await using env = await createTestEnvironment();
    const raw = wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: value } }]);
    await expect(env.run(raw as unknown as PipelineDefinition)).rejects.toMatchObject({ name: 'DefinitionError', code: 'VALUE_TOO_DEEP' });
  });

  it('says where 100,000-deep text stops being JSON, without overflowing the stack', () => {
    const text = `${'['.repeat(100_000)}1${']'.repeat(99_999)}`;
    expect(() => validateDefinitionText(text, 'deep.json')).toThrow(expect.objectContaining({ code: 'NOT_JSON', message: expect.stringContaining('(line 1, column 200001)') }));
  });

  it('reports a deep Version, or a deep list as the whole document, without overflowing in the message', () => {
    const deepList = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    expect(validateDefinitionText(`{"Version":${deepList},"Steps":[]}`, 'deep.json').problems.map((p) => p.code)).toEqual(['UNSUPPORTED_VERSION']);
    expect(validateDefinitionText(deepList, 'deep.json').problems.map((p) => p.code)).toEqual(['NOT_AN_OBJECT']);
  });

  it('rejects deep values anywhere: Parameters, Metadata, conditions', () => {
    let value: JsonValue = 1;
    for (let i = 0; i < 300; i++) value = [value];
    const withCondition = wrap([{ Name: 'C', Type: 'Condition', Arguments: { Conditions: [{ Type: 'Equals', LeftValue: value, RightValue: 1 }], IfSteps: [], ElseSteps: [] } }]);
    expect(validateDefinition(withCondition).problems.map((p) => [p.code, p.step])).toEqual([['VALUE_TOO_DEEP', 'C']]);
    const withMetadata = { ...wrap([]), Metadata: { x: value } };
    expect(validateDefinition(withMetadata).problems.map((p) => p.code)).toEqual(['VALUE_TOO_DEEP']);
    expect(validateDefinition(withMetadata).problems[0]?.path).toMatch(/^\$\.Metadata\.x\[0\]/);
  });
});

describe('size limit', () => {
  it(`rejects a definition over ${MAX_DEFINITION_LENGTH.toLocaleString('en')} characters as CreatePipeline does`, () => {
    const big = wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: 'x'.repeat(MAX_DEFINITION_LENGTH) } }]);
    const { problems } = validateDefinition(big);
    expect(problems.map((p) => [p.code, p.path])).toEqual([['DEFINITION_TOO_LARGE', '$']]);
    expect(problems[0]?.message).toMatch(/1,048,576/);
  });

  it('accepts one just under the limit', () => {
    const shell = JSON.stringify(wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: '' } }])).length;
    const fits = wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: 'x'.repeat(MAX_DEFINITION_LENGTH - shell) } }]);
    expect(JSON.stringify(fits).length).toBe(MAX_DEFINITION_LENGTH);
    expect(validateDefinition(fits).problems).toEqual([]);
  });
});

describe('long pipelines', () => {
  const chain = (n: number) => {
    const steps = [failStep('S0', 'first step fails')];
    for (let i = 1; i < n; i++) steps.push(failStep(`S${i}`, 'never runs', [`S${i - 1}`]));
    return definition(steps);
  };

  it('skips the rest of a 3,000-step DependsOn chain whose first step fails, recording every step', async () => {
    const def = chain(3000);
    expect(validateDefinition(def).problems).toEqual([]);
    const record = await run(def);
    expect(record.status).toBe('Failed');
    expect(record.steps).toHaveLength(3000);
    expect(stepOf(record, 'S0').status).toBe('Failed');
    expect(stepOf(record, 'S2999')).toMatchObject({ status: 'Skipped', skipReason: 'upstream step S2998 was skipped' });
    expect(stepOf(record, 'S1')).toMatchObject({ status: 'Skipped', skipReason: 'upstream step S0 failed' });
  });

  it('reports a cycle closing a 15,000-step chain as CYCLE, not a stack overflow', () => {
    // Minimal steps, so that the definition stays under the size limit.
    const steps: JsonValue[] = [{ Name: 'S0', Type: 'Fail', DependsOn: ['S14999'] }];
    for (let i = 1; i < 15_000; i++) steps.push({ Name: `S${i}`, Type: 'Fail', DependsOn: [`S${i - 1}`] });
    const def = wrap(steps);
    const { problems } = validateDefinition(def);
    expect(problems.map((p) => p.code)).toEqual(['CYCLE']);
  });
});

describe('many unknown names', () => {
  it('suggests names while the validation budget lasts, then gives the plain hint (no quadratic search)', () => {
    const steps: JsonValue[] = Array.from({ length: 2000 }, (_, i) => ({ Name: `Step${i}`, Type: 'Fail' }));
    steps.push({ Name: 'Join', Type: 'Fail', DependsOn: Array.from({ length: 2000 }, (_, i) => `Stop${i}`) });
    const { problems } = validateDefinition(wrap(steps));
    expect(problems).toHaveLength(2000);
    expect(problems.every((p) => p.code === 'UNKNOWN_DEPENDENCY')).toBe(true);
    expect(problems[0]?.hint).toBe('did you mean "Step0"?');
    expect(problems[1999]?.hint).toBe("name one of the pipeline's steps");
  });
});

describe('deep JSON a step writes', () => {
  /** A Processing "job" that writes `text` as its property file, as a container would. */
  const writer = (text: string): StepExecutor => ({
    stepType: 'Processing',
    async execute(context) {
      await context.objectStore.put('s3://bucket/Evaluate/out/report.json', text);
      return { properties: { ProcessingOutputConfig: { Outputs: [{ OutputName: 'out', S3Output: { S3Uri: 's3://bucket/Evaluate/out' } }] } } };
    },
  });

  it('fails the step with a coded reason when its property file nests deeper than the limit, and keeps the record', async () => {
    const step = processingStep('Evaluate', { propertyFiles: [{ PropertyFileName: 'Report', OutputName: 'out', FilePath: 'report.json' }] });
    const deep = `{"mse":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`;
    const env = testRun();
    const record = await run(definition([step]), env, { executors: testExecutors(writer(deep)), stubs: { all: false } });
    expect(record.status).toBe('Failed');
    expect(stepOf(record, 'Evaluate').failureReason).toMatch(/property file Report .* nests more than 100 levels/);
    expect(await env.store.get(record.executionId)).toMatchObject({ status: 'Failed' });
  });
});

describe('PipelineExperimentConfig', () => {
  // It is resolved when the execution starts: nothing has run, and there is no job name yet.
  const cases: [string, JsonValue, string][] = [
    ['a step property', { Get: 'Steps.F.Arguments' }, '$.PipelineExperimentConfig.ExperimentName.Get'],
    ['Std:JsonGet', { 'Std:JsonGet': { S3Uri: 's3://b/k.json', Path: 'a' } }, "$.PipelineExperimentConfig.ExperimentName['Std:JsonGet']"],
    ['itself', { Get: 'PipelineExperimentConfig.TrialName' }, '$.PipelineExperimentConfig.ExperimentName.Get'],
    ['a job name', { 'Std:Join': { On: '-', Values: ['x', { Get: 'Execution.TrainingJobName' }] } }, "$.PipelineExperimentConfig.ExperimentName['Std:Join'].Values[1].Get"],
  ];
  it.each(cases)('cannot reference %s (validate rejects what the run could not resolve at its start)', (_label, value, path) => {
    const raw = { ...wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: 'x' } }]), PipelineExperimentConfig: { ExperimentName: value, TrialName: 'trial' } };
    expect(validateDefinition(raw).problems.map((p) => [p.code, p.path])).toEqual([['INVALID_EXPERIMENT_CONFIG', path]]);
  });

  it('takes parameters, execution variables and joins of them', async () => {
    const raw = {
      ...wrap([{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: { Get: 'PipelineExperimentConfig.ExperimentName' } } }]),
      Parameters: [{ Name: 'Team', Type: 'String', DefaultValue: 'ml' }],
      PipelineExperimentConfig: { ExperimentName: { 'Std:Join': { On: '-', Values: [{ Get: 'Parameters.Team' }, { Get: 'Execution.PipelineName' }] } }, TrialName: { Get: 'Execution.PipelineExecutionId' } },
    };
    expect(validateDefinition(raw).problems).toEqual([]);
    const record = await run(raw as unknown as PipelineDefinition);
    expect(stepOf(record, 'F').failureReason).toContain('ml-test-pipeline');
  });
});

describe('deep JSON read from S3 or a stubs file', () => {
  const deep = `{"a":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`;

  it('Std:JsonGet of a document nested deeper than the limit fails the step with a coded reason', async () => {
    const env = testRun();
    await env.objectStore.put('s3://bucket/deep.json', deep);
    const def = definition([failStep('F', { 'Std:JsonGet': { S3Uri: 's3://bucket/deep.json', Path: 'a' } })]);
    expect(validateDefinition(def).problems).toEqual([]);
    const record = await run(def, env);
    expect(record.status).toBe('Failed');
    expect(stepOf(record, 'F').failureReason).toContain('nests more than 100 levels');
  });

  it('a stubs file nested deeper than the limit is INVALID_STUBS', () => {
    expect(() => parseStubsFile(JSON.parse(`{"Train":{"properties":${deep}}}`), 'stubs.json')).toThrow(expect.objectContaining({ code: 'INVALID_STUBS' }));
  });
});

describe('an error inside the scheduler', () => {
  /** A store whose save fails once, when the first Skipped step is saved (a full disk, say). */
  class FailingOnceStore extends MemoryExecutionStore {
    private failed = false;
    override save(record: Readonly<ExecutionRecord>): void {
      if (!this.failed && record.steps.some((s) => s.status === 'Skipped')) {
        this.failed = true;
        throw new Error('no space left on device');
      }
      super.save(record);
    }
  }

  it('ends the execution Failed with the error and keeps the record, instead of losing the run', async () => {
    const def = definition([failStep('First', 'boom'), failStep('Second', 'never', ['First'])]);
    const env = { ...testRun(), store: new FailingOnceStore() };
    const record = await run(def, env);
    expect(record.status).toBe('Failed');
    expect(record.failureReason).toBe('internal error: no space left on device');
    expect(await env.store.get(record.executionId)).toMatchObject({ status: 'Failed', failureReason: 'internal error: no space left on device' });
  });
});
