// Parses the strings inside `{"Get": ...}`: `Parameters.X`, `Execution.X`,
// `PipelineExperimentConfig.X` and `Steps.<S>.a.b[0]['key']`. Shared by validation and resolution
// so both read a reference the same way.
import { assertNever } from '../errors.js';

/** One step of a property path: `.Name`, `[3]` or `['key']`. */
export type PathSegment =
  | { readonly kind: 'member'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'key'; readonly key: string };

export const EXECUTION_VARIABLES = [
  'PipelineExecutionId',
  'PipelineExecutionArn',
  'PipelineName',
  'PipelineArn',
  'StartDateTime',
  'CurrentDateTime',
  'TrainingJobName',
  'ProcessingJobName',
] as const;
export type ExecutionVariable = (typeof EXECUTION_VARIABLES)[number];

export const EXPERIMENT_FIELDS = ['ExperimentName', 'TrialName'] as const;
export type ExperimentField = (typeof EXPERIMENT_FIELDS)[number];

export type Reference =
  | { readonly kind: 'parameter'; readonly name: string }
  | { readonly kind: 'execution'; readonly variable: ExecutionVariable }
  | { readonly kind: 'experiment'; readonly field: ExperimentField }
  | { readonly kind: 'step'; readonly step: string; readonly segments: readonly PathSegment[] };

export type ParsedReference = Reference | { readonly kind: 'invalid'; readonly reason: string; readonly hint: string };

export function parseReference(text: string): ParsedReference {
  const dot = text.indexOf('.');
  const head = dot < 0 ? text : text.slice(0, dot);
  const rest = dot < 0 ? '' : text.slice(dot + 1);
  switch (head) {
    case 'Parameters':
      if (!rest) return invalid(`"${text}" names no parameter`, 'write Parameters.<ParameterName>');
      return { kind: 'parameter', name: rest };
    case 'Execution': {
      const variable = EXECUTION_VARIABLES.find((v) => v === rest);
      if (!variable) {
        return invalid(`unknown execution variable "${rest}"`, `execution variables are ${EXECUTION_VARIABLES.join(', ')}`);
      }
      return { kind: 'execution', variable };
    }
    case 'PipelineExperimentConfig': {
      const field = EXPERIMENT_FIELDS.find((f) => f === rest);
      if (!field) return invalid(`unknown PipelineExperimentConfig field "${rest}"`, 'use ExperimentName or TrialName');
      return { kind: 'experiment', field };
    }
    case 'Steps':
      return parseStepReference(text, rest);
    default:
      return invalid(
        `"${text}" is not a reference`,
        'Get takes Parameters.<Name>, Execution.<Variable>, PipelineExperimentConfig.<Field> or Steps.<StepName>.<Property>',
      );
  }
}

function parseStepReference(text: string, rest: string): ParsedReference {
  const match = /^[^.[]+/.exec(rest);
  if (!match) return invalid(`"${text}" names no step`, 'write Steps.<StepName>.<Property>');
  const step = match[0];
  const segments = parsePropertyPath(rest.slice(step.length));
  if (typeof segments === 'string') return invalid(`malformed property path in "${text}": ${segments}`, "use .Name, [0] and ['key'] segments");
  if (segments.length === 0) return invalid(`"${text}" names a step but no property`, 'write Steps.<StepName>.<Property>');
  return { kind: 'step', step, segments };
}

/** Parses `.a.b[0]['k']` (the part after the step name); a string is the reason it is malformed. */
export function parsePropertyPath(path: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const match = /^[^.[\]'"]+/.exec(path.slice(i + 1));
      if (!match) return `empty member name at offset ${i}`;
      segments.push({ kind: 'member', name: match[0] });
      i += 1 + match[0].length;
    } else if (c === '[') {
      const close = readBracket(path, i);
      if (typeof close === 'string') return close;
      segments.push(close.segment);
      i = close.end;
    } else {
      return `unexpected "${c}" at offset ${i}`;
    }
  }
  return segments;
}

function readBracket(path: string, start: number): { segment: PathSegment; end: number } | string {
  const quote = path[start + 1];
  if (quote === "'" || quote === '"') {
    const endQuote = path.indexOf(quote, start + 2);
    if (endQuote < 0 || path[endQuote + 1] !== ']') return `unclosed [${quote} at offset ${start}`;
    return { segment: { kind: 'key', key: path.slice(start + 2, endQuote) }, end: endQuote + 2 };
  }
  const close = path.indexOf(']', start);
  if (close < 0) return `unclosed [ at offset ${start}`;
  const inner = path.slice(start + 1, close);
  if (!/^\d+$/.test(inner)) return `"[${inner}]" is neither an index nor a quoted key`;
  return { segment: { kind: 'index', index: Number(inner) }, end: close + 1 };
}

/** Renders segments back to the SDK's spelling: `.a.b[0]['k']`. */
export function formatSegments(segments: readonly PathSegment[]): string {
  return segments
    .map((s) => {
      switch (s.kind) {
        case 'member':
          return `.${s.name}`;
        case 'index':
          return `[${s.index}]`;
        case 'key':
          return `['${s.key}']`;
        default:
          return assertNever(s, 'path segment');
      }
    })
    .join('');
}

function invalid(reason: string, hint: string): ParsedReference {
  return { kind: 'invalid', reason, hint };
}
