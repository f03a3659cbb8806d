// Step caching (CacheConfig) with SageMaker's rules: a step is reused when a successful run of
// the same step type in the same pipeline had the same cache-relevant arguments, within
// ExpireAfter; the newest such run wins. The attributes that count per step type are in the step-kind
// table (step-kinds.ts), as AWS documents them.
import type { PipelineStep, StepType } from './definition-types.js';
import type { StepMetadata } from './execution-record.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { hashJson } from './canonical-json.js';
import { parseExpireAfter } from './expire-after.js';
import { type InputSnapshot, describeChange } from './step-reads.js';
import { stepKind } from './step-kinds.js';

/** Only some children of TrainingJobDefinition count for a Tuning step. */
const TUNING_DEFINITION_ATTRIBUTES = ['AlgorithmSpecification', 'HyperParameterRanges', 'InputDataConfig', 'StaticHyperParameters', 'TuningObjective'];
/** Likewise for AutoMLJobConfig. */
const AUTOML_CONFIG_ATTRIBUTES = ['CompletionCriteria', 'CandidateGenerationConfig', 'DataSplitConfig', 'Mode'];

/** Step types SageMaker can cache. */
export function isCacheableStepType(type: StepType): boolean {
  return stepKind(type).cacheKey !== undefined;
}

/**
 * The cache key of a step: its type plus the resolved cache-relevant arguments, hashed from
 * canonical JSON so key order does not matter. Undefined for types SageMaker does not cache.
 */
export function cacheKeyFor(step: PipelineStep, resolvedArguments: JsonObject): string | undefined {
  const attributes = stepKind(step.Type).cacheKey;
  if (!attributes) return undefined;
  const picked: JsonObject = {};
  const stepFields = step as unknown as Readonly<Record<string, unknown>>;
  for (const name of attributes) {
    let value: JsonValue | undefined;
    if (name === 'Arguments') value = resolvedArguments;
    else if (name in resolvedArguments) value = resolvedArguments[name];
    else if (stepFields[name] !== undefined) value = stepFields[name] as JsonValue;
    if (value === undefined) continue;
    if (step.Type === 'Tuning' && name === 'TrainingJobDefinition') value = pick(value, TUNING_DEFINITION_ATTRIBUTES);
    if (step.Type === 'AutoML' && name === 'AutoMLJobConfig') value = pick(value, AUTOML_CONFIG_ATTRIBUTES);
    picked[name] = value;
  }
  return hashJson({ StepType: step.Type, Attributes: picked });
}

function pick(value: JsonValue, names: readonly string[]): JsonValue {
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const name of names) {
    const child = value[name];
    if (child !== undefined) out[name] = child;
  }
  return out;
}

/** How caching applies to one step in one run. */
export type CachePolicy =
  | { readonly enabled: false; readonly reason: string }
  | { readonly enabled: true; readonly expireAfterMs: number | undefined };

/** Reads a step's CacheConfig; `globallyEnabled` is false under `--no-cache`. */
export function cachePolicyFor(step: PipelineStep, globallyEnabled: boolean): CachePolicy {
  if (!globallyEnabled) return { enabled: false, reason: 'caching turned off (--no-cache)' };
  if (!isCacheableStepType(step.Type)) return { enabled: false, reason: `${step.Type} steps are not cached` };
  const config = 'CacheConfig' in step ? step.CacheConfig : undefined;
  if (!config?.Enabled) return { enabled: false, reason: 'CacheConfig not enabled' };
  // No ExpireAfter: SageMaker never expires the entry.
  const expireAfterMs = config.ExpireAfter === undefined ? undefined : parseExpireAfter(config.ExpireAfter);
  return { enabled: true, expireAfterMs };
}

/** A successful step result that a later run of the same pipeline may reuse. */
export interface CacheEntry {
  readonly pipelineName: string;
  readonly key: string;
  readonly stepName: string;
  readonly stepType: StepType;
  readonly executionId: string;
  readonly executionArn: string;
  /** When the step succeeded (ISO-8601): ExpireAfter counts from here. */
  readonly finishedAt: string;
  readonly properties: JsonObject;
  readonly propertyFiles: Readonly<Record<string, JsonValue>>;
  readonly outputParameters: Readonly<Record<string, JsonValue>>;
  readonly metadata: StepMetadata;
  /**
   * What the step read from S3, object by object (see step-reads.ts). Absent in entries of older
   * sagesim versions, which the content-aware cache cannot check and so does not reuse.
   */
  readonly reads?: readonly InputSnapshot[];
  /**
   * Set when the result came from a stub: the hash of the stub's spec. Such an entry serves only
   * a step stubbed the same way, never a step that runs for real.
   */
  readonly stub?: { readonly spec: string };
}

/** Where cache entries live: the execution store (on disk or in memory). */
export interface CacheIndex {
  recordCacheEntry(entry: CacheEntry): Promise<void>;
  /** Entries of one pipeline with one key, in any order. */
  cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]>;
}

/** The newest entry still within ExpireAfter, or undefined. */
export async function lookupCache(
  index: CacheIndex,
  query: { readonly pipelineName: string; readonly key: string; readonly now: Date; readonly expireAfterMs: number | undefined },
): Promise<CacheEntry | undefined> {
  const entries = await index.cacheEntries(query.pipelineName, query.key);
  const fresh = entries.filter(
    (entry) => query.expireAfterMs === undefined || query.now.getTime() - Date.parse(entry.finishedAt) <= query.expireAfterMs,
  );
  return [...fresh].sort((a, b) => Date.parse(b.finishedAt) - Date.parse(a.finishedAt))[0];
}

/** What the step about to run is: a real job, or a stub with this spec hash. */
export type CacheSource = { readonly kind: 'real' } | { readonly kind: 'stub'; readonly spec: string };

export interface CacheQuery {
  readonly pipelineName: string;
  readonly stepName: string;
  readonly key: string;
  readonly now: Date;
  readonly expireAfterMs: number | undefined;
  readonly source: CacheSource;
  /**
   * `content` (sagesim's default): an entry is reused only when every object it read is unchanged.
   * `arguments` (`--cache-like-cloud`): the arguments alone decide, as in the cloud.
   */
  readonly mode: 'content' | 'arguments';
  /** Reads what the inputs of an entry hold now. */
  readonly snapshot: (reads: readonly InputSnapshot[]) => Promise<readonly InputSnapshot[]>;
}

export type CacheDecision =
  | { readonly hit: CacheEntry }
  /** No reuse; `reason` says why when the cloud would have reused an entry (shown to the user). */
  | { readonly hit?: undefined; readonly reason?: string };

/**
 * Picks the entry a step reuses: the newest one within ExpireAfter from the same kind of source
 * (stub results never serve real steps) whose inputs are unchanged, in content mode.
 */
export async function decideCache(index: CacheIndex, query: CacheQuery): Promise<CacheDecision> {
  const entries = await index.cacheEntries(query.pipelineName, query.key);
  const fresh = entries
    .filter((entry) => query.expireAfterMs === undefined || query.now.getTime() - Date.parse(entry.finishedAt) <= query.expireAfterMs)
    .sort((a, b) => Date.parse(b.finishedAt) - Date.parse(a.finishedAt));
  const sameSource = fresh.filter((entry) => sameCacheSource(entry, query.source));
  const newest = sameSource[0];
  if (newest === undefined) {
    const stubbed = fresh.find((entry) => entry.stub !== undefined);
    return query.source.kind === 'real' && stubbed
      ? { reason: `re-ran ${query.stepName}: the matching cache entry of execution ${stubbed.executionId} came from a stub, and stub results never stand in for real ones` }
      : {};
  }
  if (query.mode === 'arguments' || query.source.kind === 'stub') return { hit: newest };
  let firstChange: { entry: CacheEntry; change: string } | undefined;
  for (const entry of sameSource) {
    if (entry.reads === undefined) {
      firstChange ??= { entry, change: 'which objects it read was not recorded (an older sagesim)' };
      continue;
    }
    const change = describeChange(entry.reads, await query.snapshot(entry.reads));
    if (change === undefined) return { hit: entry };
    firstChange ??= { entry, change };
  }
  const change = firstChange ?? { entry: newest, change: 'its inputs changed' };
  return { reason: `re-ran ${query.stepName}: ${change.change} since execution ${change.entry.executionId}; the cloud would have reused it` };
}

function sameCacheSource(entry: CacheEntry, source: CacheSource): boolean {
  return source.kind === 'real' ? entry.stub === undefined : entry.stub?.spec === source.spec;
}
