// Execution records as files: `<home>/executions/<id>/execution.json`, written atomically with
// bursts of changes coalesced, a reserve kept beside each running record for a full disk. Reading
// an execution whose sagesim process was killed mid-run records it Failed (execution-owner.ts).
import type { BigIntStats } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionRecords } from '../engine/execution-store.js';
import { abandonment, failAbandoned } from '../engine/execution-owner.js';
import { type ProcessProbe, systemProcessProbe } from '../ports/process-probe.js';
import { type AtomicWriteHooks, CoalescingWriter, isNoSpace, writeFileAtomic } from '../util/atomic-file.js';
import { RECORD_FILE, RESERVE_FILE, executionDirIn, executionsRoot } from './store-layout.js';
import { giveUpReserve, keepReserve, reserveBytesFor } from './record-reserve.js';
import { byNewest, findExecution } from './find-execution.js';
import { isNotFound } from './not-found.js';

export interface FileExecutionRecordsOptions {
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

function versionOf(file: BigIntStats): string {
  return `${file.ino}:${file.size}:${file.mtimeNs}`;
}

const FINISHED: ReadonlySet<ExecutionRecord['status']> = new Set(['Succeeded', 'Failed', 'Stopped']);

export class FileExecutionRecords implements ExecutionRecords {
  private readonly writers = new Map<string, CoalescingWriter>();
  /** Reserve files of the executions this store writes, and whether each execution has finished. */
  private readonly reserves = new Map<string, boolean>();
  /**
   * Unfinished local executions as last read, with the version read: `versions` tells when
   * their process has gone without reading them again.
   */
  private readonly unfinished = new Map<string, { readonly version: string; readonly record: ExecutionRecord }>();
  /** Abandoned executions being recorded Failed, so that concurrent reads write once. */
  private readonly settling = new Map<string, Promise<ExecutionRecord | undefined>>();

  constructor(private readonly options: FileExecutionRecordsOptions) {}

  executionDir(executionId: string): string {
    return executionDirIn(this.options.home, executionId);
  }

  save(record: Readonly<ExecutionRecord>): void {
    let writer = this.writers.get(record.executionId);
    if (!writer) {
      writer = this.writerFor(record);
      this.writers.set(record.executionId, writer);
    }
    // Kept while the execution runs; a finished one's is given up by the next flush().
    this.reserves.set(path.join(this.executionDir(record.executionId), RESERVE_FILE), FINISHED.has(record.status));
    writer.request(() => JSON.stringify(record));
  }

  private writerFor(record: Readonly<ExecutionRecord>): CoalescingWriter {
    const dir = this.executionDir(record.executionId);
    const reserve = path.join(dir, RESERVE_FILE);
    return new CoalescingWriter(path.join(dir, RECORD_FILE), {
      ...(this.options.writeHooks ? { hooks: this.options.writeHooks } : {}),
      prepare: async () => {
        await mkdir(dir, { recursive: true });
        await keepReserve(reserve, reserveBytesFor(JSON.stringify(record)));
      },
      // A disk filled during the run (by a step's data, most often): the reserve gives back the
      // room the record needs, so that the execution says how it ended instead of "killed?".
      onNoSpace: () => giveUpReserve(reserve),
      minIntervalMs: this.options.minWriteIntervalMs ?? 100,
    });
  }

  /**
   * Waits for every pending record write. A record that cannot be written is
   * `EXECUTION_RECORD_WRITE_FAILED` (naming the file and the cause). Finished executions give up
   * their reserves.
   */
  async flush(): Promise<void> {
    try {
      for (const [executionId, writer] of this.writers) {
        await writer.flush().catch((cause: unknown) => {
          throw this.writeFailed(executionId, cause);
        });
      }
    } finally {
      for (const [reserve, finished] of this.reserves) {
        if (!finished) continue;
        await giveUpReserve(reserve);
        this.reserves.delete(reserve);
      }
    }
  }

  private writeFailed(executionId: string, cause: unknown): SagesimError {
    const { home } = this.options;
    const file = path.join(this.executionDir(executionId), RECORD_FILE);
    return new SagesimError('EXECUTION_RECORD_WRITE_FAILED', `cannot write ${file}: ${(cause as Error).message}`, {
      source: 'user',
      hint: isNoSpace(cause)
        ? `the disk is full: free disk space on the disk that holds ${home} (\`df -h ${home}\`); \`sagesim show ${executionId}\` shows the last state that was written`
        : `check that ${home} is writable and the disk healthy`,
      cause,
    });
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
    let handle: FileHandle | undefined;
    try {
      handle = await open(path.join(this.executionDir(executionId), RECORD_FILE), 'r');
      // The version of exactly what is read: a record file is never rewritten in place.
      const version = versionOf(await handle.stat({ bigint: true }));
      const record = JSON.parse(await handle.readFile('utf8')) as ExecutionRecord;
      if (record.mode === 'local' && record.owner !== undefined && !FINISHED.has(record.status)) this.unfinished.set(executionId, { version, record });
      else this.unfinished.delete(executionId);
      return record;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new SagesimError('STORE_READ_FAILED', `cannot read execution ${executionId}: ${(error as Error).message}`, { cause: error });
    } finally {
      await handle?.close();
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
      await writeFileAtomic(path.join(this.executionDir(executionId), RECORD_FILE), JSON.stringify(failed), this.options.writeHooks);
    } catch {
      // A read-only store still shows the truth; a writable one records it on a later read.
    }
    return failed;
  }

  async list(): Promise<ExecutionRecord[]> {
    let ids: string[];
    try {
      ids = await readdir(executionsRoot(this.options.home));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const records = await Promise.all(ids.map((id) => this.get(id).catch(() => undefined)));
    return records.filter((record): record is ExecutionRecord => record !== undefined).sort(byNewest);
  }

  /**
   * Each record file's identity, size and change time: a record is replaced whole by a rename
   * (writeFileAtomic), so any new write gives it a new inode. Folders without a record (being
   * created, or removed) are left out. An unfinished execution this store has read, whose process
   * is gone since, gets a new version too: reading it again records it Failed.
   */
  async versions(): Promise<ReadonlyMap<string, string>> {
    let ids: string[];
    try {
      ids = await readdir(executionsRoot(this.options.home));
    } catch (error) {
      if (isNotFound(error)) return new Map();
      throw error;
    }
    const probe = this.options.processProbe ?? systemProcessProbe;
    const stamps = await Promise.all(
      ids.map(async (id) => {
        const file = await stat(path.join(this.executionDir(id), RECORD_FILE), { bigint: true }).catch(() => undefined);
        if (!file?.isFile()) return undefined;
        const version = versionOf(file);
        const read = this.unfinished.get(id);
        // Read unfinished and unchanged since, with its process gone: `get` would now say Failed.
        const gone = read?.version === version && abandonment(read.record, probe) !== undefined;
        return [id, gone ? `${version}:owner-gone` : version] as const;
      }),
    );
    return new Map(stamps.filter((stamp) => stamp !== undefined));
  }

  async find(reference: string): Promise<ExecutionRecord> {
    const direct = /^[a-z0-9]+$/.test(reference) ? await this.get(reference).catch(() => undefined) : undefined;
    return direct ?? findExecution(await this.list(), reference);
  }
}
