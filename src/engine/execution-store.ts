// Where executions live: `<home>/executions/<id>/execution.json` (written atomically, bursts of
// changes coalesced), step logs under `logs/`, per-attempt scratch folders under `steps/`, and the
// index of successful step results that caching reads (read-modify-written under a lock file, as
// several sagesim processes may share a home). An in-memory twin serves tests and benches.
// Reading an execution whose sagesim process was killed mid-run records it Failed (execution-owner.ts).
import { appendFile, mkdir, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import type { CacheEntry, CacheIndex } from './cache.js';
import type { ExecutionRecord } from './execution-record.js';
import { type AtomicWriteHooks, CoalescingWriter, isNoSpace, writeFileAtomic } from './atomic-file.js';
import { withFileLock } from './file-lock.js';
import { type ProcessProbe, abandonment, failAbandoned, systemProcessProbe } from './execution-owner.js';

/** Where one step's output lines go. */
export interface StepLogSink {
  /** Absolute path of the log file (it exists once a line was written). */
  readonly path: string;
  /** The path relative to the execution's folder, as StepRecord.logFile stores it. */
  readonly relativePath: string;
  write(line: string): void;
  close(): Promise<void>;
}

export interface ExecutionStore extends CacheIndex {
  /** Human-readable location for messages. */
  readonly description: string;
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

/** Resolves a reference against a list; shared by both stores so they answer alike. */
export function findExecution(records: readonly ExecutionRecord[], reference: string): ExecutionRecord {
  const ref = reference.trim();
  const exact = records.find((record) => record.executionId === ref || record.executionArn === ref);
  if (exact) return exact;
  const matches = ref ? records.filter((record) => record.executionId.startsWith(ref) || record.executionArn.startsWith(ref)) : [];
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  if (matches.length > 1) {
    throw new SagesimError('EXECUTION_AMBIGUOUS', `"${ref}" matches ${matches.length} executions: ${matches.slice(0, 5).map((m) => m.executionId).join(', ')}${matches.length > 5 ? ', ...' : ''}`, {
      source: 'user',
      hint: 'give more characters of the execution id, or the full ARN',
    });
  }
  throw new SagesimError('EXECUTION_NOT_FOUND', `no execution "${ref}" in ${records.length === 0 ? 'an empty store' : `the ${records.length} stored execution(s)`}`, {
    source: 'user',
    hint: 'list executions with `sagesim ls`, or point --home / SAGESIM_HOME at the store that holds it',
  });
}

function byNewest(a: ExecutionRecord, b: ExecutionRecord): number {
  return Date.parse(b.startTime) - Date.parse(a.startTime) || b.executionId.localeCompare(a.executionId);
}

/** Step names may hold characters a file system dislikes; keep names readable but safe. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Beside each record being written: room set aside so that the record can still be written when a
 * step fills the disk (see keepReserve). Removed when the run is flushed.
 */
const RESERVE_FILE = '.execution.json.reserve';
const RESERVE_MIN_BYTES = 256 * 1024;
const FINISHED: ReadonlySet<ExecutionRecord['status']> = new Set(['Succeeded', 'Failed', 'Stopped']);

/** Writes the reserve file; a disk already too full for it simply gets none. */
async function keepReserve(file: string, bytes: number): Promise<void> {
  try {
    await writeFile(file, Buffer.alloc(bytes, 0x20));
  } catch {
    await rm(file, { force: true }).catch(() => undefined);
  }
}

/** Removes the reserve; true when there was one (space was freed). */
async function giveUpReserve(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch {
    return false;
  }
}

export interface FileExecutionStoreOptions {
  /** The sagesim home folder (`.sagesim` by default). */
  readonly home: string;
  /** Test seam for crash simulation. */
  readonly writeHooks?: AtomicWriteHooks;
  /**
   * Least time between two writes of one execution record: the changes within it land in one
   * write. A crash loses at most this much of the history, never its integrity. @default 100
   */
  readonly minWriteIntervalMs?: number;
  /** How the owners of unfinished executions are looked up on this host. @default the system's */
  readonly processProbe?: ProcessProbe;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class FileExecutionStore implements ExecutionStore {
  readonly description: string;
  private readonly root: string;
  private readonly cacheRoot: string;
  private readonly writers = new Map<string, CoalescingWriter>();
  /** Reserve files of the executions this store writes, and whether each execution has finished. */
  private readonly reserves = new Map<string, boolean>();
  private readonly cacheLocks = new Map<string, Promise<void>>();
  /** Abandoned executions being recorded Failed, so that concurrent reads write once. */
  private readonly settling = new Map<string, Promise<ExecutionRecord | undefined>>();

  constructor(private readonly options: FileExecutionStoreOptions) {
    this.root = path.join(options.home, 'executions');
    this.cacheRoot = path.join(options.home, 'cache');
    this.description = `execution store at ${options.home}`;
  }

  executionDir(executionId: string): string {
    return path.join(this.root, executionId);
  }

  save(record: Readonly<ExecutionRecord>): void {
    let writer = this.writers.get(record.executionId);
    if (!writer) {
      const dir = this.executionDir(record.executionId);
      const reserve = path.join(dir, RESERVE_FILE);
      writer = new CoalescingWriter(path.join(dir, 'execution.json'), {
        ...(this.options.writeHooks ? { hooks: this.options.writeHooks } : {}),
        prepare: async () => {
          await mkdir(dir, { recursive: true });
          await keepReserve(reserve, Math.max(RESERVE_MIN_BYTES, 4 * JSON.stringify(record).length));
        },
        // A disk filled during the run (by a step's data, most often): the reserve gives back the
        // room the record needs, so that the execution says how it ended instead of "killed?".
        onNoSpace: () => giveUpReserve(reserve),
        minIntervalMs: this.options.minWriteIntervalMs ?? 100,
      });
      this.writers.set(record.executionId, writer);
    }
    // Kept while the execution runs; a finished one's is given up by the next flush().
    this.reserves.set(path.join(this.executionDir(record.executionId), RESERVE_FILE), FINISHED.has(record.status));
    writer.request(() => JSON.stringify(record));
  }

  /**
   * Waits for every pending record write. A record that cannot be written is
   * `EXECUTION_RECORD_WRITE_FAILED` (naming the file and the cause). Finished executions give up
   * their reserves.
   */
  async flush(): Promise<void> {
    try {
      for (const [executionId, writer] of this.writers) {
        try {
          await writer.flush();
        } catch (cause) {
          const file = path.join(this.executionDir(executionId), 'execution.json');
          throw new SagesimError('EXECUTION_RECORD_WRITE_FAILED', `cannot write ${file}: ${(cause as Error).message}`, {
            source: 'user',
            hint: isNoSpace(cause)
              ? `the disk is full: free disk space on the disk that holds ${this.options.home} (\`df -h ${this.options.home}\`); \`sagesim show ${executionId}\` shows the last state that was written`
              : `check that ${this.options.home} is writable and the disk healthy`,
            cause,
          });
        }
      }
    } finally {
      for (const [reserve, finished] of this.reserves) {
        if (!finished) continue;
        await giveUpReserve(reserve);
        this.reserves.delete(reserve);
      }
    }
  }

  /**
   * Reads an execution. One left Executing or Stopping by a sagesim process of this host that is
   * gone (SIGKILL, a reboot) is returned, and persisted, as Failed.
   */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    const record = await this.read(executionId);
    const probe = this.options.processProbe ?? systemProcessProbe;
    if (record === undefined || abandonment(record, probe) === undefined) return record;
    let settled = this.settling.get(executionId);
    if (!settled) {
      settled = this.settleAbandoned(executionId, probe).finally(() => this.settling.delete(executionId));
      this.settling.set(executionId, settled);
    }
    return settled;
  }

  private async read(executionId: string): Promise<ExecutionRecord | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.executionDir(executionId), 'execution.json'), 'utf8')) as ExecutionRecord;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new SagesimError('STORE_READ_FAILED', `cannot read execution ${executionId}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async settleAbandoned(executionId: string, probe: ProcessProbe): Promise<ExecutionRecord | undefined> {
    // Read again now that the owner is known to be gone: it may have written its end just before.
    const current = await this.read(executionId);
    const reason = current === undefined ? undefined : abandonment(current, probe);
    if (current === undefined || reason === undefined) return current;
    const failed = failAbandoned(current, reason, (this.options.now ?? (() => new Date()))());
    try {
      // The killed owner's reserve first: on a full disk it is what makes room for this write.
      await giveUpReserve(path.join(this.executionDir(executionId), RESERVE_FILE));
      await writeFileAtomic(path.join(this.executionDir(executionId), 'execution.json'), JSON.stringify(failed), this.options.writeHooks);
    } catch {
      // A read-only store still shows the truth; a writable one records it on a later read.
    }
    return failed;
  }

  async list(): Promise<ExecutionRecord[]> {
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const records = await Promise.all(ids.map((id) => this.get(id).catch(() => undefined)));
    return records.filter((record): record is ExecutionRecord => record !== undefined).sort(byNewest);
  }

  async find(reference: string): Promise<ExecutionRecord> {
    const direct = /^[a-z0-9]+$/.test(reference) ? await this.get(reference).catch(() => undefined) : undefined;
    return direct ?? findExecution(await this.list(), reference);
  }

  openStepLog(executionId: string, stepName: string): StepLogSink {
    const relativePath = path.join('logs', `${safeFileName(stepName)}.log`);
    const file = path.join(this.executionDir(executionId), relativePath);
    // Lines are batched: one append per burst, the folder made before the first.
    let buffered: string[] = [];
    let writing: Promise<void> | undefined;
    let madeDir = false;
    let failure: unknown;
    const drain = async (): Promise<void> => {
      while (buffered.length > 0) {
        const chunk = buffered.join('');
        buffered = [];
        try {
          if (!madeDir) await mkdir(path.dirname(file), { recursive: true });
          madeDir = true;
          await appendFile(file, chunk);
        } catch (error) {
          failure ??= error;
        }
      }
      writing = undefined;
    };
    return {
      path: file,
      relativePath,
      write: (line) => {
        buffered.push(line.endsWith('\n') ? line : `${line}\n`);
        writing ??= drain();
      },
      close: async () => {
        while (writing) await writing;
        if (failure !== undefined) {
          throw new SagesimError('STEP_LOG_WRITE_FAILED', `cannot write step log ${file}: ${(failure as Error).message}`, { cause: failure });
        }
      },
    };
  }

  async stepWorkDir(executionId: string, stepName: string, attempt: number, options: { readonly create?: boolean } = {}): Promise<string> {
    const stepDir = path.join(this.executionDir(executionId), 'steps', safeFileName(stepName));
    const first = path.join(stepDir, `attempt-${attempt}`);
    if (options.create === false) return first;
    await mkdir(stepDir, { recursive: true });
    // A retried execution numbers its attempts from 1 again. Each run gets a folder of its own, so
    // that it never sees what a failed run left; the failed run's files stay for inspection (and
    // may belong to root, written by a container, so removing them could fail anyway).
    for (let run = 1; ; run++) {
      const dir = run === 1 ? first : `${first}-run-${run}`;
      try {
        await mkdir(dir);
        return dir;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  async recordCacheEntry(entry: CacheEntry): Promise<void> {
    const file = this.cacheFile(entry.pipelineName, entry.key);
    await this.withCacheLock(file, async () => {
      await mkdir(path.dirname(file), { recursive: true });
      // Other sagesim processes of this home write the same file: the in-process chain orders our
      // own writes, the lock file keeps theirs from interleaving with ours (read-modify-write).
      await withFileLock(file, async () => {
        const existing = await this.readCacheFile(file);
        const next = [entry, ...existing.filter((e) => !(e.executionId === entry.executionId && e.stepName === entry.stepName))];
        await writeFileAtomic(file, JSON.stringify(next, null, 1), this.options.writeHooks);
      }, this.options.processProbe ? { probe: this.options.processProbe } : {});
    });
  }

  async cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]> {
    const file = this.cacheFile(pipelineName, key);
    await this.cacheLocks.get(file);
    return this.readCacheFile(file);
  }

  private cacheFile(pipelineName: string, key: string): string {
    return path.join(this.cacheRoot, safeFileName(pipelineName), `${key}.json`);
  }

  private async readCacheFile(file: string): Promise<CacheEntry[]> {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      return Array.isArray(parsed) ? (parsed as CacheEntry[]) : [];
    } catch (error) {
      if (isNotFound(error) || error instanceof SyntaxError) return [];
      throw error;
    }
  }

  private async withCacheLock(file: string, work: () => Promise<void>): Promise<void> {
    const previous = this.cacheLocks.get(file) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.cacheLocks.set(file, settled);
    try {
      await next;
    } finally {
      if (this.cacheLocks.get(file) === settled) this.cacheLocks.delete(file);
    }
  }

}

/**
 * Keeps everything in memory: for unit tests, benches and API callers that want no files. Reads
 * return copies, so a caller cannot change what the store holds.
 */
export class MemoryExecutionStore implements ExecutionStore {
  readonly description = 'in-memory execution store';
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly dirty = new Map<string, Readonly<ExecutionRecord>>();
  private readonly cache = new Map<string, CacheEntry[]>();
  /** Log lines by execution id and step name. */
  readonly logs = new Map<string, string[]>();
  private readonly root = path.join(tmpdir(), 'sagesim-memory-store');

  executionDir(executionId: string): string {
    return `${this.root}${path.sep}${executionId}`;
  }

  save(record: Readonly<ExecutionRecord>): void {
    // Copy lazily: a burst of saves costs one copy, when someone reads.
    this.dirty.set(record.executionId, record);
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
    this.cache.set(key, [structuredClone(entry), ...(this.cache.get(key) ?? [])]);
  }

  async cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]> {
    return (this.cache.get(`${pipelineName}\u0000${key}`) ?? []).map((entry) => structuredClone(entry));
  }

  private materialize(): void {
    for (const [id, record] of this.dirty) this.records.set(id, structuredClone(record) as ExecutionRecord);
    this.dirty.clear();
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
