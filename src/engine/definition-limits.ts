// Size and depth limits of a pipeline definition, checked before anything walks it. One iterative
// pass (an explicit stack, never recursion), so a hostile document cannot exhaust the stack here;
// every later walk (validation, graph, expressions, JSON.stringify of the record) is recursive but
// bounded by these limits.
import type { DefinitionProblem } from '../errors.js';
import { appendKey } from './append-key.js';
import { type JsonValue, isJsonObject } from './json.js';

/** CreatePipeline's PipelineDefinition is at most 1,048,576 characters (botocore's SageMaker model). */
export const MAX_DEFINITION_LENGTH = 1_048_576;
/** Condition steps inside the IfSteps / ElseSteps of Condition steps, at most this many levels (C1 holds C2 ... holds C100). */
export const MAX_CONDITION_NESTING = 100;
/**
 * Lists and objects nested in one value (a step's Arguments, a condition, Metadata, a parameter),
 * counting the member itself as level 1. Real definitions stay under 15.
 */
export const MAX_VALUE_DEPTH = 100;

/** One level of the walk: a value and how to name its path if a problem is found under it. */
interface Frame {
  readonly value: JsonValue;
  readonly parent: Frame | undefined;
  /** How this value is reached from its parent: an object key or a list index. */
  readonly key: string | number;
  /** Lists and objects from the start of the current value (a step member or a top-level member). */
  readonly depth: number;
  /** Condition steps enclosing this value. */
  readonly conditions: number;
  /** The step this value belongs to, for `step` on the problem. */
  readonly step: string | undefined;
  /** Set on a frame that is a step object. */
  readonly isStep: boolean;
}

/**
 * The definition's limit problems; empty when it is within every limit. Stops at the first problem
 * in each branch, so a 100,000-deep value costs only MAX_VALUE_DEPTH levels of work.
 */
export function checkDefinitionLimits(definition: JsonValue): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const root: Frame = { value: definition, parent: undefined, key: '$', depth: 0, conditions: 0, step: undefined, isStep: false };
  const stack: Frame[] = [root];
  // Characters of the definition as compact JSON (JSON.stringify without spaces): what the
  // definition is, whatever the file's indentation.
  let length = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value } = frame;
    if (value === null || typeof value !== 'object') {
      length += primitiveLength(value);
      continue;
    }
    if (frame.depth > MAX_VALUE_DEPTH) {
      problems.push({
        code: 'VALUE_TOO_DEEP',
        path: pathOf(frame),
        message: `lists and objects nest more than ${MAX_VALUE_DEPTH} levels deep here`,
        hint: 'a pipeline definition written by the SageMaker Python SDK nests a few levels; flatten this value',
        ...(frame.step === undefined ? {} : { step: frame.step }),
      });
      continue;
    }
    if (Array.isArray(value)) {
      // Brackets and commas.
      length += 2 + Math.max(0, value.length - 1);
      for (let i = value.length - 1; i >= 0; i--) stack.push(childFrame(frame, i, value[i] as JsonValue));
      continue;
    }
    const keys = Object.keys(value);
    length += 2 + Math.max(0, keys.length - 1);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      length += JSON.stringify(key).length + 1;
      stack.push(childFrame(frame, key, value[key] as JsonValue));
    }
    if (frame.isStep && frame.conditions >= MAX_CONDITION_NESTING && value['Type'] === 'Condition') {
      problems.push({
        code: 'CONDITION_NESTING_TOO_DEEP',
        path: pathOf(frame),
        message: `Condition steps nest more than ${MAX_CONDITION_NESTING} levels deep here`,
        hint: 'put the steps of a deep branch at the top level and chain them with DependsOn, or combine conditions (a list is an AND; Or, Not)',
        ...(frame.step === undefined ? {} : { step: frame.step }),
      });
      // Its members are not walked: nothing below a step too deep is checked or run.
      stack.length -= keys.length;
    }
  }
  if (length > MAX_DEFINITION_LENGTH) {
    // Reported alone: the other limits' problems of a document this large are noise.
    return [
      {
        code: 'DEFINITION_TOO_LARGE',
        path: '$',
        message: `the definition is ${length.toLocaleString('en')} characters as compact JSON; CreatePipeline accepts at most ${MAX_DEFINITION_LENGTH.toLocaleString('en')}`,
        hint: 'move large values (scripts, inline data) to S3 and reference them by URI',
      },
    ];
  }
  return problems;
}

/** A child frame: step objects (top-level, or in a Condition's branch lists) restart the value depth. */
function childFrame(parent: Frame, key: string | number, value: JsonValue): Frame {
  const stepList = isStepList(parent);
  if (stepList !== undefined && isJsonObject(value)) {
    const name = typeof value['Name'] === 'string' ? value['Name'] : undefined;
    return { value, parent, key, depth: 0, conditions: stepList, step: name, isStep: true };
  }
  return { value, parent, key, depth: parent.depth + 1, conditions: parent.conditions, step: parent.step, isStep: false };
}

/**
 * When `frame` is a list of steps, the number of Condition steps enclosing those steps: 0 for the
 * top-level Steps, n + 1 for the IfSteps / ElseSteps of a Condition step itself enclosed by n.
 */
function isStepList(frame: Frame): number | undefined {
  if (!Array.isArray(frame.value)) return undefined;
  const owner = frame.parent;
  if (owner?.parent === undefined && owner !== undefined && frame.key === 'Steps') return 0;
  if ((frame.key !== 'IfSteps' && frame.key !== 'ElseSteps') || owner?.key !== 'Arguments') return undefined;
  const step = owner.parent;
  if (step?.isStep !== true || !isJsonObject(step.value) || step.value['Type'] !== 'Condition') return undefined;
  return step.conditions + 1;
}

function primitiveLength(value: JsonValue): number {
  if (typeof value === 'string') return JSON.stringify(value).length;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  return String(value).length;
}

/** The JSON path of a frame, built only when a problem needs it (paths of deep values are long). */
function pathOf(frame: Frame): string {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) keys.push(f.key);
  let path = '$';
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] as string | number;
    path = typeof key === 'number' ? `${path}[${key}]` : appendKey(path, key);
  }
  return path;
}
