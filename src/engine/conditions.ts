// Evaluates Condition step conditions whose values are already resolved (the scheduler runs
// resolveValue over them first). A list of conditions is an AND.
import { ExpressionError, assertNever } from '../errors.js';
import type { ComparisonType, Condition, NotCondition } from './definition-types.js';
import type { JsonValue } from './json.js';
import { withArticle } from '../util/article.js';

/** True when every condition holds (an empty list holds). */
export function evaluateConditions(conditions: readonly Condition[]): boolean {
  return conditions.every((condition) => evaluateCondition(condition));
}

export function evaluateCondition(condition: Condition): boolean {
  switch (condition.Type) {
    case 'Equals':
    case 'GreaterThan':
    case 'GreaterThanOrEqualTo':
    case 'LessThan':
    case 'LessThanOrEqualTo':
      return compare(condition.Type, condition.LeftValue, condition.RightValue);
    case 'In':
      return condition.Values.some((candidate) => valuesEqual(condition.QueryValue, candidate));
    case 'Not':
      return !evaluateCondition(negatedCondition(condition));
    case 'Or':
      return condition.Conditions.some((c) => evaluateCondition(c));
    default:
      return assertNever(condition, 'condition');
  }
}

/** The condition a Not negates, in either spelling (the legacy one is treated as the SDK's local mode did). */
export function negatedCondition(condition: NotCondition): Condition {
  return condition.Condition ?? condition.Expression;
}

function compare(type: ComparisonType, left: JsonValue, right: JsonValue): boolean {
  if (type === 'Equals') return valuesEqual(left, right);
  const order = ordering(left, right);
  if (order === undefined) {
    throw new ExpressionError(
      'CONDITION_TYPE_MISMATCH',
      `${type} cannot compare ${describe(left)} with ${describe(right)}`,
      'compare numbers with numbers (numeric strings are converted) or strings with strings',
    );
  }
  switch (type) {
    case 'GreaterThan':
      return order > 0;
    case 'GreaterThanOrEqualTo':
      return order >= 0;
    case 'LessThan':
      return order < 0;
    case 'LessThanOrEqualTo':
      return order <= 0;
    default:
      return assertNever(type, 'comparison');
  }
}

/**
 * Equality with the coercions a pipeline needs in practice: a number equals a numeric string of
 * the same value (JsonGet on a file that stores "0.9" vs a Float parameter), a boolean equals
 * "true"/"false", and 1 equals 1.0. Anything else compares as JSON.
 */
export function valuesEqual(left: JsonValue, right: JsonValue): boolean {
  const ln = asNumber(left);
  const rn = asNumber(right);
  if ((typeof left === 'number' || typeof right === 'number') && ln !== undefined && rn !== undefined) return ln === rn;
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const lb = asBoolean(left);
    const rb = asBoolean(right);
    return lb !== undefined && lb === rb;
  }
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Numbers (and numeric strings against a number) numerically; ISO timestamps as dates; strings by code point. */
function ordering(left: JsonValue, right: JsonValue): number | undefined {
  if (typeof left === 'number' || typeof right === 'number') {
    const ln = asNumber(left);
    const rn = asNumber(right);
    return ln === undefined || rn === undefined ? undefined : Math.sign(ln - rn);
  }
  if (typeof left === 'string' && typeof right === 'string') {
    const ld = asTimestamp(left);
    const rd = asTimestamp(right);
    if (ld !== undefined && rd !== undefined) return Math.sign(ld - rd);
    const ln = asNumber(left);
    const rn = asNumber(right);
    if (ln !== undefined && rn !== undefined) return Math.sign(ln - rn);
    return left < right ? -1 : left > right ? 1 : 0;
  }
  return undefined;
}

function asNumber(value: JsonValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function asBoolean(value: JsonValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function asTimestamp(value: string): number | undefined {
  if (!ISO_TIMESTAMP.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function describe(value: JsonValue): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : withArticle(typeof value);
  return `${JSON.stringify(value)} (${type})`;
}
