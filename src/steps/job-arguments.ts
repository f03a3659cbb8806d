// Typed reads of a job step's resolved arguments (CreateProcessingJob, CreateTrainingJob, ...).
// A wrong shape fails the step with the JSON path of the bad field, not a TypeError.
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';
import { StepFailure } from '../errors.js';

export class ArgumentReader {
  constructor(
    private readonly stepName: string,
    readonly value: JsonObject,
    private readonly path: string = '$.Arguments',
  ) {}

  /** A nested object, or an empty reader when absent. */
  object(key: string): ArgumentReader {
    const child = this.value[key];
    if (child === undefined || child === null) return new ArgumentReader(this.stepName, {}, `${this.path}.${key}`);
    if (!isJsonObject(child)) throw this.invalid(key, 'an object', child);
    return new ArgumentReader(this.stepName, child, `${this.path}.${key}`);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** Objects of an array, or [] when absent. */
  objects(key: string): ArgumentReader[] {
    const child = this.value[key];
    if (child === undefined || child === null) return [];
    if (!Array.isArray(child)) throw this.invalid(key, 'a list', child);
    return child.map((item, index) => {
      if (!isJsonObject(item)) throw this.invalid(`${key}[${index}]`, 'an object', item);
      return new ArgumentReader(this.stepName, item, `${this.path}.${key}[${index}]`);
    });
  }

  optionalString(key: string): string | undefined {
    const child = this.value[key];
    if (child === undefined || child === null) return undefined;
    if (typeof child === 'string') return child;
    if (typeof child === 'number' || typeof child === 'boolean') return String(child);
    throw this.invalid(key, 'a string', child);
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined || value === '') throw this.missing(key);
    return value;
  }

  optionalNumber(key: string): number | undefined {
    const child = this.value[key];
    if (child === undefined || child === null) return undefined;
    const value = typeof child === 'string' && child.trim() !== '' ? Number(child) : child;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(key, 'a number', child);
    return value;
  }

  optionalBoolean(key: string): boolean | undefined {
    const child = this.value[key];
    if (child === undefined || child === null) return undefined;
    if (typeof child === 'boolean') return child;
    if (child === 'true' || child === 'false') return child === 'true';
    throw this.invalid(key, 'true or false', child);
  }

  /** A list of strings (numbers are turned into strings, as the SDK would have). */
  optionalStrings(key: string): string[] | undefined {
    const child = this.value[key];
    if (child === undefined || child === null) return undefined;
    if (!Array.isArray(child)) throw this.invalid(key, 'a list of strings', child);
    return child.map((item, index) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      throw this.invalid(`${key}[${index}]`, 'a string', item);
    });
  }

  /** A string map (Environment, HyperParameters): values turned into strings as SageMaker passes them. */
  stringMap(key: string): Record<string, string> {
    const child = this.value[key];
    if (child === undefined || child === null) return {};
    if (!isJsonObject(child)) throw this.invalid(key, 'an object of strings', child);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(child)) {
      if (typeof value === 'string') out[name] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
      else throw this.invalid(`${key}.${name}`, 'a string', value);
    }
    return out;
  }

  pathOf(key: string): string {
    return `${this.path}.${key}`;
  }

  private missing(key: string): StepFailure {
    return new StepFailure(`ValidationException: step "${this.stepName}": ${this.path}.${key} is required`, {
      code: 'INVALID_STEP_ARGUMENTS',
      source: 'user',
    });
  }

  private invalid(key: string, expected: string, got: JsonValue): StepFailure {
    return new StepFailure(
      `ValidationException: step "${this.stepName}": ${this.path}.${key} must be ${expected}, got ${JSON.stringify(got)}`,
      { code: 'INVALID_STEP_ARGUMENTS', source: 'user' },
    );
  }
}
