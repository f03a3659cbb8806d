// The awsJson1.1 wire format of responses: timestamps travel as epoch seconds (numbers with a
// fraction), absent members are left out. Records inside sagesim keep ISO-8601 strings, so members
// the service model types as timestamps are converted by name on the way out.

/**
 * Every member name the service model types as a timestamp in the responses the emulator serves
 * (from botocore's sagemaker model; no response uses one of these names for anything else).
 */
const TIMESTAMP_MEMBERS: ReadonlySet<string> = new Set([
  'ConvergenceDetectedTime',
  'CreationTime',
  'EndTime',
  'HyperParameterTuningEndTime',
  'LastExecutionTime',
  'LastModifiedTime',
  'LastRunTime',
  'ProcessingEndTime',
  'ProcessingStartTime',
  'StartTime',
  'Timestamp',
  'TrainingEndTime',
  'TrainingStartTime',
  'TransformEndTime',
  'TransformStartTime',
]);

/** Members whose keys are user data (hyperparameter names, environment variables): never converted. */
const USER_MAPS: ReadonlySet<string> = new Set([
  'HyperParameters',
  'StaticHyperParameters',
  'TunedHyperParameters',
  'Environment',
  'CustomerMetadataProperties',
  'OutputParameters',
]);

export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Converts a response object to what goes on the wire. */
export function toWire(value: unknown, memberName?: string): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((item) => toWire(item, undefined)).filter((item) => item !== undefined);
  if (typeof value === 'object') {
    if (memberName !== undefined && USER_MAPS.has(memberName)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      const converted = toWire(member, key);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  if (typeof value === 'string' && memberName !== undefined && TIMESTAMP_MEMBERS.has(memberName)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : ms / 1000;
  }
  return value;
}
