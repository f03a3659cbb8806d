// CacheConfig.ExpireAfter: ISO-8601 durations (P30D, PT1H, P1DT12H) and the loose forms SageMaker
// also accepts ("30d", "T16m", "30dT5h", "4h", "1w").

const MS = {
  S: 1_000,
  MIN: 60_000,
  H: 3_600_000,
  D: 86_400_000,
  W: 7 * 86_400_000,
  // Calendar units have no fixed length; SageMaker's cache is coarse, so 30-day months and
  // 365-day years are close enough.
  MONTH: 30 * 86_400_000,
  Y: 365 * 86_400_000,
} as const;

const COMPONENT = /(\d+(?:\.\d+)?)([A-Z])/g;

/** Milliseconds, or undefined when `text` is not a duration SageMaker would accept. */
export function parseExpireAfter(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const upper = text.trim().toUpperCase();
  const match = /^P?((?:\d+(?:\.\d+)?[YMWDHS])*)(?:T((?:\d+(?:\.\d+)?[HMS])+))?$/.exec(upper);
  if (!match) return undefined;
  const datePart = match[1] ?? '';
  const timePart = match[2] ?? '';
  if (!datePart && !timePart) return undefined;
  let total = 0;
  for (const [, amount, unit] of datePart.matchAll(COMPONENT)) {
    const ms = unit === 'Y' ? MS.Y : unit === 'M' ? MS.MONTH : unit === 'W' ? MS.W : unit === 'D' ? MS.D : unit === 'H' ? MS.H : MS.S;
    total += Number(amount) * ms;
  }
  for (const [, amount, unit] of timePart.matchAll(COMPONENT)) {
    const ms = unit === 'H' ? MS.H : unit === 'M' ? MS.MIN : MS.S;
    total += Number(amount) * ms;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}
