// Training metrics as SageMaker derives them: each MetricDefinition's regex is searched in every
// log line, the first capture group is the value, and the last value of each metric ends up in
// FinalMetricDataList. Lines are matched as CloudWatch stores them, with a TAB written as `#011`.
import { SagesimError } from '../errors.js';
import type { JsonObject } from '../engine/json.js';

export interface MetricDefinition {
  readonly Name: string;
  readonly Regex: string;
}

/** One entry of FinalMetricDataList. `Timestamp` is ISO-8601 (the store holds JSON). */
export interface MetricDatum extends JsonObject {
  MetricName: string;
  Value: number;
  Timestamp: string;
}

/** How CloudWatch (through syslog) writes a TAB; SageMaker's built-in regexes expect it. */
const TAB_AS_LOGGED = '#011';

/**
 * The user's definitions followed by the image's implicit built-in ones; a user definition wins
 * over a built-in one of the same name, as the SDK's definitions replace the defaults.
 */
export function mergeMetricDefinitions(
  user: readonly MetricDefinition[],
  builtin: readonly MetricDefinition[] = [],
): MetricDefinition[] {
  const names = new Set(user.map((definition) => definition.Name));
  return [...user, ...builtin.filter((definition) => !names.has(definition.Name))];
}

/**
 * Compiles a metric regex written for Python's `re` (what SageMaker runs) into a JS RegExp:
 * `(?P<name>...)` named groups and `(?P=name)` backreferences are translated.
 */
export function compileMetricRegex(definition: MetricDefinition): RegExp {
  const source = definition.Regex.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>').replace(
    /\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g,
    '\\k<$1>',
  );
  try {
    return new RegExp(source);
  } catch (cause) {
    throw new SagesimError('INVALID_METRIC_DEFINITION', `metric ${definition.Name}: invalid regex ${JSON.stringify(definition.Regex)} (${(cause as Error).message})`, {
      source: 'user',
      hint: 'MetricDefinitions[].Regex must be a regular expression with one capture group around the value, e.g. "validation-rmse:([0-9\\\\.]+)"',
      cause,
    });
  }
}

/** Applies metric definitions to log lines as they arrive and keeps the last value of each metric. */
export class MetricCollector {
  private readonly compiled: { readonly name: string; readonly regex: RegExp }[];
  private readonly last = new Map<string, MetricDatum>();

  /** Throws INVALID_METRIC_DEFINITION for a regex that does not compile. */
  constructor(
    definitions: readonly MetricDefinition[],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.compiled = definitions.map((definition) => ({ name: definition.Name, regex: compileMetricRegex(definition) }));
  }

  observe(line: string): void {
    if (this.compiled.length === 0) return;
    const logged = line.replaceAll('\t', TAB_AS_LOGGED);
    for (const { name, regex } of this.compiled) {
      const match = regex.exec(logged);
      const raw = match?.[1];
      if (raw === undefined) continue;
      const value = Number.parseFloat(raw);
      // JSON cannot hold NaN or Infinity; the cloud drops such values as well.
      if (!Number.isFinite(value)) continue;
      this.last.set(name, { MetricName: name, Value: value, Timestamp: this.now().toISOString() });
    }
  }

  /** FinalMetricDataList: the last value of each metric seen, in definition order. */
  finalMetrics(): MetricDatum[] {
    const out: MetricDatum[] = [];
    for (const { name } of this.compiled) {
      const datum = this.last.get(name);
      if (datum && !out.some((d) => d.MetricName === name)) out.push({ ...datum });
    }
    return out;
  }
}
