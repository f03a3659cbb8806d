// A FakeClock that tells when someone sleeps on it. Code under test that does real I/O and then
// waits on the clock (a log follower, a callback step polling its mailbox) is awaited by that
// event, instead of polling its side effects on real timers with a budget a loaded machine can
// run out of.
import { FakeClock } from '../../../src/engine/clock.js';

export class WatchedClock extends FakeClock {
  private readonly waiters: (() => void)[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const sleeping = super.sleep(ms, signal);
    for (const wake of this.waiters.splice(0)) wake();
    return sleeping;
  }

  /** Resolves once someone waits on the clock (at once if someone already does). */
  untilSleeping(): Promise<void> {
    if (this.pendingSleeps > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
