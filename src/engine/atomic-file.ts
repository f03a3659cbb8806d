// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
// target. A crash at any point leaves either the old file or the new one, never a torn mix.
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

let tempCounter = 0;

export interface AtomicWriteHooks {
  /** Test seam: called after the temp file is written and synced, before the rename. */
  readonly beforeRename?: (tempFile: string) => Promise<void> | void;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, hooks: AtomicWriteHooks = {}): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await hooks.beforeRename?.(temp);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Serialises writes of one file and coalesces bursts: while a write runs, further requests
 * collapse into one follow-up write of the latest content. `request` never rejects; the first
 * failure is kept and thrown by `flush`.
 */
export class CoalescingWriter {
  private running: Promise<void> | undefined;
  private pending: (() => string | Uint8Array) | undefined;
  private failure: unknown;

  private prepared = false;

  constructor(
    private readonly file: string,
    private readonly hooks: AtomicWriteHooks = {},
    /** Runs once before the first write, e.g. to create the folder. */
    private readonly prepare?: () => Promise<void>,
  ) {}

  /** Asks for `render()` to be written; it is called when the write starts, so it sees the latest state. */
  request(render: () => string | Uint8Array): void {
    this.pending = render;
    this.running ??= this.drain();
  }

  /** Resolves when every requested write is on disk; rethrows the first write failure. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const render = this.pending;
        this.pending = undefined;
        try {
          if (!this.prepared && this.prepare) await this.prepare();
          this.prepared = true;
          await writeFileAtomic(this.file, render(), this.hooks);
        } catch (error) {
          this.failure ??= error;
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
