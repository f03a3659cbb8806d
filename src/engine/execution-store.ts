// What the engine needs from the place executions are kept: their records, each step's log, a
// scratch folder per step attempt, and the step cache's index. The implementations are I/O and
// live in src/store/ (files under a sagesim home, or memory).
import type { CacheIndex } from './cache.js';
import type { ExecutionRecord } from './execution-record.js';

/** Where one step's output lines go. */
export interface StepLogSink {
  /** Absolute path of the log file (it exists once a line was written). */
  readonly path: string;
  /** The path relative to the execution's folder, as StepRecord.logFile stores it. */
  readonly relativePath: string;
  write(line: string): void;
  close(): Promise<void>;
}

/** The records of executions: written as they change, read back by history, retry and serve. */
export interface ExecutionRecords {
  /**
   * Persists the record's current state. Never waits for the disk: writes of one record are
   * serialised and coalesced; `flush` waits for them and reports failures.
   */
  save(record: Readonly<ExecutionRecord>): void;
  /** Waits until every saved state is durable. */
  flush(): Promise<void>;
  get(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Every execution, newest first (by start time). */
  list(): Promise<ExecutionRecord[]>;
  /**
   * Finds one execution by id, ARN or a unique prefix of its id. Throws SagesimError
   * `EXECUTION_NOT_FOUND` or `EXECUTION_AMBIGUOUS`.
   */
  find(reference: string): Promise<ExecutionRecord>;
  /**
   * A version of every stored execution's record, by id, read without reading a record: it
   * differs once the record was saved again (by this process or another, once written), and an
   * execution removed from the store (`sagesim rm`) drops out. For watching a store of thousands
   * of executions every few seconds; `get` then reads only the ones whose version moved.
   * Optional for a store of one's own (both of sagesim's have it): without it, the console reads
   * every record at each look.
   */
  versions?(): Promise<ReadonlyMap<string, string>>;
}

export interface ExecutionStore extends ExecutionRecords, CacheIndex {
  /** Human-readable location for messages. */
  readonly description: string;
  /** The execution's folder (also holds logs and step folders). */
  executionDir(executionId: string): string;
  /** Opens (lazily) the log of one step. */
  openStepLog(executionId: string, stepName: string): StepLogSink;
  /**
   * A scratch folder for one step attempt: `<id>/steps/<step>/attempt-<n>`, or `attempt-<n>-run-<k>`
   * when an earlier run of the execution (before RetryPipelineExecution) used that attempt number:
   * the file store always creates an empty folder, unless `create` is false (stubs need none).
   */
  stepWorkDir(executionId: string, stepName: string, attempt: number, options?: { readonly create?: boolean }): Promise<string>;
}
