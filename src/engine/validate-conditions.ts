// Static checks of Condition step conditions: known types, the operands each type needs, and the
// expressions inside them. The stale published schema's spellings are recognised and explained.
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';
import type { ValidationScope } from './validate-context.js';
import { checkValue, preview } from './validate-expressions.js';

export const CONDITION_TYPES = ['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'LessThan', 'LessThanOrEqualTo', 'In', 'Not', 'Or'] as const;
const COMPARISONS = new Set(['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'LessThan', 'LessThanOrEqualTo']);

/** Checks a list of conditions (the Conditions of a Condition step, or of an Or). */
export function checkConditions(conditions: JsonValue | undefined, path: string, scope: ValidationScope, step: string | undefined): void {
  if (!Array.isArray(conditions)) {
    scope.problems.add('MALFORMED_CONDITION', path, conditions === undefined ? 'Conditions are missing' : 'Conditions must be a list', 'give a list of conditions (a list is an AND)', step);
    return;
  }
  conditions.forEach((c, i) => checkCondition(c, `${path}[${i}]`, scope, step));
}

function checkCondition(condition: JsonValue, path: string, scope: ValidationScope, step: string | undefined): void {
  const { problems } = scope;
  if (!isJsonObject(condition)) {
    problems.add('MALFORMED_CONDITION', path, `a condition must be an object, got ${preview(condition)}`, undefined, step);
    return;
  }
  const type = condition['Type'];
  if (typeof type !== 'string' || !(CONDITION_TYPES as readonly string[]).includes(type)) {
    const suggestion = typeof type === 'string' ? problems.suggest(type, CONDITION_TYPES) : undefined;
    problems.add(
      'UNKNOWN_CONDITION_TYPE',
      `${path}.Type`,
      type === undefined ? 'the condition has no Type' : `unknown condition type ${preview(type)}`,
      suggestion ? `did you mean "${suggestion}"?` : `condition types are ${CONDITION_TYPES.join(', ')}`,
      step,
    );
    return;
  }
  if (COMPARISONS.has(type)) {
    for (const side of ['LeftValue', 'RightValue'] as const) {
      if (condition[side] === undefined) {
        problems.add('MALFORMED_CONDITION', `${path}.${side}`, `${type} condition has no ${side}`, `add ${side}`, step);
      } else {
        checkValue(condition[side] as JsonValue, `${path}.${side}`, scope, step);
      }
    }
    return;
  }
  switch (type) {
    case 'In':
      if (condition['QueryValue'] === undefined && condition['Values'] === undefined && (condition['Value'] !== undefined || condition['In'] !== undefined)) {
        problems.add(
          'MALFORMED_CONDITION',
          path,
          'In condition is spelled with Value and In, as in the outdated published schema',
          'write {"Type": "In", "QueryValue": <value>, "Values": [...]}, as the SageMaker Python SDK does',
          step,
        );
        return;
      }
      if (condition['QueryValue'] === undefined) {
        problems.add('MALFORMED_CONDITION', `${path}.QueryValue`, 'In condition has no QueryValue', 'add "QueryValue": <value>', step);
      } else {
        checkValue(condition['QueryValue'] as JsonValue, `${path}.QueryValue`, scope, step);
      }
      if (!Array.isArray(condition['Values'])) {
        problems.add('MALFORMED_CONDITION', `${path}.Values`, 'In condition needs a list of Values', 'add "Values": [...]', step);
      } else {
        checkValue(condition['Values'], `${path}.Values`, scope, step);
      }
      return;
    case 'Not':
      checkNot(condition, path, scope, step);
      return;
    case 'Or':
      if (!Array.isArray(condition['Conditions'])) {
        problems.add('MALFORMED_CONDITION', `${path}.Conditions`, 'Or condition needs a list of Conditions', 'add "Conditions": [...]', step);
      } else {
        condition['Conditions'].forEach((c, i) => checkCondition(c, `${path}.Conditions[${i}]`, scope, step));
      }
      return;
  }
}

/**
 * The service reads `{"Type": "Not", "Condition": ...}`. SDK releases before 2.204.0 (fix of
 * January 2024, aws/sagemaker-python-sdk#4351) wrote "Expression", which CreatePipeline refuses;
 * sagesim runs it as those releases' local mode did, and warns.
 */
function checkNot(condition: JsonObject, path: string, scope: ValidationScope, step: string | undefined): void {
  const { problems } = scope;
  const current = condition['Condition'];
  const legacy = condition['Expression'];
  if (current !== undefined && legacy !== undefined) {
    problems.add('MALFORMED_CONDITION', path, 'Not condition has both Condition and Expression', 'keep only "Condition": <condition>, the shape SageMaker reads', step);
    return;
  }
  if (current === undefined && legacy === undefined) {
    problems.add('MALFORMED_CONDITION', `${path}.Condition`, 'Not condition has no Condition', 'add "Condition": <condition>', step);
    return;
  }
  if (legacy !== undefined) {
    problems.warn(
      'LEGACY_NOT_EXPRESSION',
      `${path}.Expression`,
      'Not condition written with "Expression", as SageMaker Python SDK releases before 2.204.0 did; sagesim runs it, but ' +
        `SageMaker rejects it: "Cannot parse object, unknown property 'Expression'"`,
      'write {"Type": "Not", "Condition": <condition>} (upgrade the SDK to 2.204.0 or later and generate the definition again)',
      step,
    );
  }
  const inner = current ?? legacy;
  checkCondition(inner as JsonValue, `${path}.${current !== undefined ? 'Condition' : 'Expression'}`, scope, step);
}
