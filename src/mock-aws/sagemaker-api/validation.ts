// Request validation as the service does it before any handler runs: required members, lengths,
// name patterns, enums and ranges from the service model, every violation reported at once in the
// cloud's wording ("2 validation errors detected: Value 'x' at 'pipelineName' failed to satisfy
// constraint: ..."), so scripts that parse those messages see what they would see in the cloud.
import { assertNever } from '../../errors.js';
import { ApiError, validationError } from './api-error.js';

/** A member's shape, a small subset of the service model's vocabulary. */
export type Shape =
  | { readonly kind: 'string'; readonly min?: number; readonly max?: number; readonly pattern?: string; readonly enum?: readonly string[] }
  | { readonly kind: 'integer' | 'long'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'float' | 'boolean' | 'timestamp' }
  | { readonly kind: 'list'; readonly member: Shape; readonly min?: number; readonly max?: number }
  | { readonly kind: 'map'; readonly value: Shape; readonly min?: number; readonly max?: number }
  | StructureShape;

export interface StructureShape {
  readonly kind: 'structure';
  readonly members: Readonly<Record<string, Shape>>;
  readonly required?: readonly string[];
}

/** Shorthands that keep the operation tables readable. */
export const str = (constraints: Omit<Extract<Shape, { kind: 'string' }>, 'kind'> = {}): Shape => ({ kind: 'string', ...constraints });
export const int = (constraints: { min?: number; max?: number } = {}): Shape => ({ kind: 'integer', ...constraints });
export const long = (constraints: { min?: number; max?: number } = {}): Shape => ({ kind: 'long', ...constraints });
export const timestamp: Shape = { kind: 'timestamp' };
export const list = (member: Shape, constraints: { min?: number; max?: number } = {}): Shape => ({ kind: 'list', member, ...constraints });
export const map = (value: Shape, constraints: { min?: number; max?: number } = {}): Shape => ({ kind: 'map', value, ...constraints });
export const struct = (members: Record<string, Shape>, required: readonly string[] = []): StructureShape => ({ kind: 'structure', members, required });

/** One violated constraint, with the member path written as the cloud writes it. */
export interface Violation {
  readonly path: string;
  readonly value: unknown;
  readonly constraint: string;
}

const compiled = new Map<string, RegExp>();
function fullMatch(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, /\\p\{/.test(pattern) ? 'u' : '');
    compiled.set(pattern, regex);
  }
  return regex;
}

/**
 * Checks `input` against the operation's input shape. Type mismatches (a number where a string
 * belongs) are SerializationExceptions, as the service's deserialiser reports them; constraint
 * violations are one ValidationException listing all of them.
 */
export function validateInput(shape: StructureShape, input: unknown): void {
  const violations: Violation[] = [];
  check(shape, input, '', violations);
  if (violations.length > 0) throw validationError(formatViolations(violations));
}

export function formatViolations(violations: readonly Violation[]): string {
  const count = `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: `;
  return count + violations.map((v) => `Value ${describeValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`).join('; ');
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 200 ? `${value.slice(0, 200)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${String(value)}'`;
  return `'${JSON.stringify(value).slice(0, 200)}'`;
}

/** The cloud names members in lower camel case in these messages: `PipelineName` -> `pipelineName`. */
function memberPath(parent: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return parent ? `${parent}.${name}` : name;
}

function check(shape: Shape, value: unknown, path: string, out: Violation[]): void {
  if (value === undefined || value === null) return;
  switch (shape.kind) {
    case 'string': {
      if (typeof value !== 'string') throw typeMismatch(path, 'a string', value);
      if (shape.min !== undefined && value.length < shape.min) {
        out.push({ path, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && value.length > shape.max) {
        out.push({ path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
      }
      if (shape.pattern !== undefined && !fullMatch(shape.pattern).test(value)) {
        out.push({ path, value, constraint: `Member must satisfy regular expression pattern: ${shape.pattern}` });
      }
      if (shape.enum !== undefined && !shape.enum.includes(value)) {
        out.push({ path, value, constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]` });
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeMismatch(path, 'a whole number', value);
      if (shape.min !== undefined && value < shape.min) {
        out.push({ path, value, constraint: `Member must have value greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && value > shape.max) {
        out.push({ path, value, constraint: `Member must have value less than or equal to ${shape.max}` });
      }
      return;
    }
    case 'float':
      if (typeof value !== 'number') throw typeMismatch(path, 'a number', value);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeMismatch(path, 'true or false', value);
      return;
    case 'timestamp':
      if (parseTimestamp(value) === undefined) throw typeMismatch(path, 'a timestamp (epoch seconds)', value);
      return;
    case 'list': {
      if (!Array.isArray(value)) throw typeMismatch(path, 'a list', value);
      if (shape.min !== undefined && value.length < shape.min) {
        out.push({ path, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && value.length > shape.max) {
        out.push({ path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
      }
      value.forEach((item, i) => {
        if (item === null || item === undefined) out.push({ path: `${path}.${i + 1}.member`, value: item, constraint: 'Member must not be null' });
        else check(shape.member, item, `${path}.${i + 1}.member`, out);
      });
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) throw typeMismatch(path, 'an object', value);
      const entries = Object.entries(value);
      if (shape.max !== undefined && entries.length > shape.max) {
        out.push({ path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
      }
      for (const [key, item] of entries) check(shape.value, item, `${path}.${key}`, out);
      return;
    }
    case 'structure': {
      if (!isPlainObject(value)) throw typeMismatch(path || 'the request body', 'an object', value);
      for (const name of shape.required ?? []) {
        if (value[name] === undefined || value[name] === null) out.push({ path: memberPath(path, name), value: null, constraint: 'Member must not be null' });
      }
      // Members the model does not know are ignored, as the service does.
      for (const [name, member] of Object.entries(shape.members)) check(member, value[name], memberPath(path, name), out);
      return;
    }
    default:
      assertNever(shape, 'shape');
  }
}

function typeMismatch(path: string, expected: string, value: unknown): ApiError {
  return new ApiError('SerializationException', `${path || 'value'} must be ${expected}, got ${JSON.stringify(value)?.slice(0, 100) ?? String(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Timestamps arrive as epoch seconds (what the SDKs send for awsJson1.1) or, from hand-written
 * requests, as ISO-8601 strings. Undefined when the value is neither.
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value.trim() !== '') {
    const asNumber = Number(value);
    const date = Number.isFinite(asNumber) ? new Date(asNumber * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
