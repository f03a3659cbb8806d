// Pipeline parameters from --param, --params and the API: conversion, checks, and reading files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/errors.js';
import type { ParameterDeclaration } from '../../src/engine/definition-types.js';
import { didYouMean, parseParamAssignments, resolveParameters } from '../../src/engine/parameters.js';
import { readParamsFile } from '../../src/app/params-file.js';

const DECLARED: ParameterDeclaration[] = [
  { Name: 'ProcessingInstanceCount', Type: 'Integer', DefaultValue: 1 },
  { Name: 'MseThreshold', Type: 'Float', DefaultValue: 6.0 },
  { Name: 'UseSpot', Type: 'Boolean', DefaultValue: false },
  { Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval', EnumValues: ['PendingManualApproval', 'Approved', 'Rejected'] },
  { Name: 'InputData', Type: 'String' },
];

function problemsOf(provided: Record<string, string | number | boolean>): string {
  try {
    resolveParameters(DECLARED, provided);
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    return (error as ParameterError).message;
  }
  throw new Error('expected a ParameterError');
}

describe('resolveParameters', () => {
  it('fills defaults and converts provided strings to the declared types', () => {
    expect(
      resolveParameters(DECLARED, { ProcessingInstanceCount: '3', MseThreshold: '4.5', UseSpot: 'true', InputData: 's3://b/k' }),
    ).toEqual({ ProcessingInstanceCount: 3, MseThreshold: 4.5, UseSpot: true, ModelApprovalStatus: 'PendingManualApproval', InputData: 's3://b/k' });
  });

  it('keeps typed values given through the API or a params file', () => {
    expect(resolveParameters(DECLARED, { ProcessingInstanceCount: 2, MseThreshold: 7, UseSpot: true, InputData: 's3://b/k' })).toMatchObject({
      ProcessingInstanceCount: 2,
      MseThreshold: 7,
      UseSpot: true,
    });
  });

  it.each<[string, string, boolean]>([
    ['"True", as pipeline.start(parameters={"Flag": True}) sends it', 'True', true],
    ['"False", as the SDK sends False', 'False', false],
    ['"true"', 'true', true],
    ['"false"', 'false', false],
  ])('reads the Boolean %s', (_label, given, expected) => {
    expect(resolveParameters(DECLARED, { UseSpot: given, InputData: 'x' })['UseSpot']).toBe(expected);
  });

  it.each<[string, Record<string, string | number | boolean>, string]>([
    ['an Integer that is not whole', { ProcessingInstanceCount: '1.5', InputData: 'x' }, '"1.5" is not an Integer'],
    ['an Integer that is text', { ProcessingInstanceCount: 'two', InputData: 'x' }, '"two" is not an Integer'],
    ['a Float that is text', { MseThreshold: 'low', InputData: 'x' }, '"low" is not a Float'],
    ['a Boolean that is not true/false', { UseSpot: 'yes', InputData: 'x' }, '"yes" is not a Boolean (use true or false, or True or False as the SDK sends them)'],
    ['a value outside EnumValues', { ModelApprovalStatus: 'Maybe', InputData: 'x' }, 'not one of its EnumValues'],
    ['a missing value without default', {}, 'parameter "InputData" (String) has no default value and none was given'],
    ['an unknown name, with a suggestion', { MseTreshold: '1', InputData: 'x' }, 'unknown parameter "MseTreshold" (did you mean "MseThreshold"?)'],
  ])('rejects %s', (_label, provided, message) => {
    expect(problemsOf(provided)).toContain(message);
  });

  it('lists every problem at once', () => {
    const message = problemsOf({ ProcessingInstanceCount: 'x', UseSpot: 'maybe', Unknown: '1' });
    expect(message).toMatch(/^4 parameter problems:/);
    for (const fragment of ['unknown parameter "Unknown"', '"x" is not an Integer', '"maybe" is not a Boolean', 'parameter "InputData"']) {
      expect(message).toContain(fragment);
    }
  });

  it('lists the declared names when an unknown one has no close match', () => {
    expect(problemsOf({ Zzz: '1', InputData: 'x' })).toContain('declared: ProcessingInstanceCount, MseThreshold, UseSpot, ModelApprovalStatus, InputData');
  });
});

describe('parseParamAssignments', () => {
  it('splits Name=Value at the first =', () => {
    expect(parseParamAssignments(['A=1', 'Uri=s3://b/k?x=y', 'Empty='])).toEqual({ A: '1', Uri: 's3://b/k?x=y', Empty: '' });
  });

  it.each(['NoEquals', '=value'])('rejects %j', (arg) => {
    expect(() => parseParamAssignments([arg])).toThrow(expect.objectContaining({ code: 'INVALID_PARAM_ARGUMENT' }));
  });
});

describe('readParamsFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-params-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads a JSON object of names to values', async () => {
    expect(await readParamsFile(file('object.json', '{"A": "x", "B": 2, "C": true}'))).toEqual({ A: 'x', B: 2, C: true });
  });

  it("reads the API's list of Name/Value pairs", async () => {
    expect(await readParamsFile(file('list.json', '[{"Name": "A", "Value": "x"}, {"Name": "B", "Value": "2"}]'))).toEqual({ A: 'x', B: '2' });
  });

  it.each<[string, string, string]>([
    ['a missing file', '', 'FILE_NOT_FOUND'],
    ['text that is not JSON', '{', 'NOT_JSON'],
    ['a nested value', '{"A": {"b": 1}}', 'INVALID_PARAMS_FILE'],
    ['a list entry without Value', '[{"Name": "A"}]', 'INVALID_PARAMS_FILE'],
    ['a bare number', '3', 'INVALID_PARAMS_FILE'],
  ])('rejects %s', async (label, text, code) => {
    const p = label === 'a missing file' ? path.join(dir, 'missing.json') : file(`${code}-${text.length}.json`, text);
    await expect(readParamsFile(p)).rejects.toMatchObject({ code, source: 'user' });
  });
});

describe('didYouMean', () => {
  it.each<[string, string[], string | undefined]>([
    ['MseTreshold', ['MseThreshold', 'InputData'], 'MseThreshold'],
    ['inputdata', ['MseThreshold', 'InputData'], 'InputData'],
    ['Completely', ['MseThreshold', 'InputData'], undefined],
    ['x', [], undefined],
  ])('%s among %j suggests %s', (name, candidates, expected) => {
    expect(didYouMean(name, candidates)).toBe(expected);
  });
});
