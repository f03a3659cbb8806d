// The execution store of a sagesim home, as the engine sees it (engine/execution-store.ts): one
// object that hands each concern to its own unit (records, step logs, attempt folders, the cache
// index), because the scheduler, history and serve pass one store around.
import type { CacheEntry } from '../engine/cache.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionStore, StepLogSink } from '../engine/execution-store.js';
import { FileCacheIndex } from './file-cache-index.js';
import { FileExecutionRecords, type FileExecutionRecordsOptions } from './file-execution-records.js';
import { openStepLogFile } from './step-log-file.js';
import { makeStepWorkDir } from './step-work-dir.js';

export type FileExecutionStoreOptions = FileExecutionRecordsOptions;

export class FileExecutionStore implements ExecutionStore {
  readonly description: string;
  private readonly records: FileExecutionRecords;
  private readonly cache: FileCacheIndex;

  constructor(options: FileExecutionStoreOptions) {
    this.description = `execution store at ${options.home}`;
    this.records = new FileExecutionRecords(options);
    this.cache = new FileCacheIndex(options);
  }

  executionDir(executionId: string): string {
    return this.records.executionDir(executionId);
  }

  save(record: Readonly<ExecutionRecord>): void {
    this.records.save(record);
  }

  flush(): Promise<void> {
    return this.records.flush();
  }

  get(executionId: string): Promise<ExecutionRecord | undefined> {
    return this.records.get(executionId);
  }

  list(): Promise<ExecutionRecord[]> {
    return this.records.list();
  }

  find(reference: string): Promise<ExecutionRecord> {
    return this.records.find(reference);
  }

  versions(): Promise<ReadonlyMap<string, string>> {
    return this.records.versions();
  }

  openStepLog(executionId: string, stepName: string): StepLogSink {
    return openStepLogFile(this.executionDir(executionId), stepName);
  }

  stepWorkDir(executionId: string, stepName: string, attempt: number, options?: { readonly create?: boolean }): Promise<string> {
    return makeStepWorkDir(this.executionDir(executionId), stepName, attempt, options);
  }

  recordCacheEntry(entry: CacheEntry): Promise<void> {
    return this.cache.recordCacheEntry(entry);
  }

  cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]> {
    return this.cache.cacheEntries(pipelineName, key);
  }
}
