// How records become /invocations requests (BatchStrategy, MaxPayloadInMB): one record per
// request, or as many lines as fit in the payload limit. Each batch remembers its records, so
// results can be joined back to their inputs.
import { SagesimError } from '../errors.js';

export type BatchStrategy = 'SingleRecord' | 'MultiRecord';

const MIB = 1024 * 1024;
/** MaxPayloadInMB when the definition gives none (the cloud's default). */
export const DEFAULT_MAX_PAYLOAD_MB = 6;

/** BatchStrategy as written in a definition or a container's execution parameters. @default 'MultiRecord' */
export function parseBatchStrategy(raw: string | undefined): BatchStrategy {
  switch (raw?.toUpperCase().replace(/_/g, '')) {
    case undefined:
    case 'MULTIRECORD':
      return 'MultiRecord';
    case 'SINGLERECORD':
      return 'SingleRecord';
    default:
      throw new SagesimError('INVALID_STEP_ARGUMENTS', `BatchStrategy must be SingleRecord or MultiRecord, got ${JSON.stringify(raw)}`, {
        source: 'user',
      });
  }
}

/** The environment spelling the serving containers read (SAGEMAKER_BATCH_STRATEGY). */
export function batchStrategyEnv(strategy: BatchStrategy): 'SINGLE_RECORD' | 'MULTI_RECORD' {
  return strategy === 'SingleRecord' ? 'SINGLE_RECORD' : 'MULTI_RECORD';
}

/** MaxPayloadInMB in bytes; 0 means no limit, as in the cloud. */
export function maxPayloadBytes(maxPayloadInMB: number | undefined): number {
  const mb = maxPayloadInMB ?? DEFAULT_MAX_PAYLOAD_MB;
  if (!Number.isInteger(mb) || mb < 0 || mb > 100) {
    throw new SagesimError('INVALID_STEP_ARGUMENTS', `MaxPayloadInMB must be a whole number from 0 to 100, got ${mb}`, { source: 'user' });
  }
  return mb === 0 ? Number.POSITIVE_INFINITY : mb * MIB;
}

/** One request body and the records in it. */
export interface Batch<T> {
  readonly payload: Buffer;
  readonly records: readonly T[];
  /** 0-based position of the first record in its object, for messages. */
  readonly firstRecord: number;
}

export interface BatcherOptions {
  readonly strategy: BatchStrategy;
  /** Largest request body in bytes (Infinity: no limit). */
  readonly maxPayloadBytes: number;
}

/**
 * Groups records into request bodies. MultiRecord joins records with `\n` while the body stays
 * within the limit; a single record over the limit is an error (TRANSFORM_RECORD_TOO_LARGE).
 */
export class Batcher<T> {
  private payloads: Buffer[] = [];
  private records: T[] = [];
  private size = 0;
  private seen = 0;
  private first = 0;

  constructor(private readonly options: BatcherOptions) {}

  /** Adds a record (its request bytes and what it stands for); returns the batches it completes. */
  add(payload: Buffer, record: T): Batch<T>[] {
    const index = this.seen++;
    if (payload.length > this.options.maxPayloadBytes) {
      throw new SagesimError(
        'TRANSFORM_RECORD_TOO_LARGE',
        `record ${index + 1} has ${payload.length} bytes, more than MaxPayloadInMB allows (${this.options.maxPayloadBytes} bytes)`,
        { source: 'user', hint: 'raise MaxPayloadInMB (at most 100), or split the input into smaller records with SplitType Line' },
      );
    }
    const out: Batch<T>[] = [];
    if (this.options.strategy === 'SingleRecord') {
      out.push({ payload, records: [record], firstRecord: index });
      return out;
    }
    const grown = this.size + (this.payloads.length > 0 ? 1 : 0) + payload.length;
    if (this.payloads.length > 0 && grown > this.options.maxPayloadBytes) out.push(...this.flush());
    if (this.payloads.length === 0) this.first = index;
    this.size += (this.payloads.length > 0 ? 1 : 0) + payload.length;
    this.payloads.push(payload);
    this.records.push(record);
    return out;
  }

  /** The batch still being filled, if any. */
  flush(): Batch<T>[] {
    if (this.payloads.length === 0) return [];
    const parts: Buffer[] = [];
    this.payloads.forEach((p, i) => {
      if (i > 0) parts.push(NEWLINE);
      parts.push(p);
    });
    const batch: Batch<T> = { payload: Buffer.concat(parts), records: this.records, firstRecord: this.first };
    this.payloads = [];
    this.records = [];
    this.size = 0;
    return [batch];
  }
}

const NEWLINE = Buffer.from('\n');
