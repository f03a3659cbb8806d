// The scheduler's state machine, with no I/O: told what happened (the execution began, a step
// ended, a stop arrived), it says what to do next (skip a step, start one, reuse one). The driver
// (scheduler.ts) performs its commands with the executors, the store, the reporter and the clock.
import type { PipelineGraph } from './graph.js';
import { type IncomingEdge, type UpstreamState, skipReasonFor } from './skip-rules.js';

export type ScheduleCommand =
  /** Record the step Skipped with this reason. */
  | { readonly kind: 'skip'; readonly name: string; readonly reason: string }
  /** Run the step; tell `ended(name, state, true)` when it is final. */
  | { readonly kind: 'start'; readonly name: string }
  /** Copy the step's result from the reused execution; tell `ended(name, state, false)`. */
  | { readonly kind: 'reuse'; readonly name: string };

export interface ScheduleOptions {
  /** Steps running at once at most. */
  readonly maxParallel: number;
  /** When given, every other step that is not reused is Skipped ("not selected"). */
  readonly selected?: ReadonlySet<string>;
  /** Steps whose results are copied from another execution. */
  readonly reused?: ReadonlySet<string>;
}

export type ScheduleOutcome = 'Succeeded' | 'Failed' | 'Stopped';

export class Schedule {
  private readonly incoming = new Map<string, IncomingEdge[]>();
  private readonly waitingOn = new Map<string, number>();
  private readonly states = new Map<string, UpstreamState>();
  private readonly recorded = new Set<string>();
  private readonly ready: string[] = [];
  private inFlight = 0;
  private failed = false;
  private firstFailure: string | undefined;
  private stopped = false;

  constructor(
    private readonly graph: PipelineGraph,
    private readonly options: ScheduleOptions,
  ) {
    for (const edge of graph.edges) {
      let list = this.incoming.get(edge.to);
      if (!list) this.incoming.set(edge.to, (list = []));
      list.push(edge);
    }
    for (const name of graph.order) this.waitingOn.set(name, graph.upstream(name).length);
  }

  /** The execution began: its steps with nothing upstream are queued, or skipped. */
  begin(): ScheduleCommand[] {
    const out: ScheduleCommand[] = [];
    for (const name of this.graph.order) {
      if ((this.waitingOn.get(name) ?? 0) !== 0) continue;
      const reason = this.decide(name);
      if (reason !== undefined) this.skip(name, reason, out);
    }
    return out;
  }

  /** The next step to start or reuse, or undefined while none may (parallelism, failure, stop). */
  next(): ScheduleCommand | undefined {
    if (this.ready.length === 0 || this.inFlight >= this.options.maxParallel || this.failed || this.stopped) return undefined;
    const name = this.ready.shift() as string;
    this.recorded.add(name);
    if (this.options.reused?.has(name)) return { kind: 'reuse', name };
    this.inFlight++;
    return { kind: 'start', name };
  }

  /** A started or reused step is final: what its end releases downstream. */
  ended(name: string, state: UpstreamState, started: boolean): ScheduleCommand[] {
    if (started) this.inFlight--;
    this.states.set(name, state);
    if (state.status === 'Failed') {
      this.failed = true;
      this.firstFailure ??= name;
    }
    const out: ScheduleCommand[] = [];
    this.release(name, out);
    return out;
  }

  /** A stop arrived: nothing new starts. */
  stop(): void {
    this.stopped = true;
  }

  /** The engine itself failed (a bug in its bookkeeping): nothing new starts, the execution fails. */
  fail(): void {
    this.failed = true;
  }

  /** Nothing runs and nothing more may start: the execution can end. */
  get idle(): boolean {
    return this.inFlight === 0 && (this.ready.length === 0 || this.failed || this.stopped);
  }

  /** The execution ends: skips for the steps that never started, and its status. */
  end(): { readonly commands: ScheduleCommand[]; readonly outcome: ScheduleOutcome } {
    const reason = this.stopped ? 'not started: the execution was stopped' : this.failed ? `not started: step ${this.firstFailure ?? '?'} failed` : 'not started';
    const out: ScheduleCommand[] = [];
    for (const name of this.graph.order) if (!this.recorded.has(name)) this.skip(name, reason, out);
    return { commands: out, outcome: this.stopped ? 'Stopped' : this.failed ? 'Failed' : 'Succeeded' };
  }

  private skip(name: string, reason: string, out: ScheduleCommand[]): void {
    if (this.markSkipped(name, reason, out)) this.release(name, out);
  }

  private markSkipped(name: string, reason: string, out: ScheduleCommand[]): boolean {
    if (!this.graph.nodes.has(name) || this.recorded.has(name)) return false;
    this.recorded.add(name);
    this.states.set(name, { status: 'Skipped' });
    out.push({ kind: 'skip', name, reason });
    return true;
  }

  /**
   * A step reached its final state: release the steps waiting on it. A skip cascades down the
   * graph through a work list, not recursion, so a chain of any length cannot exhaust the stack;
   * a successor skipped is walked at once (as recursion would), so steps are recorded in order.
   */
  private release(name: string, out: ScheduleCommand[]): void {
    const stack: { readonly successors: readonly string[]; next: number }[] = [{ successors: this.graph.downstream(name), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as (typeof stack)[number];
      const next = top.successors[top.next++];
      if (next === undefined) {
        stack.pop();
        continue;
      }
      const left = (this.waitingOn.get(next) ?? 0) - 1;
      this.waitingOn.set(next, left);
      if (left !== 0) continue;
      const reason = this.decide(next);
      if (reason !== undefined && this.markSkipped(next, reason, out)) stack.push({ successors: this.graph.downstream(next), next: 0 });
    }
  }

  /** All of `name`'s upstream steps are final: queues it, or returns why it is skipped. */
  private decide(name: string): string | undefined {
    const reason = skipReasonFor(this.incoming.get(name) ?? [], (upstream) => this.states.get(upstream));
    if (reason !== undefined) return reason;
    const { selected, reused } = this.options;
    if (selected && !selected.has(name) && !reused?.has(name)) return 'not selected for this execution';
    this.ready.push(name);
    return undefined;
  }
}
