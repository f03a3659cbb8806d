// An advisory lock shared by every sagesim process of a home: a lock file created exclusively,
// holding its owner (pid, host, when). A lock whose owner is gone from this host, or that is older
// than any critical section can last, is stale and broken, so a killed process never wedges a home.
import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { SagesimError } from '../errors.js';
import { type ProcessProbe, systemProcessProbe } from '../ports/process-probe.js';

export interface FileLockOptions {
  /** How processes of this host are looked up. @default the system's */
  readonly probe?: ProcessProbe;
  /** A lock older than this is taken as abandoned whoever holds it. @default 30000 */
  readonly staleAfterMs?: number;
  /** Gives up after this long. @default 60000 */
  readonly timeoutMs?: number;
  /** @default setTimeout-based sleep (tests may pass their own) */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called once, when the lock is found held by another and this process starts waiting for it. */
  readonly onWait?: () => void;
}

interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly token: string;
}

let tokenCounter = 0;

/** Runs `work` holding `<file>.lock`; the lock is released even when `work` throws. */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lockFile = `${file}.lock`;
  const release = await acquire(lockFile, options);
  try {
    return await work();
  } finally {
    await release();
  }
}

async function acquire(lockFile: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const probe = options.probe ?? systemProcessProbe;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const owner: LockOwner = { pid: probe.pid, hostname: probe.hostname || hostname(), token: `${probe.pid}-${Date.now()}-${++tokenCounter}` };
  const started = Date.now();
  let waiting = false;
  for (let round = 0; ; round++) {
    try {
      const handle = await open(lockFile, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return async () => {
        // Only our own lock is removed: a lock broken as stale may have been taken by another.
        const current = await readOwner(lockFile);
        if (current?.token === owner.token) await rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await staleOwner(lockFile, probe, staleAfterMs);
    if (stale !== undefined) {
      await breakLock(lockFile, stale);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.();
    }
    if (Date.now() - started > timeoutMs) {
      throw new SagesimError('LOCK_TIMEOUT', `could not take the lock ${lockFile} within ${timeoutMs} ms`, {
        hint: `another sagesim process holds it; if none runs, remove ${lockFile}`,
      });
    }
    // Short, jittered waits: critical sections last milliseconds.
    await sleep(Math.min(50, 2 + round) + Math.random() * 5);
  }
}

async function readOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.token === 'string' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** The token of a stale lock ('' for an unreadable old one), or undefined when it is live or gone. */
async function staleOwner(lockFile: string, probe: ProcessProbe, staleAfterMs: number): Promise<string | undefined> {
  let modified: number;
  try {
    modified = (await stat(lockFile)).mtimeMs;
  } catch {
    // Gone already: not stale, just free.
    return undefined;
  }
  const owner = await readOwner(lockFile);
  if (Date.now() - modified > staleAfterMs) return owner?.token ?? '';
  // A lock file still being written has no owner yet: young, so wait for it.
  if (owner === undefined) return undefined;
  const gone = owner.hostname === probe.hostname && owner.pid !== probe.pid && !probe.alive(owner.pid);
  return gone ? owner.token : undefined;
}

/**
 * Moves the stale lock aside under a unique name, then removes it: of several processes breaking
 * the same lock, one rename wins and the others find nothing to move. When what was moved is not
 * the lock judged stale (another process broke it and took a fresh one in between), it is put back.
 */
async function breakLock(lockFile: string, staleToken: string): Promise<void> {
  const aside = `${lockFile}.stale.${process.pid}.${++tokenCounter}`;
  try {
    await rename(lockFile, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved !== undefined && moved.token !== staleToken) {
    // link fails if a lock exists again: then the fresh owner lost it, and finds out on release.
    await link(aside, lockFile).catch(() => undefined);
  }
  await rm(aside, { force: true });
}
