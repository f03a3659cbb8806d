// Output parameters of Lambda and Callback steps: checked against the declared OutputType, so a
// wrong type fails the step that produced it, not a downstream step that reads it.
import type { OutputParameterDeclaration } from '../engine/definition-types.js';
import type { JsonValue } from '../engine/json.js';
import { StepFailure, assertNever } from '../errors.js';
import { withArticle } from '../util/article.js';

export interface OutputCheckOptions {
  /** Who produced the values, for messages: `Lambda function arn:...`, `the callback`. */
  readonly producer: string;
  readonly stepName: string;
  /**
   * Values arrive as strings (SendPipelineExecutionStepSuccess, `--output k=v`) and are parsed to
   * the declared type. Otherwise values must already have the declared JSON type.
   */
  readonly fromStrings: boolean;
}

/**
 * Keeps the declared outputs of `values`, typed as declared (OutputType defaults to String).
 * Throws one StepFailure listing every missing or mistyped output.
 */
export function checkOutputParameters(
  declared: readonly OutputParameterDeclaration[] | undefined,
  values: Readonly<Record<string, JsonValue>>,
  options: OutputCheckOptions,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const problems: string[] = [];
  for (const declaration of declared ?? []) {
    const name = declaration.OutputName;
    const type = declaration.OutputType ?? 'String';
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      problems.push(`output "${name}" (${type}) is missing`);
      continue;
    }
    const raw = values[name] as JsonValue;
    const typed = options.fromStrings && typeof raw === 'string' ? parseAs(raw, type) : checkAs(raw, type);
    if (typed === undefined) problems.push(`output "${name}" must be ${withArticle(type)}, got ${JSON.stringify(raw)}`);
    else out[name] = typed;
  }
  if (problems.length > 0) {
    const given = Object.keys(values);
    throw new StepFailure(
      `step "${options.stepName}": ${options.producer} returned outputs that do not match the declared OutputParameters: ${problems.join('; ')}` +
        ` (given: ${given.length ? given.join(', ') : 'none'})`,
      { code: 'INVALID_OUTPUT_PARAMETER_VALUES', source: 'user' },
    );
  }
  return out;
}

function checkAs(value: JsonValue, type: NonNullable<OutputParameterDeclaration['OutputType']>): JsonValue | undefined {
  switch (type) {
    case 'String':
      return typeof value === 'string' ? value : undefined;
    case 'Integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'Boolean':
      return typeof value === 'boolean' ? value : undefined;
    default:
      return assertNever(type, 'OutputType');
  }
}

function parseAs(text: string, type: NonNullable<OutputParameterDeclaration['OutputType']>): JsonValue | undefined {
  const trimmed = text.trim();
  switch (type) {
    case 'String':
      return text;
    case 'Integer':
      return /^[-+]?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
    case 'Float': {
      const value = trimmed === '' ? Number.NaN : Number(trimmed);
      return Number.isFinite(value) ? value : undefined;
    }
    case 'Boolean':
      return /^true$/i.test(trimmed) ? true : /^false$/i.test(trimmed) ? false : undefined;
    default:
      return assertNever(type, 'OutputType');
  }
}
