// The search side of hyperparameter tuning, free of I/O: parameter ranges, seeded random sampling,
// grid enumeration, and ranking training jobs by their objective metric.
import { assertNever } from '../errors.js';

export type ScalingType = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

export interface NumericRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly scaling: ScalingType;
}

export interface CategoricalRange {
  readonly name: string;
  readonly values: readonly string[];
}

export interface ParameterRanges {
  readonly integer: readonly NumericRange[];
  readonly continuous: readonly NumericRange[];
  readonly categorical: readonly CategoricalRange[];
}

/** Hyperparameter values as SageMaker passes them: strings. */
export type TunedValues = Record<string, string>;

/** A problem with the ranges, worded as the cloud's ValidationException. */
export class TuningRangeError extends Error {
  override readonly name = 'TuningRangeError';
}

/** Mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from text (FNV-1a), so the same tuning definition samples the same values. */
export function seedFromText(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash;
}

/** Checks ranges the way CreateHyperParameterTuningJob does; throws TuningRangeError. */
export function validateRanges(ranges: ParameterRanges): void {
  const seen = new Set<string>();
  const all = [...ranges.integer, ...ranges.continuous, ...ranges.categorical];
  if (all.length === 0) throw new TuningRangeError('ParameterRanges must hold at least one range');
  for (const range of all) {
    if (seen.has(range.name)) throw new TuningRangeError(`hyperparameter ${range.name} has more than one range`);
    seen.add(range.name);
  }
  for (const range of [...ranges.integer, ...ranges.continuous]) {
    if (!(range.min <= range.max)) throw new TuningRangeError(`${range.name}: MinValue ${range.min} is greater than MaxValue ${range.max}`);
    if (range.scaling === 'Logarithmic' && range.min <= 0) {
      throw new TuningRangeError(`${range.name}: Logarithmic scaling needs MinValue greater than 0, got ${range.min}`);
    }
    if (range.scaling === 'ReverseLogarithmic' && (range.min < 0 || range.max >= 1)) {
      throw new TuningRangeError(`${range.name}: ReverseLogarithmic scaling needs 0 <= MinValue and MaxValue < 1`);
    }
  }
  for (const range of ranges.integer) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max)) throw new TuningRangeError(`${range.name}: integer ranges need whole MinValue and MaxValue`);
    if (range.scaling === 'ReverseLogarithmic') throw new TuningRangeError(`${range.name}: ReverseLogarithmic scaling is only for continuous ranges`);
  }
  for (const range of ranges.categorical) {
    if (range.values.length === 0) throw new TuningRangeError(`${range.name}: a categorical range needs at least one value`);
  }
}

/** A value of a continuous range for a uniform draw `u` in [0, 1). Auto scales linearly. */
export function continuousValue(range: NumericRange, u: number): number {
  switch (range.scaling) {
    case 'Auto':
    case 'Linear':
      return range.min + u * (range.max - range.min);
    case 'Logarithmic':
      return Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min)));
    case 'ReverseLogarithmic':
      // Dense close to 1: log-uniform on (1 - value).
      return 1 - Math.exp(Math.log(1 - range.max) + u * (Math.log(1 - range.min) - Math.log(1 - range.max)));
    default:
      return assertNever(range.scaling, 'ScalingType');
  }
}

/** A value of an integer range for a uniform draw `u` in [0, 1); every integer is reachable. */
export function integerValue(range: NumericRange, u: number): number {
  if (range.scaling === 'Logarithmic') {
    const low = Math.log(range.min);
    const high = Math.log(range.max + 1);
    return clamp(Math.floor(Math.exp(low + u * (high - low))), range.min, range.max);
  }
  return clamp(range.min + Math.floor(u * (range.max - range.min + 1)), range.min, range.max);
}

/** `count` random configurations; avoids repeats while the space still has unseen points. */
export function sampleRandom(ranges: ParameterRanges, count: number, random: () => number): TunedValues[] {
  const out: TunedValues[] = [];
  const seen = new Set<string>();
  const discrete = ranges.continuous.length === 0 ? discreteSize(ranges) : Infinity;
  for (let i = 0; i < count; i++) {
    let values = draw(ranges, random);
    for (let tries = 0; seen.has(key(values)) && seen.size < discrete && tries < 100; tries++) values = draw(ranges, random);
    seen.add(key(values));
    out.push(values);
  }
  return out;
}

/**
 * Every combination of categorical values (and of integer values, which sagesim enumerates too),
 * the first range varying slowest, at most `max` of them. Continuous ranges cannot be gridded.
 */
export function gridCombinations(ranges: ParameterRanges, max?: number): TunedValues[] {
  if (ranges.continuous.length > 0) {
    throw new TuningRangeError(
      `the Grid strategy cannot search continuous ranges (${ranges.continuous.map((r) => r.name).join(', ')}); use CategoricalParameterRanges or the Random strategy`,
    );
  }
  const axes: { name: string; values: string[] }[] = [
    ...ranges.categorical.map((range) => ({ name: range.name, values: [...range.values] })),
    ...ranges.integer.map((range) => ({
      name: range.name,
      values: Array.from({ length: range.max - range.min + 1 }, (_, i) => String(range.min + i)),
    })),
  ];
  const limit = max ?? Infinity;
  let combos: TunedValues[] = [{}];
  for (const axis of axes) {
    const next: TunedValues[] = [];
    for (const combo of combos) {
      for (const value of axis.values) {
        next.push({ ...combo, [axis.name]: value });
        if (next.length > 100_000) throw new TuningRangeError('the grid has more than 100000 combinations');
      }
    }
    combos = next;
  }
  return combos.slice(0, limit);
}

export type ObjectiveType = 'Minimize' | 'Maximize';

/** Best first; entries without an objective value keep their order after the others. */
export function rankByObjective<T extends { readonly objective?: number | undefined }>(items: readonly T[], type: ObjectiveType): T[] {
  const scored = items.filter((item) => item.objective !== undefined);
  const unscored = items.filter((item) => item.objective === undefined);
  const sign = type === 'Minimize' ? 1 : -1;
  // Stable sort: ties keep the order the jobs were launched in.
  scored.sort((a, b) => sign * ((a.objective ?? 0) - (b.objective ?? 0)));
  return [...scored, ...unscored];
}

function draw(ranges: ParameterRanges, random: () => number): TunedValues {
  const values: TunedValues = {};
  for (const range of ranges.integer) values[range.name] = String(integerValue(range, random()));
  for (const range of ranges.continuous) values[range.name] = String(continuousValue(range, random()));
  for (const range of ranges.categorical) {
    values[range.name] = range.values[Math.min(range.values.length - 1, Math.floor(random() * range.values.length))] ?? '';
  }
  return values;
}

function discreteSize(ranges: ParameterRanges): number {
  let size = 1;
  for (const range of ranges.integer) size *= range.max - range.min + 1;
  for (const range of ranges.categorical) size *= range.values.length;
  return size;
}

function key(values: TunedValues): string {
  return JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
