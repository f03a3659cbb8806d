// Live updates for the console: a server-sent-events stream telling open pages which executions
// changed (`change`), and that the model registry changed (`registry`, from the same look).
// Changes come at once from the engine's events (executions run by this server), and from a look
// at the store every couple of seconds while a page listens (CLI runs in other processes write the
// same store, `sagesim rm` removes from it): store-watch.ts reads only what can have changed. Pages refetch what they show; the stream carries only ids, so it never grows
// with a record.
import type { ServerResponse } from 'node:http';
import type { Reporter } from '../engine/events.js';
import { StoreWatch, type WatchedRecords } from './store-watch.js';

export interface ConsoleEventsOptions {
  /** The store other processes write too. */
  readonly records: WatchedRecords;
  /** The model registry's version (ModelRegistry.version): a look that finds it moved tells pages. */
  readonly registryVersion?: () => Promise<string>;
  /** Between two looks at the store while a page listens. @default 2000 */
  readonly watchIntervalMs?: number;
  /** Changes within this window go out as one message. @default 50 */
  readonly batchMs?: number;
  /**
   * Looks at the store now and every `intervalMs` until the returned function is called; tests
   * pass one they crank by hand. @default a timer that does not keep the process alive
   */
  readonly every?: (intervalMs: number, look: () => Promise<void>) => () => void;
}

function everyInterval(intervalMs: number, look: () => Promise<void>): () => void {
  const timer = setInterval(() => void look(), intervalMs);
  timer.unref();
  void look();
  return () => clearInterval(timer);
}

export class ConsoleEvents {
  private readonly clients = new Set<ServerResponse>();
  private readonly pending = new Set<string>();
  private batchTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly store: StoreWatch;
  private watching = false;
  /** The registry's version at the last look; undefined before the first. */
  private registrySeen: string | undefined;

  constructor(private readonly options: ConsoleEventsOptions) {
    this.store = new StoreWatch(options.records);
  }

  /** Tells the open pages about every event of executions this server runs. */
  reporter(): Reporter {
    const changed = (event: { readonly executionId: string }): void => this.changed(event.executionId);
    return {
      executionStarted: changed,
      stepStarted: changed,
      stepSucceeded: changed,
      stepCached: changed,
      stepFailed: changed,
      stepSkipped: changed,
      stepStopped: changed,
      stepLog: changed,
      executionFinished: changed,
    };
  }

  changed(executionId: string): void {
    if (this.clients.size === 0) return;
    this.pending.add(executionId);
    this.batchTimer ??= setTimeout(() => this.sendPending(), this.options.batchMs ?? 50);
  }

  /** Keeps `res` open as an event stream until the page goes away. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // The browser reconnects after this long if the server restarts.
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    });
    this.startTimers();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.stopTimers();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private sendPending(): void {
    this.batchTimer = undefined;
    if (this.pending.size === 0) return;
    const message = `event: change\ndata: ${JSON.stringify({ executionIds: [...this.pending] })}\n\n`;
    this.pending.clear();
    for (const client of this.clients) client.write(message);
  }

  private startTimers(): void {
    this.stopWatch ??= (this.options.every ?? everyInterval)(this.options.watchIntervalMs ?? 2000, () => this.watchStore());
    if (!this.heartbeat) {
      // Comments keep proxies and idle timeouts from closing a quiet stream.
      this.heartbeat = setInterval(() => {
        for (const client of this.clients) client.write(': keep-alive\n\n');
      }, 15_000);
      this.heartbeat.unref();
    }
  }

  private stopTimers(): void {
    this.stopWatch?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stopWatch = undefined;
    this.heartbeat = undefined;
  }

  private async watchStore(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      for (const executionId of await this.store.look()) this.changed(executionId);
      await this.lookAtRegistry();
    } catch {
      // A store being written by another process can be unreadable for a moment; look again later.
    } finally {
      this.watching = false;
    }
  }

  private async lookAtRegistry(): Promise<void> {
    if (!this.options.registryVersion) return;
    const version = await this.options.registryVersion();
    const before = this.registrySeen;
    this.registrySeen = version;
    if (before === undefined || before === version) return;
    for (const client of this.clients) client.write('event: registry\ndata: {}\n\n');
  }
}
