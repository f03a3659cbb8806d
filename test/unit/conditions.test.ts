// Conditions on already-resolved values: comparisons, In, Not, Or, and a list as an AND.
import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateConditions } from '../../src/engine/conditions.js';
import type { ComparisonType, Condition } from '../../src/engine/definition-types.js';
import type { JsonValue } from '../../src/engine/json.js';

const cmp = (Type: ComparisonType, LeftValue: JsonValue, RightValue: JsonValue): Condition => ({ Type, LeftValue, RightValue });

describe('comparison conditions', () => {
  it.each<[string, Condition, boolean]>([
    ['4.25 <= 6.0', cmp('LessThanOrEqualTo', 4.25, 6.0), true],
    ['6 <= 6', cmp('LessThanOrEqualTo', 6, 6), true],
    ['7 <= 6', cmp('LessThanOrEqualTo', 7, 6), false],
    ['7 > 6', cmp('GreaterThan', 7, 6), true],
    ['6 > 6', cmp('GreaterThan', 6, 6), false],
    ['6 >= 6', cmp('GreaterThanOrEqualTo', 6, 6), true],
    ['5.9 >= 6', cmp('GreaterThanOrEqualTo', 5.9, 6), false],
    ['5 < 6', cmp('LessThan', 5, 6), true],
    ['6 < 6', cmp('LessThan', 6, 6), false],
    ['"0.9" (a numeric string) > 0.8', cmp('GreaterThan', '0.9', 0.8), true],
    ['"10" > 9 compares numerically, not as text', cmp('GreaterThan', '10', 9), true],
    ['"10" > "9" as two numeric strings', cmp('GreaterThan', '10', '9'), true],
    ['"b" > "a" as text', cmp('GreaterThan', 'b', 'a'), true],
    ['"abc" < "abd" as text', cmp('LessThan', 'abc', 'abd'), true],
    ['ISO timestamps compare as instants', cmp('LessThan', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00+00:30'), true],
    ['1 equals 1.0', cmp('Equals', 1, 1.0), true],
    ['6 equals "6.0"', cmp('Equals', 6, '6.0'), true],
    ['"a" equals "a"', cmp('Equals', 'a', 'a'), true],
    ['"a" does not equal "A"', cmp('Equals', 'a', 'A'), false],
    ['true equals true', cmp('Equals', true, true), true],
    ['true equals "true"', cmp('Equals', true, 'true'), true],
    ['false does not equal "true"', cmp('Equals', false, 'true'), false],
    ['false does not equal 0', cmp('Equals', false, 0), false],
    ['"5" does not equal 6', cmp('Equals', '5', 6), false],
    ['"x" does not equal 1', cmp('Equals', 'x', 1), false],
    ['null equals null', cmp('Equals', null, null), true],
  ])('%s', (_label, condition, expected) => {
    expect(evaluateCondition(condition)).toBe(expected);
  });

  it.each<[string, Condition]>([
    ['a boolean and a number', cmp('GreaterThan', true, 1)],
    ['a number and a non-numeric string', cmp('LessThan', 5, 'five')],
    ['two objects', cmp('LessThan', { a: 1 }, { a: 2 })],
    ['null and a number', cmp('GreaterThanOrEqualTo', null, 0)],
  ])('refuses to order %s', (_label, condition) => {
    expect(() => evaluateCondition(condition)).toThrow(expect.objectContaining({ code: 'CONDITION_TYPE_MISMATCH' }));
  });
});

describe('In, Not and Or', () => {
  it.each<[string, Condition, boolean]>([
    ['"v2" In ["v1", "v2"]', { Type: 'In', QueryValue: 'v2', Values: ['v1', 'v2'] }, true],
    ['"v3" In ["v1", "v2"]', { Type: 'In', QueryValue: 'v3', Values: ['v1', 'v2'] }, false],
    ['2 In [1, 2.0]', { Type: 'In', QueryValue: 2, Values: [1, 2.0] }, true],
    ['"2" In [1, 2] (numeric string)', { Type: 'In', QueryValue: '2', Values: [1, 2] }, true],
    ['anything In []', { Type: 'In', QueryValue: 'a', Values: [] }, false],
    ['Not (1 = 1)', { Type: 'Not', Condition: cmp('Equals', 1, 1) }, false],
    ['Not (1 = 2)', { Type: 'Not', Condition: cmp('Equals', 1, 2) }, true],
    ['Not Not (1 = 1)', { Type: 'Not', Condition: { Type: 'Not', Condition: cmp('Equals', 1, 1) } }, true],
    ['Not ("x" In ["a"])', { Type: 'Not', Condition: { Type: 'In', QueryValue: 'x', Values: ['a'] } }, true],
    ['Not (1 = 1) in the legacy spelling of SDKs before 2.204 (Expression)', { Type: 'Not', Expression: cmp('Equals', 1, 1) }, false],
    ['legacy Not of a current Not (1 = 2)', { Type: 'Not', Expression: { Type: 'Not', Condition: cmp('Equals', 1, 2) } }, false],
    ['(1 > 2) Or (3 > 2)', { Type: 'Or', Conditions: [cmp('GreaterThan', 1, 2), cmp('GreaterThan', 3, 2)] }, true],
    ['(1 > 2) Or (1 > 3)', { Type: 'Or', Conditions: [cmp('GreaterThan', 1, 2), cmp('GreaterThan', 1, 3)] }, false],
    ['Or of nothing', { Type: 'Or', Conditions: [] }, false],
    ['Or containing Not and In', { Type: 'Or', Conditions: [{ Type: 'Not', Condition: cmp('Equals', 1, 1) }, { Type: 'In', QueryValue: 'b', Values: ['a', 'b'] }] }, true],
  ])('%s', (_label, condition, expected) => {
    expect(evaluateCondition(condition)).toBe(expected);
  });
});

describe('evaluateConditions', () => {
  it.each<[string, Condition[], boolean]>([
    ['all true', [cmp('Equals', 1, 1), cmp('LessThan', 1, 2)], true],
    ['one false', [cmp('Equals', 1, 1), cmp('LessThan', 3, 2)], false],
    ['an empty list', [], true],
  ])('is an AND: %s', (_label, conditions, expected) => {
    expect(evaluateConditions(conditions)).toBe(expected);
  });
});
