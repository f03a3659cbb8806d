// A small JsonPath for Std:JsonGet: `a.b[0].c`, `$.a.b`, `a['k']`, `[*]`, `.*` and `..name`.
// Our own because the error must say which part of the path was missing and what exists there.
import { ExpressionError, assertNever } from '../errors.js';
import { type JsonValue, isJsonObject } from './json.js';
import { withArticle } from '../util/article.js';

export type JsonPathSegment =
  | { readonly kind: 'member'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descendant'; readonly name: string };

/** Parses a JsonPath; throws ExpressionError `INVALID_JSON_PATH` with the offending offset. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const segments: JsonPathSegment[] = [];
  let text = path.trim();
  if (text === '') throw invalidPath(path, 'the path is empty');
  if (text.startsWith('$')) text = text.slice(1);
  else if (!text.startsWith('.') && !text.startsWith('[')) text = `.${text}`;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') {
        const name = /^[^.[\]]+/.exec(text.slice(i + 2))?.[0];
        if (!name) throw invalidPath(path, `".." must be followed by a name (offset ${i})`);
        segments.push({ kind: 'descendant', name });
        i += 2 + name.length;
        continue;
      }
      const name = /^[^.[\]]+/.exec(text.slice(i + 1))?.[0];
      if (!name) throw invalidPath(path, `empty name after "." (offset ${i})`);
      segments.push(name === '*' ? { kind: 'wildcard' } : { kind: 'member', name });
      i += 1 + name.length;
    } else if (c === '[') {
      const quote = text[i + 1];
      if (quote === "'" || quote === '"') {
        const end = text.indexOf(quote, i + 2);
        if (end < 0 || text[end + 1] !== ']') throw invalidPath(path, `unclosed [${quote} (offset ${i})`);
        segments.push({ kind: 'member', name: text.slice(i + 2, end) });
        i = end + 2;
        continue;
      }
      const close = text.indexOf(']', i);
      if (close < 0) throw invalidPath(path, `unclosed [ (offset ${i})`);
      const inner = text.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else throw invalidPath(path, `"[${inner}]" is neither an index, a quoted key nor *`);
      i = close + 1;
    } else {
      throw invalidPath(path, `unexpected "${c}" (offset ${i})`);
    }
  }
  return segments;
}

/** Every value the path selects (several only with wildcards or `..`). */
export function queryJsonPath(document: JsonValue, path: string): JsonValue[] {
  let current: JsonValue[] = [document];
  for (const segment of parseJsonPath(path)) {
    const next: JsonValue[] = [];
    for (const value of current) next.push(...step(value, segment));
    current = next;
  }
  return current;
}

/**
 * The single value at `path`, as Std:JsonGet returns it. Throws ExpressionError
 * `JSONGET_PATH_NOT_FOUND` naming the first missing part and what exists there.
 */
export function getJsonPath(document: JsonValue, path: string, where = 'the document'): JsonValue {
  const segments = parseJsonPath(path);
  if (segments.some((s) => s.kind === 'wildcard' || s.kind === 'descendant')) {
    const matches = queryJsonPath(document, path);
    if (matches.length === 0) throw notFound(path, where, 'nothing matches', []);
    return matches.length === 1 ? (matches[0] as JsonValue) : matches;
  }
  let value: JsonValue = document;
  let walked = '$';
  for (const segment of segments) {
    const found = step(value, segment);
    const label = segment.kind === 'index' ? `[${segment.index}]` : segment.kind === 'member' ? `.${segment.name}` : '';
    if (found.length === 0) {
      throw notFound(path, where, `${walked} has no ${label.replace(/^\./, '')}`, describeKeys(value));
    }
    value = found[0] as JsonValue;
    walked += label;
  }
  return value;
}

function step(value: JsonValue, segment: JsonPathSegment): JsonValue[] {
  switch (segment.kind) {
    case 'member':
      if (isJsonObject(value) && Object.hasOwn(value, segment.name)) return [value[segment.name] as JsonValue];
      return [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const index = segment.index < 0 ? value.length + segment.index : segment.index;
      return index >= 0 && index < value.length ? [value[index] as JsonValue] : [];
    }
    case 'wildcard':
      if (Array.isArray(value)) return value;
      if (isJsonObject(value)) return Object.values(value);
      return [];
    case 'descendant': {
      const out: JsonValue[] = [];
      collectDescendants(value, segment.name, out);
      return out;
    }
    default:
      return assertNever(segment, 'JsonPath segment');
  }
}

function collectDescendants(value: JsonValue, name: string, out: JsonValue[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectDescendants(item, name, out);
  } else if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === name) out.push(child);
      collectDescendants(child, name, out);
    }
  }
}

/** What a value offers to the next segment, for error messages. */
export function describeKeys(value: JsonValue): string[] {
  if (Array.isArray(value)) return value.length === 0 ? ['(an empty list)'] : [`[0]..[${value.length - 1}]`];
  if (isJsonObject(value)) return Object.keys(value);
  return [`(${withArticle(value === null ? 'null' : typeof value)}, which has no members)`];
}

function invalidPath(path: string, reason: string): ExpressionError {
  return new ExpressionError('INVALID_JSON_PATH', `invalid JsonPath "${path}": ${reason}`, 'write paths like a.b[0].c, $.a.b or a[\'key\']');
}

function notFound(path: string, where: string, detail: string, keys: readonly string[]): ExpressionError {
  const available = keys.length > 0 ? `; available there: ${keys.slice(0, 20).join(', ')}` : '';
  return new ExpressionError(
    'JSONGET_PATH_NOT_FOUND',
    `JsonPath "${path}" not found in ${where}: ${detail}${available}`,
    'check the path against the JSON file the step wrote',
  );
}
