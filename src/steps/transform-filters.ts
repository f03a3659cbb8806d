// Batch transform data processing ("Associate Prediction Results with Input Records"): the
// InputFilter picks what a record sends to the model, JoinSource=Input joins each prediction to
// its whole input record, and the OutputFilter picks what of the joined record is written. CSV
// records are treated as JSON arrays of their fields; JSON records as parsed JSON. Paths use
// SageMaker's JSONPath subset: `$`, `.name`, `['a','b']`, `[0]`, `[-1]`, `[0,5:]`, `[1:3]`, `*`.
import { SagesimError, assertNever } from '../errors.js';
import { type JsonValue, isJsonObject } from '../engine/json.js';

export type DataFormat = 'csv' | 'json';
export type JoinSource = 'None' | 'Input';

/** The record format a content type stands for, or undefined when filters cannot apply to it. */
export function dataFormatOf(contentType: string | undefined): DataFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv' || type === 'text/x-csv' || type === 'application/csv') return 'csv';
  if (type === 'application/json' || type === 'application/jsonlines' || type === 'application/x-jsonlines' || type === 'application/json-lines')
    return 'json';
  return undefined;
}

export function parseJoinSource(raw: string | undefined): JoinSource {
  if (raw === undefined || raw === 'None') return 'None';
  if (raw === 'Input') return 'Input';
  throw new SagesimError('INVALID_STEP_ARGUMENTS', `DataProcessing.JoinSource must be None or Input, got ${JSON.stringify(raw)}`, { source: 'user' });
}

/** `$` (or nothing) selects the whole record: no filtering needed. */
export function isIdentityPath(expression: string | undefined): boolean {
  return expression === undefined || expression.trim() === '' || expression.trim() === '$';
}

type Selector =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  | { readonly kind: 'wildcard' };

/** One `.x` or `[...]` part of a path; several selectors make a union. */
export type PathSegment = readonly Selector[];

/** Parses a data processing path; throws INVALID_DATA_PROCESSING_PATH naming the offending part. */
export function parseDataPath(expression: string): PathSegment[] {
  const text = expression.trim();
  const invalid = (why: string): SagesimError =>
    new SagesimError('INVALID_DATA_PROCESSING_PATH', `invalid JSONPath ${JSON.stringify(expression)}: ${why}`, {
      source: 'user',
      hint: "batch transform paths look like $, $[1:], $[0,-1], $.features, $['id','SageMakerOutput']",
    });
  if (!text.startsWith('$')) throw invalid('it must start with $');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') throw invalid('recursive descent (..) is not supported by batch transform');
      const name = /^[^.[\]\s]+/.exec(text.slice(i + 1))?.[0];
      if (!name) throw invalid(`a name must follow "." at offset ${i}`);
      segments.push([name === '*' ? { kind: 'wildcard' } : { kind: 'name', name }]);
      i += 1 + name.length;
    } else if (c === '[') {
      const close = findClose(text, i);
      if (close < 0) throw invalid(`unclosed [ at offset ${i}`);
      segments.push(parseSelectors(text.slice(i + 1, close), invalid));
      i = close + 1;
    } else {
      throw invalid(`unexpected ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return segments;
}

function findClose(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ']') return i;
  }
  return -1;
}

function parseSelectors(inner: string, invalid: (why: string) => SagesimError): Selector[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (const c of inner) {
    if (quote) {
      current += c;
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((raw) => {
    const part = raw.trim();
    if (part === '*') return { kind: 'wildcard' };
    const quoted = /^'(.*)'$|^"(.*)"$/.exec(part);
    if (quoted) return { kind: 'name', name: quoted[1] ?? quoted[2] ?? '' };
    if (/^-?\d+$/.test(part)) return { kind: 'index', index: Number(part) };
    const slice = /^(-?\d+)?:(-?\d+)?(?::(-?\d+))?$/.exec(part);
    if (slice) {
      const step = slice[3] === undefined ? undefined : Number(slice[3]);
      if (step === 0) throw invalid('a slice step cannot be 0');
      return {
        kind: 'slice',
        ...(slice[1] === undefined ? {} : { start: Number(slice[1]) }),
        ...(slice[2] === undefined ? {} : { end: Number(slice[2]) }),
        ...(step === undefined ? {} : { step }),
      };
    }
    throw invalid(`"[${inner}]" holds ${JSON.stringify(part)}, which is neither a quoted name, an index, a slice nor *`);
  });
}

/**
 * Applies a parsed path. A single name or index gives that value; a union of names gives an object
 * of those members; indexes, slices and wildcards give an array (later segments apply to each
 * element). A missing member or an index outside the array is an error, as in the cloud.
 */
export function selectPath(value: JsonValue, segments: readonly PathSegment[], expression = '$'): JsonValue {
  const apply = (current: JsonValue, i: number): JsonValue => {
    const segment = segments[i];
    if (segment === undefined) return current;
    const [only] = segment;
    if (segment.length === 1 && only && (only.kind === 'name' || only.kind === 'index')) return apply(pick(current, only), i + 1);
    if (segment.every((s) => s.kind === 'name') && isJsonObject(current)) {
      const out: { [key: string]: JsonValue } = {};
      for (const selector of segment) {
        if (selector.kind === 'name') out[selector.name] = apply(pick(current, selector), i + 1);
      }
      return out;
    }
    return segment.flatMap((selector) => pickMany(current, selector)).map((element) => apply(element, i + 1));
  };
  const pick = (current: JsonValue, selector: Extract<Selector, { kind: 'name' | 'index' }>): JsonValue => {
    if (selector.kind === 'name') {
      if (!isJsonObject(current) || !Object.prototype.hasOwnProperty.call(current, selector.name)) {
        throw notThere(`no member "${selector.name}" in ${preview(current)}`);
      }
      return current[selector.name] as JsonValue;
    }
    if (!Array.isArray(current)) throw notThere(`index ${selector.index} applied to ${preview(current)}, which is not an array`);
    const at = selector.index < 0 ? current.length + selector.index : selector.index;
    if (at < 0 || at >= current.length) throw notThere(`index ${selector.index} is outside ${preview(current)} (${current.length} elements)`);
    return current[at] as JsonValue;
  };
  const pickMany = (current: JsonValue, selector: Selector): JsonValue[] => {
    switch (selector.kind) {
      case 'name':
      case 'index':
        return [pick(current, selector)];
      case 'wildcard':
        if (Array.isArray(current)) return current;
        if (isJsonObject(current)) return Object.values(current);
        throw notThere(`* applied to ${preview(current)}`);
      case 'slice': {
        if (!Array.isArray(current)) throw notThere(`a slice applied to ${preview(current)}, which is not an array`);
        return sliceOf(current, selector);
      }
      default:
        return assertNever(selector, 'selector');
    }
  };
  const notThere = (why: string): SagesimError =>
    new SagesimError('TRANSFORM_FILTER_FAILED', `JSONPath ${expression}: ${why}`, {
      source: 'user',
      hint: 'check the filter against one input record (CSV records are arrays of their fields)',
    });
  return apply(value, 0);
}

function sliceOf<T>(items: readonly T[], slice: { start?: number; end?: number; step?: number }): T[] {
  const n = items.length;
  const step = slice.step ?? 1;
  const norm = (v: number): number => (v < 0 ? Math.max(0, n + v) : Math.min(v, n));
  const out: T[] = [];
  if (step > 0) {
    const start = slice.start === undefined ? 0 : norm(slice.start);
    const end = slice.end === undefined ? n : norm(slice.end);
    for (let i = start; i < end; i += step) out.push(items[i] as T);
  } else {
    const start = slice.start === undefined ? n - 1 : Math.min(norm(slice.start), n - 1);
    const end = slice.end === undefined ? -1 : norm(slice.end);
    for (let i = start; i > end; i += step) out.push(items[i] as T);
  }
  return out;
}

function preview(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The fields of one CSV line (RFC 4180 quoting), as strings. */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** One CSV line from values: strings as they are (quoted when needed), others as JSON. */
export function formatCsvLine(values: readonly JsonValue[]): string {
  return values
    .map((v) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',');
}

/** A record as the filters see it: CSV as an array of fields, JSON parsed. */
export function recordValue(record: string, format: DataFormat, what: string): JsonValue {
  if (format === 'csv') return parseCsvLine(record);
  try {
    return JSON.parse(record) as JsonValue;
  } catch {
    throw new SagesimError('TRANSFORM_FILTER_FAILED', `${what} is not JSON: ${JSON.stringify(record.slice(0, 80))}`, {
      source: 'user',
      hint: 'with a JSON ContentType each record (each line with SplitType Line) must be a JSON document',
    });
  }
}

/** A filtered or joined value written back in the record's format. */
export function formatRecord(value: JsonValue, format: DataFormat): string {
  if (format === 'json') return JSON.stringify(value);
  return Array.isArray(value) ? formatCsvLine(value) : typeof value === 'string' ? value : JSON.stringify(value);
}

/** What one transform job does to records: compiled once, applied to every record. */
export interface DataProcessing {
  readonly format: DataFormat | undefined;
  readonly joinSource: JoinSource;
  /** Undefined when the InputFilter is `$`. */
  readonly inputFilter?: { readonly expression: string; readonly path: PathSegment[] };
  /** Undefined when the OutputFilter is `$`. */
  readonly outputFilter?: { readonly expression: string; readonly path: PathSegment[] };
}

/**
 * Compiles DataProcessing for a ContentType. Filters or a join on a type that is neither CSV nor
 * JSON are refused, as the cloud supports only those.
 */
export function compileDataProcessing(
  options: { readonly inputFilter?: string; readonly outputFilter?: string; readonly joinSource?: string },
  contentType: string | undefined,
): DataProcessing {
  const joinSource = parseJoinSource(options.joinSource);
  const format = dataFormatOf(contentType);
  const active = joinSource === 'Input' || !isIdentityPath(options.inputFilter) || !isIdentityPath(options.outputFilter);
  if (active && format === undefined) {
    throw new SagesimError(
      'TRANSFORM_UNSUPPORTED',
      `DataProcessing (InputFilter, OutputFilter, JoinSource) works on CSV and JSON input only; ContentType is ${JSON.stringify(contentType ?? null)}`,
      { source: 'user', hint: 'set TransformInput.ContentType to text/csv, application/json or application/jsonlines' },
    );
  }
  const compile = (expression: string | undefined): { expression: string; path: PathSegment[] } | undefined =>
    isIdentityPath(expression) || expression === undefined ? undefined : { expression, path: parseDataPath(expression) };
  const inputFilter = compile(options.inputFilter);
  const outputFilter = compile(options.outputFilter);
  return {
    format,
    joinSource,
    ...(inputFilter ? { inputFilter } : {}),
    ...(outputFilter ? { outputFilter } : {}),
  };
}

/** True when results must be matched record by record (a join or an output filter). */
export function needsPerRecordOutput(processing: DataProcessing): boolean {
  return processing.joinSource === 'Input' || processing.outputFilter !== undefined;
}

/** The bytes a record sends to the model after the InputFilter. */
export function filterInput(record: Buffer, processing: DataProcessing): Buffer {
  if (!processing.inputFilter || !processing.format) return record;
  const value = recordValue(record.toString('utf8'), processing.format, 'an input record');
  return Buffer.from(formatRecord(selectPath(value, processing.inputFilter.path, processing.inputFilter.expression), processing.format));
}

/**
 * The line written for one record: the prediction, joined to the whole input record when
 * JoinSource is Input (CSV: the prediction's fields appended; JSON object: a SageMakerOutput
 * member; other JSON: {SageMakerInput, SageMakerOutput}), then the OutputFilter.
 */
export function assembleRecord(input: Buffer, output: string, processing: DataProcessing): string {
  const format = processing.format;
  if (!format) return output;
  let value: JsonValue;
  if (processing.joinSource === 'Input') {
    const inputValue = recordValue(input.toString('utf8'), format, 'an input record');
    if (format === 'csv') {
      value = [...(inputValue as string[]), ...parseCsvLine(output)];
    } else {
      const prediction = parseLoose(output);
      value = isJsonObject(inputValue) ? { ...inputValue, SageMakerOutput: prediction } : { SageMakerInput: inputValue, SageMakerOutput: prediction };
    }
  } else {
    value = format === 'csv' ? parseCsvLine(output) : parseLoose(output);
  }
  if (processing.outputFilter) value = selectPath(value, processing.outputFilter.path, processing.outputFilter.expression);
  return formatRecord(value, format);
}

function parseLoose(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/**
 * Cuts one response into one result per record of its request: lines, or the elements of a JSON
 * array, or (CSV) the values of a single comma-separated line, when their count matches.
 */
export function splitResponse(body: Buffer, records: number, format: DataFormat | undefined): string[] | undefined {
  const text = body.toString('utf8');
  if (records === 1) return [text.replace(/\r?\n$/, '')];
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === records) return lines;
  const [only] = lines;
  if (lines.length === 1 && only !== undefined) {
    const parsed = parseLoose(only);
    if (Array.isArray(parsed) && parsed.length === records) return parsed.map((v) => (typeof v === 'string' && format === 'csv' ? v : JSON.stringify(v)));
    if (format === 'csv') {
      const fields = parseCsvLine(only);
      if (fields.length === records) return fields;
    }
  }
  return undefined;
}
