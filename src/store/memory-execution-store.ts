// Keeps everything in memory: for unit tests, benches and API callers that want no files. Reads
// return copies, so a caller cannot change what the store holds.
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CacheEntry } from '../engine/cache.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionStore, StepLogSink } from '../engine/execution-store.js';
import { byNewest, findExecution } from './find-execution.js';
import { safeFileName } from './store-layout.js';

export class MemoryExecutionStore implements ExecutionStore {
  readonly description = 'in-memory execution store';
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly dirty = new Map<string, Readonly<ExecutionRecord>>();
  private readonly cache = new Map<string, CacheEntry[]>();
  /** How many times each execution was saved: its version. */
  private readonly saves = new Map<string, number>();
  /** Log lines by execution id and step name. */
  readonly logs = new Map<string, string[]>();
  private readonly root = path.join(tmpdir(), 'sagesim-memory-store');

  executionDir(executionId: string): string {
    return `${this.root}${path.sep}${executionId}`;
  }

  save(record: Readonly<ExecutionRecord>): void {
    // Copy lazily: a burst of saves costs one copy, when someone reads.
    this.dirty.set(record.executionId, record);
    this.saves.set(record.executionId, (this.saves.get(record.executionId) ?? 0) + 1);
  }

  async versions(): Promise<ReadonlyMap<string, string>> {
    return new Map([...this.saves].map(([id, count]) => [id, String(count)]));
  }

  async flush(): Promise<void> {
    // Take the copy now: later changes to the caller's record object must not rewrite history.
    this.materialize();
  }

  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    this.materialize();
    const record = this.records.get(executionId);
    return record ? structuredClone(record) : undefined;
  }

  async list(): Promise<ExecutionRecord[]> {
    this.materialize();
    return [...this.records.values()].map((record) => structuredClone(record)).sort(byNewest);
  }

  async find(reference: string): Promise<ExecutionRecord> {
    return structuredClone(findExecution(await this.list(), reference));
  }

  openStepLog(executionId: string, stepName: string): StepLogSink {
    // Plain concatenation: path.join is measurable at thousands of steps, and these are never opened.
    const relativePath = `logs${path.sep}${safeFileName(stepName)}.log`;
    const key = `${executionId}/${stepName}`;
    return {
      path: `${this.executionDir(executionId)}${path.sep}${relativePath}`,
      relativePath,
      write: (line) => {
        let lines = this.logs.get(key);
        if (!lines) this.logs.set(key, (lines = []));
        lines.push(line);
      },
      close: async () => undefined,
    };
  }

  async stepWorkDir(executionId: string, stepName: string, attempt: number): Promise<string> {
    // Never created: memory runs use stubs, which need no scratch space.
    return `${this.executionDir(executionId)}${path.sep}steps${path.sep}${safeFileName(stepName)}${path.sep}attempt-${attempt}`;
  }

  async recordCacheEntry(entry: CacheEntry): Promise<void> {
    const key = `${entry.pipelineName}\u0000${entry.key}`;
    // As the file index: one entry per execution and step, the newest first.
    const others = (this.cache.get(key) ?? []).filter((e) => !(e.executionId === entry.executionId && e.stepName === entry.stepName));
    this.cache.set(key, [structuredClone(entry), ...others]);
  }

  async cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]> {
    return (this.cache.get(`${pipelineName}\u0000${key}`) ?? []).map((entry) => structuredClone(entry));
  }

  private materialize(): void {
    for (const [id, record] of this.dirty) this.records.set(id, structuredClone(record) as ExecutionRecord);
    this.dirty.clear();
  }
}
