// `sagesim validate` and `sagesim graph`, run in-process through the CLI shell.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function run(args: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sagesim validate', () => {
  it.each<[string, string]>([
    ['abalone.json', 'valid: pipeline with 8 steps (4 in condition branches), 7 parameters\n'],
    ['caching-retries.json', 'valid: pipeline with 6 steps, 1 parameter\n'],
    ['nested-conditions.json', 'valid: pipeline with 11 steps (7 in condition branches), 2 parameters\n'],
  ])('exits 0 for %s and prints a one-line summary', async (file, summary) => {
    const result = await run(['validate', `fixtures/definitions/${file}`]);
    expect(result).toEqual({ code: 0, out: summary, err: '' });
  });

  it('exits 2 (invalid input) for an invalid definition and prints each problem with its code, path and hint', async () => {
    const result = await run(['validate', 'fixtures/definitions/invalid/unknown-parameter.json']);
    expect(result.code).toBe(2);
    expect(result.out).toBe(
      [
        'invalid: fixtures/definitions/invalid/unknown-parameter.json: 1 problem',
        '  UNKNOWN_PARAMETER  $.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri.Get (step Prepare)',
        '    Get "Parameters.InputDta" references parameter "InputDta", which the pipeline does not declare',
        '    hint: did you mean "InputData"?',
        '',
      ].join('\n'),
    );
  });

  it('prints every problem, not only the first', async () => {
    const file = path.join(dir, 'many.json');
    writeFileSync(file, JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'A', Type: 'Nope' }, { Name: 'A', Type: 'Fail', Arguments: {} }] }));
    const result = await run(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.out).toContain(': 2 problems');
    expect(result.out).toContain('UNKNOWN_STEP_TYPE  $.Steps[0].Type');
    expect(result.out).toContain('DUPLICATE_STEP_NAME  $.Steps[1].Name');
  });

  it('exits 2 when the file is missing', async () => {
    const result = await run(['validate', 'no/such/file.json']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error: definition file not found: .*no\/such\/file\.json\nhint: /);
  });

  it('exits 2 when the file is not JSON, naming the line and column', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "Version": "2020-12-01",\n  "Steps": [,]\n}\n');
    const result = await run(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('is not JSON (line 3, column 13)');
  });

  it('exits 2 without a file argument', async () => {
    expect((await run(['validate'])).code).toBe(2);
  });

  it('resolves the file against the working directory', async () => {
    const result = await run(['validate', 'definitions/lambda-callback.json'], path.join(ROOT, 'fixtures'));
    expect(result.code).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const valid = await run(['validate', '--json', 'fixtures/definitions/abalone.json']);
    expect(JSON.parse(valid.out)).toEqual({
      valid: true,
      summary: { steps: 8, branchSteps: 4, parameters: 7, text: 'pipeline with 8 steps (4 in condition branches), 7 parameters' },
      problems: [],
      warnings: [],
    });
    const invalid = await run(['validate', '--json', 'fixtures/definitions/invalid/cycle.json']);
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.out)).toMatchObject({ valid: false, problems: [{ code: 'CYCLE', path: '$.Steps[0]', step: 'Prepare' }] });
  });

  it('exits 0 for a legacy Not ("Expression") and warns that SageMaker rejects it', async () => {
    const file = path.join(dir, 'legacy-not.json');
    const legacy = { Type: 'Not', Expression: { Type: 'Equals', LeftValue: 1, RightValue: 2 } };
    writeFileSync(file, JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'Gate', Type: 'Condition', Arguments: { Conditions: [legacy], IfSteps: [], ElseSteps: [] } }] }));
    const result = await run(['validate', file]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        'valid: pipeline with 1 step, 0 parameters',
        '1 warning:',
        '  LEGACY_NOT_EXPRESSION  $.Steps[0].Arguments.Conditions[0].Expression (step Gate)',
        `    Not condition written with "Expression", as SageMaker Python SDK releases before 2.204.0 did; sagesim runs it, but SageMaker rejects it: "Cannot parse object, unknown property 'Expression'"`,
        '    hint: write {"Type": "Not", "Condition": <condition>} (upgrade the SDK to 2.204.0 or later and generate the definition again)',
        '',
      ].join('\n'),
    );
    const json = await run(['validate', '--json', file]);
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, problems: [], warnings: [{ code: 'LEGACY_NOT_EXPRESSION', step: 'Gate' }] });
  });

  it('accepts a DescribePipeline response', async () => {
    const file = path.join(dir, 'describe.json');
    writeFileSync(file, JSON.stringify({ PipelineName: 'Abalone', PipelineDefinition: readFileSync(path.join(ROOT, 'fixtures/definitions/abalone.json'), 'utf8') }));
    expect((await run(['validate', file])).out).toBe('valid: pipeline with 8 steps (4 in condition branches), 7 parameters\n');
  });
});

describe('sagesim graph', () => {
  it('prints the text graph by default', async () => {
    const result = await run(['graph', 'fixtures/definitions/conditions-not-or-in.json']);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        '4 steps (2 in condition branches), in run order:',
        '  ComputeMetrics [Processing]',
        '  QualityGate [Condition]  after ComputeMetrics',
        '    True -> PublishMetrics',
        '    False -> GateFailed',
        '  PublishMetrics [Processing]  after ComputeMetrics  when QualityGate is True',
        '  GateFailed [Fail]  after ComputeMetrics  when QualityGate is False',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, string]>([
    ['mermaid', 'flowchart TD\n'],
    ['dot', 'digraph pipeline {\n'],
  ])('prints --format %s', async (format, start) => {
    const result = await run(['graph', 'fixtures/definitions/fan-out-fan-in.json', '--format', format]);
    expect(result.code).toBe(0);
    expect(result.out.startsWith(start)).toBe(true);
    expect(result.out).toContain('True');
  });

  it('exits 2 on an unknown format', async () => {
    const result = await run(['graph', 'fixtures/definitions/abalone.json', '--format', 'svg']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('unknown graph format "svg"');
  });

  it('exits 2 (invalid input) on an invalid definition and lists its problems', async () => {
    const result = await run(['graph', 'fixtures/definitions/invalid/cycle.json']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('dependency cycle: Prepare -> Train -> Prepare');
  });

  it('exits 2 when the file is missing', async () => {
    expect((await run(['graph', 'missing.json'])).code).toBe(2);
  });
});
