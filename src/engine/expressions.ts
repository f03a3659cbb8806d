// Resolves the expression language inside step arguments (Get, Std:Join, Std:JsonGet) against
// parameters, execution variables and the outputs of steps that already ran.
import { ExpressionError, assertNever } from '../errors.js';
import { appendKey } from './append-key.js';
import { MAX_VALUE_DEPTH } from './definition-limits.js';
import { getJsonPath } from './json-path.js';
import { nestsDeeperThan } from './json-depth.js';
import { previewJson } from './json-preview.js';
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';
import { type PathSegment, type Reference, formatSegments, parseReference } from './reference-path.js';
import type { ResolveContext, StepOutputs } from './resolve-context.js';
import { withArticle } from '../util/article.js';

/** Keys by which `['key']` selects an element of a list, in the order SageMaker's shapes use them. */
export const LIST_KEY_FIELDS = ['OutputName', 'InputName', 'ChannelName', 'MetricName', 'Name', 'VariantName'] as const;

/** The expression forms; an object is an expression only when this is its one key. */
export const EXPRESSION_KEYS = ['Get', 'Std:Join', 'Std:JsonGet'] as const;
export type ExpressionKey = (typeof EXPRESSION_KEYS)[number];

/** The expression key of `value` when it is an expression object, else undefined. */
export function expressionKey(value: JsonValue): ExpressionKey | undefined {
  if (!isJsonObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  return EXPRESSION_KEYS.find((k) => k === keys[0]);
}

/** Resolves every expression nested anywhere in `value`; plain JSON comes back unchanged. */
export async function resolveValue(value: JsonValue, ctx: ResolveContext): Promise<JsonValue> {
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) out.push(await resolveValue(item, ctx));
    return out;
  }
  if (!isJsonObject(value)) return value;
  const key = expressionKey(value);
  if (key !== undefined) return resolveExpression(key, value[key] as JsonValue, ctx);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty, so that a "__proto__" key in user JSON stays a plain key.
    Object.defineProperty(out, k, { value: await resolveValue(v, ctx), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

async function resolveExpression(key: ExpressionKey, body: JsonValue, ctx: ResolveContext): Promise<JsonValue> {
  switch (key) {
    case 'Get':
      if (typeof body !== 'string') {
        throw new ExpressionError('MALFORMED_EXPRESSION', `Get takes a string, got ${previewJson(body)}`, 'write {"Get": "Parameters.Name"}');
      }
      return resolveGet(body, ctx);
    case 'Std:Join':
      return resolveJoin(body, ctx);
    case 'Std:JsonGet':
      return resolveJsonGet(body, ctx);
    default:
      return assertNever(key, 'expression');
  }
}

/** Resolves the string of a `{"Get": ...}`. */
export function resolveGet(text: string, ctx: ResolveContext): JsonValue {
  const reference = parseReference(text);
  if (reference.kind === 'invalid') throw new ExpressionError('MALFORMED_REFERENCE', `Get "${text}": ${reference.reason}`, reference.hint);
  return resolveReference(reference, text, ctx);
}

function resolveReference(reference: Reference, text: string, ctx: ResolveContext): JsonValue {
  switch (reference.kind) {
    case 'parameter': {
      if (Object.hasOwn(ctx.parameters, reference.name)) return ctx.parameters[reference.name] as JsonValue;
      const names = Object.keys(ctx.parameters);
      throw new ExpressionError(
        'UNKNOWN_PARAMETER',
        `Get "${text}": the pipeline has no parameter "${reference.name}"`,
        names.length ? `declared parameters: ${names.join(', ')}` : 'the pipeline declares no parameters',
      );
    }
    case 'execution':
      return resolveExecutionVariable(reference.variable, ctx);
    case 'experiment': {
      const value = ctx.experimentConfig?.[reference.field];
      if (value === undefined) {
        throw new ExpressionError(
          'EXPERIMENT_CONFIG_NOT_SET',
          `Get "${text}": the pipeline has no PipelineExperimentConfig.${reference.field}`,
          'set PipelineExperimentConfig in the definition, or do not reference it',
        );
      }
      return value;
    }
    case 'step':
      return resolveStepProperty(reference.step, reference.segments, text, ctx);
    default:
      return assertNever(reference, 'reference');
  }
}

function resolveExecutionVariable(variable: Extract<Reference, { kind: 'execution' }>['variable'], ctx: ResolveContext): JsonValue {
  const id = ctx.execution;
  switch (variable) {
    case 'PipelineExecutionId':
      return id.executionId;
    case 'PipelineExecutionArn':
      return id.executionArn;
    case 'PipelineName':
      return id.pipelineName;
    case 'PipelineArn':
      return id.pipelineArn;
    case 'StartDateTime':
      return id.startTime.toISOString();
    case 'CurrentDateTime':
      return ctx.now().toISOString();
    case 'TrainingJobName':
    case 'ProcessingJobName': {
      const current = ctx.currentStep;
      if (!current) {
        throw new ExpressionError(
          'EXECUTION_VARIABLE_UNAVAILABLE',
          `Execution.${variable} has no value outside a job step`,
          `use Execution.${variable} only in the arguments of a ${variable === 'TrainingJobName' ? 'Training' : 'Processing'} step`,
        );
      }
      return current.jobName;
    }
    default:
      return assertNever(variable, 'execution variable');
  }
}

function stepOutputsOrThrow(step: string, text: string, ctx: ResolveContext): StepOutputs {
  const outputs = ctx.stepOutputs(step);
  if (!outputs) {
    throw new ExpressionError(
      'STEP_NOT_RUN',
      `Get "${text}": step "${step}" has not run (yet) in this execution`,
      `make this step depend on "${step}" (DependsOn, or reference its properties), and check that "${step}" exists and was not skipped`,
    );
  }
  return outputs;
}

function resolveStepProperty(step: string, segments: readonly PathSegment[], text: string, ctx: ResolveContext): JsonValue {
  const outputs = stepOutputsOrThrow(step, text, ctx);
  const [first, second, ...rest] = segments;
  if (first?.kind === 'member' && first.name === 'OutputParameters' && second) {
    const name = second.kind === 'key' ? second.key : second.kind === 'member' ? second.name : String(second.index);
    if (!Object.hasOwn(outputs.outputParameters, name)) {
      const available = Object.keys(outputs.outputParameters);
      throw new ExpressionError(
        'OUTPUT_PARAMETER_NOT_FOUND',
        `Get "${text}": step "${step}" returned no output parameter "${name}"`,
        available.length ? `it returned: ${available.join(', ')}` : 'it returned no output parameters',
      );
    }
    return walkProperties(outputs.outputParameters[name] as JsonValue, rest, text, `Steps.${step}${formatSegments([first, second])}`);
  }
  if (first?.kind === 'member' && first.name === 'PropertyFiles' && second?.kind === 'member') {
    return propertyFileContent(step, second.name, outputs, text);
  }
  return walkProperties(outputs.properties, segments, text, `Steps.${step}`);
}

function propertyFileContent(step: string, name: string, outputs: StepOutputs, text: string): JsonValue {
  if (!Object.hasOwn(outputs.propertyFiles, name)) {
    const available = Object.keys(outputs.propertyFiles);
    throw new ExpressionError(
      'PROPERTY_FILE_NOT_FOUND',
      `${text}: step "${step}" has no property file "${name}"`,
      available.length ? `its property files: ${available.join(', ')}` : `declare it in the PropertyFiles of step "${step}"`,
    );
  }
  return outputs.propertyFiles[name] as JsonValue;
}

/**
 * Follows `.a`, `[n]` and `['k']` through Describe*-shaped properties. `['k']` on a list picks
 * the element whose OutputName / InputName / ChannelName / MetricName / Name is `k`.
 */
export function walkProperties(root: JsonValue, segments: readonly PathSegment[], text: string, rootLabel: string): JsonValue {
  let value = root;
  let walked = rootLabel;
  for (const segment of segments) {
    const next = selectSegment(value, segment);
    const label = formatSegments([segment]);
    if (next === undefined) {
      throw new ExpressionError(
        'PROPERTY_NOT_FOUND',
        `Get "${text}": ${walked} has no ${label}`,
        `available under ${walked}: ${describeChildren(value)}`,
      );
    }
    value = next;
    walked += label;
  }
  return value;
}

function selectSegment(value: JsonValue, segment: PathSegment): JsonValue | undefined {
  switch (segment.kind) {
    case 'member':
      return isJsonObject(value) && Object.hasOwn(value, segment.name) ? value[segment.name] : undefined;
    case 'index':
      return Array.isArray(value) ? value[segment.index] : undefined;
    case 'key':
      if (isJsonObject(value)) return Object.hasOwn(value, segment.key) ? value[segment.key] : undefined;
      if (Array.isArray(value)) return value.find((item) => keyOf(item) === segment.key);
      return undefined;
    default:
      return assertNever(segment, 'path segment');
  }
}

function keyOf(item: JsonValue): string | undefined {
  if (!isJsonObject(item)) return undefined;
  for (const field of LIST_KEY_FIELDS) {
    const v = item[field];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function describeChildren(value: JsonValue): string {
  if (Array.isArray(value)) {
    const keys = value.map(keyOf).filter((k): k is string => k !== undefined);
    const indexes = value.length ? `[0]..[${value.length - 1}]` : '(an empty list)';
    return keys.length ? `${indexes}, ${keys.map((k) => `['${k}']`).join(', ')}` : indexes;
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    return keys.length ? keys.join(', ') : '(an empty object)';
  }
  return `(${withArticle(value === null ? 'null' : typeof value)}, which has no members)`;
}

async function resolveJoin(body: JsonValue, ctx: ResolveContext): Promise<JsonValue> {
  if (!isJsonObject(body) || !Array.isArray(body['Values'])) {
    throw new ExpressionError('MALFORMED_EXPRESSION', `Std:Join takes {"On": ..., "Values": [...]}, got ${previewJson(body)}`, 'give Std:Join an On separator and a Values list');
  }
  const on = body['On'] === undefined ? '' : renderJoinValue(await resolveValue(body['On'], ctx));
  const parts: string[] = [];
  for (const item of body['Values']) parts.push(renderJoinValue(await resolveValue(item, ctx)));
  return parts.join(on);
}

/**
 * How Std:Join renders a value: strings as they are, numbers in their shortest form, booleans as
 * `true`/`false`, anything else as JSON.
 */
export function renderJoinValue(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

async function resolveJsonGet(body: JsonValue, ctx: ResolveContext): Promise<JsonValue> {
  if (!isJsonObject(body)) {
    throw new ExpressionError('MALFORMED_EXPRESSION', `Std:JsonGet takes an object, got ${previewJson(body)}`, 'write {"Std:JsonGet": {"PropertyFile": ..., "Path": "a.b"}}');
  }
  const path = await resolveValue(body['Path'] ?? null, ctx);
  if (typeof path !== 'string') {
    throw new ExpressionError('MALFORMED_EXPRESSION', 'Std:JsonGet needs a string Path', 'add "Path": "a.b.c"');
  }
  const hasFile = body['PropertyFile'] !== undefined;
  const hasUri = body['S3Uri'] !== undefined;
  if (hasFile === hasUri) {
    throw new ExpressionError('MALFORMED_EXPRESSION', 'Std:JsonGet needs exactly one of PropertyFile and S3Uri', 'reference a property file, or give the S3Uri of a JSON file');
  }
  if (hasFile) {
    const { step, name, text } = propertyFileTarget(body['PropertyFile'] as JsonValue, ctx);
    const content = propertyFileContent(step, name, stepOutputsOrThrow(step, text, ctx), text);
    return getJsonPath(content, path, `property file ${name} of step ${step}`);
  }
  const uri = await resolveValue(body['S3Uri'] as JsonValue, ctx);
  if (typeof uri !== 'string') {
    throw new ExpressionError('MALFORMED_EXPRESSION', `Std:JsonGet S3Uri resolved to ${previewJson(uri)}, not a string`, 'give an s3:// URI');
  }
  const bytes = await ctx.objectStore.get(uri);
  let document: JsonValue;
  try {
    document = JSON.parse(bytes.toString('utf8')) as JsonValue;
  } catch (error) {
    throw new ExpressionError('JSONGET_NOT_JSON', `Std:JsonGet: ${uri} is not JSON`, 'the object JsonGet reads must hold a JSON document', error);
  }
  if (nestsDeeperThan(document, MAX_VALUE_DEPTH)) {
    throw new ExpressionError('JSONGET_TOO_DEEP', `Std:JsonGet: ${uri} nests more than ${MAX_VALUE_DEPTH} levels of lists and objects`, 'JsonGet reads small JSON documents such as evaluation reports');
  }
  return getJsonPath(document, path, uri);
}

function propertyFileTarget(ref: JsonValue, ctx: ResolveContext): { step: string; name: string; text: string } {
  if (typeof ref === 'string') {
    const step = ctx.propertyFileOwner?.(ref);
    if (!step) {
      throw new ExpressionError('PROPERTY_FILE_NOT_FOUND', `Std:JsonGet: no step declares property file "${ref}"`, 'add it to the PropertyFiles of the processing step that writes it');
    }
    return { step, name: ref, text: `property file ${ref}` };
  }
  const text = isJsonObject(ref) ? ref['Get'] : undefined;
  if (typeof text === 'string') {
    const reference = parseReference(text);
    if (reference.kind === 'step' && reference.segments.length === 2) {
      const [first, second] = reference.segments;
      if (first?.kind === 'member' && first.name === 'PropertyFiles' && second?.kind === 'member') {
        return { step: reference.step, name: second.name, text };
      }
    }
  }
  throw new ExpressionError(
    'MALFORMED_EXPRESSION',
    `Std:JsonGet PropertyFile must be {"Get": "Steps.<Step>.PropertyFiles.<Name>"}, got ${previewJson(ref)}`,
    'reference a property file declared by a processing step',
  );
}

/** One `{"Get": "..."}` found in a value, with its JSON path. */
export interface FoundReference {
  readonly text: string;
  readonly path: string;
}

/** Every Get string anywhere in `value` (including inside Std:Join and Std:JsonGet), in document order. */
export function collectGetStrings(value: JsonValue, path = '$'): FoundReference[] {
  const out: FoundReference[] = [];
  const visit = (v: JsonValue, p: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${p}[${i}]`));
    } else if (isJsonObject(v)) {
      const get = v['Get'];
      if (typeof get === 'string' && Object.keys(v).length === 1) {
        out.push({ text: get, path: `${p}.Get` });
        return;
      }
      for (const [k, child] of Object.entries(v)) visit(child, appendKey(p, k));
    }
  };
  visit(value, path);
  return out;
}

/** Names of the steps referenced through `Steps.<S>...` anywhere in `value`, each once. */
export function findStepReferences(value: JsonValue): string[] {
  const names = new Set<string>();
  for (const found of collectGetStrings(value)) {
    const reference = parseReference(found.text);
    if (reference.kind === 'step') names.add(reference.step);
  }
  return [...names];
}

/** Names of the parameters referenced through `Parameters.<X>` anywhere in `value`, each once. */
export function findParameterReferences(value: JsonValue): string[] {
  const names = new Set<string>();
  for (const found of collectGetStrings(value)) {
    const reference = parseReference(found.text);
    if (reference.kind === 'parameter') names.add(reference.name);
  }
  return [...names];
}
