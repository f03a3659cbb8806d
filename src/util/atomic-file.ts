// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
// target. A crash at any point leaves either the old file or the new one, never a torn mix.
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

let tempCounter = 0;

/** Test seams: each may throw to stand for a failing disk (ENOSPC, EIO) at that point. */
export interface AtomicWriteHooks {
  /** Called once the temp file is open, before its content is written. */
  readonly beforeWrite?: (tempFile: string) => Promise<void> | void;
  /** Called after the content is written, before it is synced. */
  readonly beforeSync?: (tempFile: string) => Promise<void> | void;
  /** Called after the temp file is written and synced, before the rename. */
  readonly beforeRename?: (tempFile: string) => Promise<void> | void;
}

/** A temp file name beside `file`: dot-prefixed and `.tmp`-suffixed, so listings of `*.json` skip it. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
}

/**
 * Writes and syncs `data` to a new temp file beside `file`, then hands it to `commit` (rename,
 * link). The temp file is removed on every failure path (a failed write on a full disk must not
 * leave zero-byte leftovers behind), and after `commit` unless `commit` moved it.
 */
export async function withTempFile<T>(file: string, data: string | Uint8Array, hooks: AtomicWriteHooks, commit: (temp: string) => Promise<T>): Promise<T> {
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'w');
    try {
      await hooks.beforeWrite?.(temp);
      await handle.writeFile(data);
      await hooks.beforeSync?.(temp);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await hooks.beforeRename?.(temp);
    return await commit(temp);
  } finally {
    // Gone already after a rename; a link leaves it behind.
    await rm(temp, { force: true });
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, hooks: AtomicWriteHooks = {}): Promise<void> {
  await withTempFile(file, data, hooks, (temp) => rename(temp, file));
}

/** A write that failed because the disk (or the user's quota) is full. */
export function isNoSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Serialises writes of one file and coalesces bursts: while a write runs (or while the minimum
 * interval since the last one has not passed), further requests collapse into one follow-up write
 * of the latest content. `request` never rejects; a failure is kept and thrown by `flush` (unless a
 * later write succeeded), which also skips any remaining wait.
 */
export class CoalescingWriter {
  private running: Promise<void> | undefined;
  private pending: (() => string | Uint8Array) | undefined;
  private failure: unknown;
  private prepared = false;
  private lastWrite = 0;
  private hurry: (() => void) | undefined;
  private flushing = 0;

  constructor(
    private readonly file: string,
    private readonly options: {
      readonly hooks?: AtomicWriteHooks;
      /** Runs once before the first write, e.g. to create the folder. */
      readonly prepare?: () => Promise<void>;
      /** Least time between two writes; bursts within it become one write. @default 0 */
      readonly minIntervalMs?: number;
      /**
       * Called when a write fails for want of space (ENOSPC, EDQUOT); resolving true (space was
       * freed, e.g. a reserve file removed) makes the write be tried once more.
       */
      readonly onNoSpace?: () => Promise<boolean>;
    } = {},
  ) {}

  /** Asks for `render()` to be written; it is called when the write starts, so it sees the latest state. */
  request(render: () => string | Uint8Array): void {
    this.pending = render;
    this.running ??= this.drain();
  }

  /** Resolves when every requested write is on disk; rethrows the first write failure. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.running) {
        this.hurry?.();
        await this.running;
      }
    } finally {
      this.flushing--;
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        await this.waitForInterval();
        const render = this.pending;
        this.pending = undefined;
        if (!render) break;
        this.lastWrite = Date.now();
        try {
          if (!this.prepared && this.options.prepare) await this.options.prepare();
          this.prepared = true;
          const content = render();
          try {
            await writeFileAtomic(this.file, content, this.options.hooks);
          } catch (error) {
            if (!isNoSpace(error) || !(await this.options.onNoSpace?.())) throw error;
            await writeFileAtomic(this.file, content, this.options.hooks);
          }
          // Each write holds the whole latest state: an earlier failure is repaired by this one.
          this.failure = undefined;
        } catch (error) {
          this.failure ??= error;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async waitForInterval(): Promise<void> {
    const wait = this.lastWrite + (this.options.minIntervalMs ?? 0) - Date.now();
    if (wait <= 0 || this.flushing > 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.hurry = done;
    });
    this.hurry = undefined;
  }
}
