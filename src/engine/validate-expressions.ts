// Static checks of expressions (Get, Std:Join, Std:JsonGet) and conditions: malformed forms,
// references to parameters, steps, property files, output parameters and property paths that
// do not exist.
import { assertNever } from '../errors.js';
import { STEP_TYPES, type StepType } from './definition-types.js';
import { appendKey } from './append-key.js';
import { expressionKey } from './expressions.js';
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';
import { parseJsonPath } from './json-path.js';
import { previewJson } from './json-preview.js';
import { checkPropertyPath, propertyRoot } from './property-schema.js';
import { type PathSegment, formatSegments, parseReference } from './reference-path.js';
import type { FlatStep, ValidationScope } from './validate-context.js';
import { withArticle } from '../util/article.js';

/** Where an expression sits: the step that owns it (for `step` on problems and self-references). */
interface Site {
  readonly scope: ValidationScope;
  readonly step: string | undefined;
}

/** Checks every expression nested anywhere in `value`. */
export function checkValue(value: JsonValue, path: string, scope: ValidationScope, step: string | undefined): void {
  visit(value, path, { scope, step });
}

function visit(value: JsonValue, path: string, site: Site): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, `${path}[${i}]`, site));
    return;
  }
  if (!isJsonObject(value)) return;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0] as string;
    const body = value[key] as JsonValue;
    if (key === 'Get') return checkGet(body, `${path}.Get`, site);
    if (key === 'Std:Join') return checkJoin(body, appendKey(path, key), site);
    if (key === 'Std:JsonGet') return checkJsonGet(body, appendKey(path, key), site);
    if (key.startsWith('Std:')) {
      site.scope.problems.add(
        'UNKNOWN_FUNCTION',
        appendKey(path, key),
        `unknown function "${key}"`,
        'the definition language has Std:Join and Std:JsonGet',
        site.step,
      );
      return;
    }
  }
  for (const [k, child] of Object.entries(value)) visit(child, appendKey(path, k), site);
}

function checkGet(body: JsonValue, path: string, site: Site): void {
  const { problems } = site.scope;
  if (typeof body !== 'string') {
    problems.add('MALFORMED_GET', path, `Get takes a string, got ${preview(body)}`, 'write {"Get": "Parameters.Name"} or {"Get": "Steps.Step.Property"}', site.step);
    return;
  }
  checkReference(body, path, site);
}

function checkReference(text: string, path: string, site: Site): void {
  const { problems, parameters } = site.scope;
  const reference = parseReference(text);
  switch (reference.kind) {
    case 'invalid':
      problems.add('MALFORMED_REFERENCE', path, `Get "${text}": ${reference.reason}`, reference.hint, site.step);
      return;
    case 'parameter':
      if (!parameters.has(reference.name)) {
        const suggestion = problems.suggest(reference.name, parameters);
        problems.add(
          'UNKNOWN_PARAMETER',
          path,
          `Get "${text}" references parameter "${reference.name}", which the pipeline does not declare`,
          suggestion ? `did you mean "${suggestion}"?` : `declare it in Parameters${parameters.size ? ` (declared: ${truncateList([...parameters.keys()])})` : ''}`,
          site.step,
        );
      }
      return;
    case 'execution':
    case 'experiment':
      return;
    case 'step':
      checkStepReference(text, reference.step, reference.segments, path, site);
      return;
    default:
      assertNever(reference, 'reference');
  }
}

function checkStepReference(text: string, stepName: string, segments: readonly PathSegment[], path: string, site: Site): void {
  const { problems, steps } = site.scope;
  const target = steps.get(stepName);
  if (!target) {
    const suggestion = problems.suggest(stepName, steps);
    problems.add(
      'UNKNOWN_STEP_REFERENCE',
      path,
      `Get "${text}" references step "${stepName}", which the pipeline does not have`,
      suggestion ? `did you mean "${suggestion}"?` : 'reference one of the pipeline\'s steps by its Name',
      site.step,
    );
    return;
  }
  if (stepName === site.step) {
    problems.add('SELF_REFERENCE', path, `step "${stepName}" references its own properties`, 'a step can only use properties of steps that ran before it', site.step);
    return;
  }
  const type = knownType(target);
  if (!type) return; // Its unknown Type is reported on the step itself.
  const [first, second, ...rest] = segments;
  if (first?.kind === 'member' && first.name === 'OutputParameters') {
    checkOutputParameter(text, target, type, second, rest, path, site);
    return;
  }
  if (first?.kind === 'member' && first.name === 'PropertyFiles') {
    if (second?.kind !== 'member' || rest.length > 0) {
      problems.add('MALFORMED_REFERENCE', path, `Get "${text}": write Steps.${stepName}.PropertyFiles.<PropertyFileName>`, undefined, site.step);
      return;
    }
    checkPropertyFileDeclared(text, target, second.name, path, site);
    return;
  }
  const check = checkPropertyPath(propertyRoot(type), segments);
  if (!check.ok) {
    const walked = `Steps.${stepName}${formatSegments(segments.slice(0, check.failedAt))}`;
    const failedSegment = segments[check.failedAt];
    const failed = formatSegments(failedSegment ? [failedSegment] : []);
    const what = check.reason === 'has no such property' ? `has no ${failed.replace(/^\./, '')}` : check.reason;
    const list = check.available.length ? ` (it has ${truncateList(check.available)})` : '';
    const missing = failedSegment?.kind === 'member' ? failedSegment.name : failedSegment?.kind === 'key' ? failedSegment.key : undefined;
    const suggestion = missing !== undefined ? problems.suggest(missing, check.available) : undefined;
    problems.add(
      'UNKNOWN_PROPERTY',
      path,
      `Get "${text}": ${walked} ${what}${list}`,
      `${suggestion ? `did you mean "${suggestion}"? ` : ''}${type} step properties follow the ${describeShape(type)} response`,
      site.step,
    );
    return;
  }
  checkProcessingOutputName(text, target, type, segments, path, site);
}

function checkOutputParameter(
  text: string,
  target: FlatStep,
  type: StepType,
  key: PathSegment | undefined,
  rest: readonly PathSegment[],
  path: string,
  site: Site,
): void {
  const { problems } = site.scope;
  if (type !== 'Lambda' && type !== 'Callback') {
    problems.add(
      'UNKNOWN_PROPERTY',
      path,
      `Get "${text}": only Lambda and Callback steps have OutputParameters; "${target.name}" is ${withArticle(type)} step`,
      `use a property of the ${type} step instead`,
      site.step,
    );
    return;
  }
  if (key?.kind !== 'key' || rest.length > 0) {
    problems.add('MALFORMED_REFERENCE', path, `Get "${text}": write Steps.${target.name}.OutputParameters['<OutputName>']`, undefined, site.step);
    return;
  }
  const declared = declaredOutputNames(target.raw);
  if (declared !== undefined && !declared.includes(key.key)) {
    const suggestion = problems.suggest(key.key, declared);
    problems.add(
      'UNKNOWN_OUTPUT_PARAMETER',
      path,
      `Get "${text}": step "${target.name}" declares no output parameter "${key.key}"`,
      suggestion ? `did you mean "${suggestion}"?` : declared.length ? `it declares: ${declared.join(', ')}` : 'declare it in the step\'s OutputParameters',
      site.step,
    );
  }
}

function checkPropertyFileDeclared(text: string, target: FlatStep, name: string, path: string, site: Site): void {
  const declared = declaredPropertyFiles(target.raw);
  if (declared.includes(name)) return;
  const suggestion = site.scope.problems.suggest(name, declared);
  site.scope.problems.add(
    'UNKNOWN_PROPERTY_FILE',
    path,
    `${text}: step "${target.name}" declares no property file "${name}"`,
    suggestion ? `did you mean "${suggestion}"?` : declared.length ? `it declares: ${declared.join(', ')}` : `add {"PropertyFileName": "${name}", "OutputName": ..., "FilePath": ...} to the PropertyFiles of "${target.name}"`,
    site.step,
  );
}

/** `Steps.P.ProcessingOutputConfig.Outputs['train']` must name an output the step declares. */
function checkProcessingOutputName(text: string, target: FlatStep, type: StepType, segments: readonly PathSegment[], path: string, site: Site): void {
  if (type !== 'Processing') return;
  const [a, b, c] = segments;
  if (a?.kind !== 'member' || a.name !== 'ProcessingOutputConfig' || b?.kind !== 'member' || b.name !== 'Outputs' || c?.kind !== 'key') return;
  const names = processingOutputNames(target.raw);
  if (names === undefined || names.includes(c.key)) return;
  const suggestion = site.scope.problems.suggest(c.key, names);
  site.scope.problems.add(
    'UNKNOWN_PROCESSING_OUTPUT',
    path,
    `Get "${text}": step "${target.name}" has no processing output named "${c.key}"`,
    suggestion ? `did you mean "${suggestion}"?` : `its outputs: ${names.join(', ') || '(none)'}`,
    site.step,
  );
}

function checkJoin(body: JsonValue, path: string, site: Site): void {
  const { problems } = site.scope;
  if (!isJsonObject(body)) {
    problems.add('MALFORMED_JOIN', path, `Std:Join takes {"On": ..., "Values": [...]}, got ${preview(body)}`, undefined, site.step);
    return;
  }
  if (typeof body['On'] !== 'string') {
    problems.add('MALFORMED_JOIN', `${path}.On`, body['On'] === undefined ? 'Std:Join has no On separator' : 'Std:Join On must be a string', 'add "On": "" (or the separator)', site.step);
  }
  const values = body['Values'];
  if (!Array.isArray(values)) {
    problems.add('MALFORMED_JOIN', `${path}.Values`, values === undefined ? 'Std:Join has no Values' : 'Std:Join Values must be a list', 'add "Values": [...]', site.step);
    return;
  }
  values.forEach((v, i) => visit(v, `${path}.Values[${i}]`, site));
}

function checkJsonGet(body: JsonValue, path: string, site: Site): void {
  const { problems } = site.scope;
  if (!isJsonObject(body)) {
    problems.add('MALFORMED_JSONGET', path, `Std:JsonGet takes {"PropertyFile" | "S3Uri": ..., "Path": ...}, got ${preview(body)}`, undefined, site.step);
    return;
  }
  const jsonPath = body['Path'];
  if (jsonPath !== undefined && expressionKey(jsonPath) !== undefined) {
    // A Path built at run time (Std:Join of parameters) can only be checked then.
    visit(jsonPath, `${path}.Path`, site);
  } else if (typeof jsonPath !== 'string') {
    problems.add('MALFORMED_JSONGET', `${path}.Path`, jsonPath === undefined ? 'Std:JsonGet has no Path' : 'Std:JsonGet Path must be a string', 'add "Path": "a.b.c"', site.step);
  } else {
    try {
      parseJsonPath(jsonPath);
    } catch (error) {
      problems.add('INVALID_JSON_PATH', `${path}.Path`, (error as Error).message, 'write paths like a.b[0].c, $.a.b or a[\'key\']', site.step);
    }
  }
  const hasFile = body['PropertyFile'] !== undefined;
  const hasUri = body['S3Uri'] !== undefined;
  if (hasFile === hasUri) {
    problems.add(
      'MALFORMED_JSONGET',
      path,
      hasFile ? 'Std:JsonGet has both PropertyFile and S3Uri' : 'Std:JsonGet has neither PropertyFile nor S3Uri',
      'give exactly one: a PropertyFile reference or the S3Uri of a JSON file',
      site.step,
    );
  }
  if (hasFile) checkPropertyFileRef(body['PropertyFile'] as JsonValue, `${path}.PropertyFile`, site);
  if (hasUri) visit(body['S3Uri'] as JsonValue, `${path}.S3Uri`, site);
}

function checkPropertyFileRef(ref: JsonValue, path: string, site: Site): void {
  const { problems, propertyFileOwners } = site.scope;
  if (typeof ref === 'string') {
    if (!propertyFileOwners.has(ref)) {
      problems.add('UNKNOWN_PROPERTY_FILE', path, `no step declares property file "${ref}"`, 'declare it in the PropertyFiles of the processing step that writes it', site.step);
    }
    return;
  }
  const text = isJsonObject(ref) && Object.keys(ref).length === 1 ? ref['Get'] : undefined;
  const reference = typeof text === 'string' ? parseReference(text) : undefined;
  const first = reference?.kind === 'step' ? reference.segments[0] : undefined;
  if (typeof text !== 'string' || reference?.kind !== 'step' || first?.kind !== 'member' || first.name !== 'PropertyFiles') {
    problems.add(
      'MALFORMED_JSONGET',
      path,
      `Std:JsonGet PropertyFile must be {"Get": "Steps.<Step>.PropertyFiles.<Name>"}, got ${preview(ref)}`,
      'reference a property file declared by a processing step',
      site.step,
    );
    return;
  }
  checkReference(text, `${path}.Get`, site);
}

export function knownType(step: FlatStep): StepType | undefined {
  return STEP_TYPES.find((t) => t === step.type);
}

/** Declared OutputParameters names, or undefined when they cannot be read (reported elsewhere). */
export function declaredOutputNames(raw: JsonObject): string[] | undefined {
  const list = raw['OutputParameters'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((o) => (isJsonObject(o) && typeof o['OutputName'] === 'string' ? [o['OutputName']] : []));
}

export function declaredPropertyFiles(raw: JsonObject): string[] {
  const list = raw['PropertyFiles'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((p) => (isJsonObject(p) && typeof p['PropertyFileName'] === 'string' ? [p['PropertyFileName']] : []));
}

/** The OutputNames of a processing step's outputs when all are literal strings, else undefined. */
export function processingOutputNames(raw: JsonObject): string[] | undefined {
  const args = raw['Arguments'];
  const config = isJsonObject(args) ? args['ProcessingOutputConfig'] : undefined;
  const outputs = isJsonObject(config) ? config['Outputs'] : undefined;
  if (config === undefined) return [];
  if (!Array.isArray(outputs)) return undefined;
  const names: string[] = [];
  for (const output of outputs) {
    const name = isJsonObject(output) ? output['OutputName'] : undefined;
    if (typeof name !== 'string') return undefined;
    names.push(name);
  }
  return names;
}

function describeShape(type: StepType): string {
  const names: Partial<Record<StepType, string>> = {
    Processing: 'DescribeProcessingJob',
    Training: 'DescribeTrainingJob',
    Transform: 'DescribeTransformJob',
    Tuning: 'DescribeHyperParameterTuningJob (plus TrainingJobSummaries)',
    Model: 'DescribeModel',
    RegisterModel: 'DescribeModelPackage',
    AutoML: 'DescribeAutoMLJob',
    EMR: 'EMR DescribeStep',
  };
  return names[type] ?? `${type} step`;
}

function truncateList(items: readonly string[]): string {
  return items.length > 12 ? `${items.slice(0, 12).join(', ')}, ... (${items.length - 12} more)` : items.join(', ');
}

export function preview(value: unknown): string {
  return previewJson(value, 80);
}
