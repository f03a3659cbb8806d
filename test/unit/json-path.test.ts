// The JsonPath subset Std:JsonGet reads property files with.
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/errors.js';
import type { JsonValue } from '../../src/engine/json.js';
import { getJsonPath, parseJsonPath, queryJsonPath } from '../../src/engine/json-path.js';

const REPORT: JsonValue = {
  regression_metrics: { mse: { value: 4.25, standard_deviation: 0.5 }, 'r2 score': { value: 0.8 } },
  classes: [
    { name: 'a', f1: 0.9, tags: ['x'] },
    { name: 'b', f1: 0.7, tags: [] },
  ],
  flag: false,
  nothing: null,
};

describe('getJsonPath', () => {
  it.each<[string, JsonValue]>([
    ['regression_metrics.mse.value', 4.25],
    ['$.regression_metrics.mse.value', 4.25],
    ["regression_metrics['r2 score'].value", 0.8],
    ['regression_metrics["r2 score"].value', 0.8],
    ["$['regression_metrics']['mse']['standard_deviation']", 0.5],
    ['classes[0].name', 'a'],
    ['classes[-1].name', 'b'],
    ['classes[0].tags[0]', 'x'],
    ['classes[*].f1', [0.9, 0.7]],
    ['classes.*.name', ['a', 'b']],
    ['$..f1', [0.9, 0.7]],
    ['$..value', [4.25, 0.8]],
    ['flag', false],
    ['nothing', null],
    ['$', REPORT],
    ['regression_metrics.mse', { value: 4.25, standard_deviation: 0.5 }],
  ])('%s selects %j', (path, expected) => {
    expect(getJsonPath(REPORT, path)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['regression_metrics.rmse.value', '$.regression_metrics has no rmse; available there: mse, r2 score'],
    ['classes[2].name', '$.classes has no [2]; available there: [0]..[1]'],
    ['flag.value', '$.flag has no value; available there: (a boolean, which has no members)'],
    ['classes.name', '$.classes has no name; available there: [0]..[1]'],
    ['missing[*]', 'nothing matches'],
  ])('reports where %s breaks off', (path, detail) => {
    let error: unknown;
    try {
      getJsonPath(REPORT, path, 'evaluation.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('JSONGET_PATH_NOT_FOUND');
    expect((error as ExpressionError).message).toContain('in evaluation.json');
    expect((error as ExpressionError).message).toContain(detail);
  });
});

describe('parseJsonPath', () => {
  it.each(['', 'a..', 'a[', "a['b", 'a[x]', 'a.'])('rejects %j as INVALID_JSON_PATH', (path) => {
    expect(() => parseJsonPath(path)).toThrow(expect.objectContaining({ code: 'INVALID_JSON_PATH' }));
  });

  it('parses members, indexes, wildcards and descendants', () => {
    expect(parseJsonPath("$.a['b c'][2][*]..d")).toEqual([
      { kind: 'member', name: 'a' },
      { kind: 'member', name: 'b c' },
      { kind: 'index', index: 2 },
      { kind: 'wildcard' },
      { kind: 'descendant', name: 'd' },
    ]);
  });
});

describe('queryJsonPath', () => {
  it('returns every match of a wildcard and nothing for a missing key', () => {
    expect(queryJsonPath(REPORT, 'classes[*].tags[*]')).toEqual(['x']);
    expect(queryJsonPath(REPORT, 'unknown.key')).toEqual([]);
  });
});
