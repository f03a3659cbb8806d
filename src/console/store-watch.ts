// Which executions of the store changed since the last look, for the console's live pages. A look
// costs the store's versions (one stat per execution for the file store) and reads only the
// records whose version moved (rewritten, or found abandoned by their process) and new ones. A
// record that does not change is never read again. A store without versions (one of the user's
// own) is read whole at each look, and its records' contents serve as versions.
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionRecords } from '../engine/execution-store.js';

interface Seen {
  readonly version: string;
  /** What a page shows changing: the status and the time of the last change. */
  readonly mark: string;
}

/** What a look needs of the store: `versions` when it has them, else `list`. */
export type WatchedRecords = Pick<ExecutionRecords, 'versions' | 'get' | 'list'>;

/** A store without versions: every record read, its contents as its version. */
async function versionsByReading(records: Pick<ExecutionRecords, 'list'>): Promise<ReadonlyMap<string, string>> {
  return new Map((await records.list()).map((record) => [record.executionId, JSON.stringify(record)]));
}

export class StoreWatch {
  private readonly seen = new Map<string, Seen>();
  private primed = false;

  constructor(private readonly records: WatchedRecords) {}

  /**
   * The ids of executions added, changed (status or last change time) or removed since the last
   * look. The first look only learns the store and reports nothing.
   */
  async look(): Promise<string[]> {
    const versions = this.records.versions ? await this.records.versions() : await versionsByReading(this.records);
    const changed = new Set<string>();
    for (const id of this.seen.keys()) {
      if (versions.has(id)) continue;
      this.seen.delete(id);
      changed.add(id);
    }
    const stale = [...versions].filter(([id, version]) => this.seen.get(id)?.version !== version);
    await Promise.all(stale.map(async ([id, version]) => this.read(id, version, changed)));
    const first = !this.primed;
    this.primed = true;
    return first ? [] : [...changed];
  }

  private async read(id: string, version: string, changed: Set<string>): Promise<void> {
    let record: ExecutionRecord | undefined;
    try {
      record = await this.records.get(id);
    } catch {
      // Unreadable for a moment (being written by another process): its version stays old, so
      // the next look reads it again.
      return;
    }
    const before = this.seen.get(id);
    if (record === undefined) {
      // Removed between the versions and the read.
      if (before) changed.add(id);
      this.seen.delete(id);
      return;
    }
    const mark = `${record.status} ${record.lastModifiedTime}`;
    if (before?.mark !== mark) changed.add(id);
    // Found abandoned, `get` recorded it Failed: a rewrite the next look sees with a new version,
    // which reads the record once more and finds the same mark.
    this.seen.set(id, { version, mark });
  }
}
