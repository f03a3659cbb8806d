// The step cache's index as files, `<home>/cache/<pipeline>/<key>.json` (an array of entries, newest
// first). Several sagesim processes may share a home, so every read-modify-write of a file holds
// its lock file (file-lock.ts, which breaks the locks of owners that are gone); an in-process
// chain per file orders this process's own writes and lets readers wait for them.
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CacheEntry, CacheIndex } from '../engine/cache.js';
import type { ProcessProbe } from '../ports/process-probe.js';
import { type AtomicWriteHooks, writeFileAtomic } from '../util/atomic-file.js';
import { withFileLock } from './file-lock.js';
import { cacheFileIn, cacheRoot } from './store-layout.js';
import { isNotFound } from './not-found.js';

export interface FileCacheIndexOptions {
  readonly home: string;
  /** Test seam for crash simulation. */
  readonly writeHooks?: AtomicWriteHooks;
  /** How lock owners are looked up on this host. @default the system's */
  readonly processProbe?: ProcessProbe;
}

export class FileCacheIndex implements CacheIndex {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: FileCacheIndexOptions) {}

  async recordCacheEntry(entry: CacheEntry): Promise<void> {
    const file = cacheFileIn(this.options.home, entry.pipelineName, entry.key);
    await this.rewrite(file, (existing) => [entry, ...existing.filter((e) => !(e.executionId === entry.executionId && e.stepName === entry.stepName))]);
  }

  async cacheEntries(pipelineName: string, key: string): Promise<readonly CacheEntry[]> {
    const file = cacheFileIn(this.options.home, pipelineName, key);
    await this.chains.get(file);
    return readCacheFile(file);
  }

  /** Drops the entries of removed executions: a cache hit must not point at outputs that are gone. */
  async forgetExecutions(executionIds: ReadonlySet<string>): Promise<void> {
    const root = cacheRoot(this.options.home);
    for (const pipeline of await readdir(root).catch(() => [] as string[])) {
      const names = await readdir(path.join(root, pipeline)).catch(() => [] as string[]);
      // Only index files: not their lock files, nor the temp files of a write under way.
      for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        await this.rewrite(path.join(root, pipeline, name), (existing) => existing.filter((entry) => !executionIds.has(entry.executionId)));
      }
    }
  }

  /** Read-modify-write of one index file under its lock; an empty result removes the file. */
  private async rewrite(file: string, change: (existing: CacheEntry[]) => CacheEntry[]): Promise<void> {
    await this.chained(file, async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await withFileLock(file, async () => {
        const existing = await readCacheFile(file);
        const next = change(existing);
        if (sameEntries(existing, next)) return;
        if (next.length === 0) await rm(file, { force: true });
        else await writeFileAtomic(file, JSON.stringify(next, null, 1), this.options.writeHooks);
      }, this.options.processProbe ? { probe: this.options.processProbe } : {});
    });
  }

  private async chained(file: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(file) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.chains.set(file, settled);
    try {
      await next;
    } finally {
      if (this.chains.get(file) === settled) this.chains.delete(file);
    }
  }
}

function sameEntries(a: readonly CacheEntry[], b: readonly CacheEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** A missing or unreadable index file holds no entries (a torn file from older versions included). */
async function readCacheFile(file: string): Promise<CacheEntry[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(parsed) ? (parsed as CacheEntry[]) : [];
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return [];
    throw error;
  }
}
