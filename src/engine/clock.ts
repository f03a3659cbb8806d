// Time as the engine sees it: injected so retry back-off, cache expiry and step durations are
// tested with fake time instead of real sleeps.
import { StoppedError } from '../errors.js';

export interface Clock {
  now(): Date;
  /** Resolves after `ms`; rejects with StoppedError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: wall time and timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(stoppedBy(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(stoppedBy(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

interface PendingSleep {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when a test says so. `advance(ms)` moves time forward, waking every
 * sleep that falls due in order, and lets the woken code run (and sleep again) before going on.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly sleeps: PendingSleep[] = [];
  private seq = 0;

  constructor(start: Date | string | number = '2024-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(stoppedBy(signal));
        return;
      }
      const entry: PendingSleep = {
        due: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.sleeps.indexOf(entry);
        if (index >= 0) this.sleeps.splice(index, 1);
        reject(stoppedBy(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleeps.push(entry);
    });
  }

  /** Sleeps not yet due, for assertions such as "the step is waiting to retry". */
  get pendingSleeps(): number {
    return this.sleeps.length;
  }

  /** Milliseconds until the next sleep falls due, or undefined when nobody sleeps. */
  nextDueIn(): number | undefined {
    const next = this.earliest();
    return next === undefined ? undefined : next.due - this.current;
  }

  /** Moves time forward by `ms`, waking due sleeps in order and letting their code run. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.sleeps.splice(this.sleeps.indexOf(next), 1);
      this.current = Math.max(this.current, next.due);
      next.resolve();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Keeps waking the next sleep until `promise` settles; for code whose sleeps are not known in advance. */
  async runUntilSettled<T>(promise: Promise<T>, maxSteps = 10_000): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    // Keep the rejection observed while we drive time.
    watched.catch(() => undefined);
    for (let i = 0; i < maxSteps && !done; i++) {
      await settle();
      if (done) break;
      const wait = this.nextDueIn();
      if (wait === undefined) {
        // Nothing sleeps: the work is waiting on something other than time (I/O); let it run.
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
        continue;
      }
      await this.advance(wait);
    }
    return watched;
  }

  private earliest(): PendingSleep | undefined {
    let best: PendingSleep | undefined;
    for (const entry of this.sleeps) {
      if (!best || entry.due < best.due || (entry.due === best.due && entry.seq < best.seq)) best = entry;
    }
    return best;
  }
}

/** Lets promise chains started by a wake-up run to their next await on a timer or I/O. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function stoppedBy(signal: AbortSignal | undefined): StoppedError {
  const reason: unknown = signal?.reason;
  return reason instanceof StoppedError ? reason : new StoppedError('stopped while waiting');
}
