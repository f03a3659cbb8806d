// Each Condition step's outcome with the values it compared (from the resolved arguments) and
// where they came from (from the definition): `True  0.2921 <= 0.5  (regression_metrics.mse.value <= MseThreshold)`.
import type { ComparisonType, Condition, PipelineStep } from '../../engine/definition-types.js';
import { assertNever } from '../../errors.js';
import { negatedCondition } from '../../engine/conditions.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { flattenSteps } from '../../engine/flatten-steps.js';
import { isJsonObject, type JsonValue } from '../../engine/json.js';
import { type Layout, formatValue, nameColumnWidth, section } from './layout.js';

const OPERATOR: Record<ComparisonType, string> = {
  Equals: '==',
  GreaterThan: '>',
  GreaterThanOrEqualTo: '>=',
  LessThan: '<',
  LessThanOrEqualTo: '<=',
};

export function conditionSection(record: Readonly<ExecutionRecord>, layout: Layout): string[] {
  const steps = record.steps.filter((step) => step.stepType === 'Condition' && step.metadata.Condition !== undefined);
  const nameWidth = nameColumnWidth(steps.map((step) => step.stepName));
  const definitions = conditionDefinitions(record.definition.Steps);
  const lines: string[] = [];
  for (const step of steps) {
    const outcome = step.metadata.Condition?.Outcome ?? '?';
    const styled = outcome === 'True' ? layout.style.good(outcome) : layout.style.warn(outcome);
    const resolved = resolvedConditions(step.resolvedArguments);
    const declared = definitions.get(step.stepName);
    const values = resolved ? describeAll(resolved, (c) => describeValues(c)) : undefined;
    const sources = resolved && declared ? describeAll(declared, (c) => describeSources(c)) : undefined;
    // Print the sources only when they say more than the values (a literal compared to a literal does not).
    const origin = sources && sources !== values ? `  (${sources})` : '';
    const tail = values ? `  ${values}` : '';
    const visible = `  ${step.stepName.padEnd(nameWidth)}  ${outcome}${tail}`;
    lines.push(`  ${step.stepName.padEnd(nameWidth)}  ${styled}${tail}`);
    if (origin) {
      // On a narrow terminal the sources go to their own line.
      if (visible.length + origin.length <= layout.width) lines[lines.length - 1] += origin;
      else lines.push(`  ${' '.repeat(nameWidth)}  ${' '.repeat(outcome.length)}${origin}`);
    }
  }
  return section('Conditions', lines, layout);
}

function conditionDefinitions(steps: readonly PipelineStep[]): Map<string, readonly Condition[]> {
  const definitions = new Map<string, readonly Condition[]>();
  for (const step of flattenSteps(steps)) if (step.Type === 'Condition') definitions.set(step.Name, step.Arguments.Conditions);
  return definitions;
}

function resolvedConditions(args: JsonValue | undefined): readonly Condition[] | undefined {
  if (!isJsonObject(args) || !Array.isArray(args['Conditions'])) return undefined;
  return args['Conditions'] as unknown as readonly Condition[];
}

/** A list of conditions is an AND. */
function describeAll(conditions: readonly Condition[], describe: (condition: Condition) => string): string {
  return conditions.map(describe).join(' and ');
}

function describeValues(condition: Condition): string {
  return describeWith(condition, (value) => formatValue(value));
}

function describeSources(condition: Condition): string {
  return describeWith(condition, sourceOf);
}

function describeWith(condition: Condition, operand: (value: JsonValue) => string): string {
  switch (condition.Type) {
    case 'Equals':
    case 'GreaterThan':
    case 'GreaterThanOrEqualTo':
    case 'LessThan':
    case 'LessThanOrEqualTo':
      return `${operand(condition.LeftValue)} ${OPERATOR[condition.Type]} ${operand(condition.RightValue)}`;
    case 'In':
      return `${operand(condition.QueryValue)} in [${(condition.Values ?? []).map(operand).join(', ')}]`;
    case 'Not':
      return `not (${describeWith(negatedCondition(condition), operand)})`;
    case 'Or':
      return `(${(condition.Conditions ?? []).map((c) => describeWith(c, operand)).join(' or ')})`;
    default:
      return assertNever(condition, 'condition type');
  }
}

/** Where an operand comes from: a parameter's name, a JsonGet path, a step property, or the literal. */
function sourceOf(value: JsonValue): string {
  if (isJsonObject(value)) {
    const get = value['Get'];
    if (typeof get === 'string') return get.replace(/^Parameters\./, '').replace(/^Steps\./, '');
    const jsonGet = value['Std:JsonGet'];
    if (isJsonObject(jsonGet) && typeof jsonGet['Path'] === 'string') return jsonGet['Path'];
    if ('Std:Join' in value) return 'Join(…)';
    return '{…}';
  }
  return formatValue(value);
}
