// Loading definitions: SDK output, DescribePipeline responses, JSON errors and missing files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DefinitionError, SagesimError } from '../../src/errors.js';
import { jsonErrorOffset } from '../../src/engine/json-error-position.js';
import { parseDefinition, validateDefinitionText } from '../../src/engine/load-definition.js';
import { loadDefinitionFile } from '../../src/app/definition-file.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');
const abaloneText = readFileSync(ABALONE, 'utf8');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseDefinition', () => {
  it('returns the definition the SDK wrote', () => {
    const definition = parseDefinition(abaloneText, 'abalone.json');
    expect(definition.Version).toBe('2020-12-01');
    expect(definition.Steps.map((s) => s.Name)).toEqual(['AbaloneProcess', 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond']);
  });

  it('unwraps a DescribePipeline response holding the definition as a string', () => {
    const response = JSON.stringify({
      PipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline',
      PipelineName: 'AbalonePipeline',
      PipelineDefinition: abaloneText,
      RoleArn: 'arn:aws:iam::111122223333:role/R',
      PipelineStatus: 'Active',
    });
    expect(parseDefinition(response, 'describe.json').Steps).toHaveLength(4);
  });

  it('accepts a leading byte order mark', () => {
    expect(parseDefinition(`\ufeff${abaloneText}`, 'bom.json').Version).toBe('2020-12-01');
  });

  it.each<[string, string, number, number]>([
    ['a missing closing brace', '{\n  "Version": "2020-12-01",\n  "Steps": []\n', 4, 1],
    ['a trailing comma', '{\n  "Version": "2020-12-01",\n  "Steps": [],\n}', 4, 1],
    ['a stray word', '{\n  "Version": nope\n}', 2, 14],
  ])('reports %s as NOT_JSON with its line and column', (_label, text, line, column) => {
    const error = thrown(() => parseDefinition(text, 'broken.json')) as SagesimError;
    expect(error).toBeInstanceOf(SagesimError);
    expect(error).toMatchObject({ code: 'NOT_JSON', source: 'user' });
    expect(error.message).toContain(`broken.json is not JSON (line ${line}, column ${column})`);
  });

  it('reports a DescribePipeline response whose PipelineDefinition is not JSON', () => {
    const error = thrown(() => parseDefinition(JSON.stringify({ PipelineDefinition: '{oops' }), 'describe.json')) as SagesimError;
    expect(error).toMatchObject({ code: 'NOT_JSON' });
    expect(error.message).toContain('describe.json (PipelineDefinition) is not JSON');
  });

  it('throws a DefinitionError carrying every problem', () => {
    const raw = JSON.parse(abaloneText) as { Steps: { Name: string; Type: string }[] };
    (raw.Steps[0] as { Name: string }).Name = 'AbaloneTrain';
    (raw.Steps[1] as { Type: string }).Type = 'Trainer';
    const error = thrown(() => parseDefinition(JSON.stringify(raw), 'bad.json')) as DefinitionError;
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.source).toBe('user');
    expect(error.message).toMatch(/^bad\.json: \d+ problems found$/);
    expect(error.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['DUPLICATE_STEP_NAME', 'UNKNOWN_STEP_TYPE']));
  });

  it('checks the version before anything else', () => {
    const error = thrown(() => parseDefinition('{"Version": "2019-01-01", "Steps": 3}', 'old.json')) as DefinitionError;
    expect(error.code).toBe('UNSUPPORTED_VERSION');
    expect(error.problems).toHaveLength(1);
  });
});

describe('validateDefinitionText', () => {
  it('returns problems instead of throwing for an invalid definition', () => {
    const result = validateDefinitionText('{"Version": "2020-12-01", "Steps": [{"Name": "A"}]}', 'x.json');
    expect(result.definition).toBeUndefined();
    expect(result.problems.map((p) => p.code)).toEqual(['MISSING_STEP_TYPE']);
  });

  it('still throws NOT_JSON for text that is not JSON', () => {
    expect(() => validateDefinitionText('nope', 'x.json')).toThrow(expect.objectContaining({ code: 'NOT_JSON' }));
  });
});

describe('loadDefinitionFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a definition file', async () => {
    const file = path.join(dir, 'pipeline.json');
    writeFileSync(file, abaloneText);
    expect((await loadDefinitionFile(file)).Parameters).toHaveLength(7);
  });

  it('reports a missing file as FILE_NOT_FOUND, a user error', async () => {
    await expect(loadDefinitionFile(path.join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', source: 'user' });
  });

  it('reports a directory as unreadable', async () => {
    await expect(loadDefinitionFile(dir)).rejects.toMatchObject({ code: 'FILE_NOT_READABLE', source: 'user' });
  });
});

describe('jsonErrorOffset', () => {
  it.each<[string, number | undefined]>([
    ['{"a": [1, 2, {"b": null}], "c": "\\u00e9\\n"}', undefined],
    ['  [true, false, -1.5e3]  ', undefined],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['"unterminated', 13],
    ['01', 1],
    ['[1] x', 4],
    ['{"a": tru}', 6],
    ['', 0],
  ])('finds the first error in %j at %s', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});
