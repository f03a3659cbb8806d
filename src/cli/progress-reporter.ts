// The console view of a run. On a terminal: a live per-step status view redrawn in place; in a
// pipe or log: one line per transition. Both are plain Reporters; the summary table is separate.
import type { Reporter, StepEventBase } from '../engine/events.js';
import type { ExecutionRecord, StepStatus } from '../engine/execution-record.js';
import { formatDuration } from '../history/format-time.js';
import type { OutputStream } from './cli-io.js';
import { type BranchOwner, branchOwners, executionIdOf, oneLine, shortSkipReason } from './run-report/skip-reason.js';

export interface ProgressReporterOptions {
  readonly out: OutputStream;
  /** Live view (ANSI redraws) instead of one line per transition. @default out.isTTY */
  readonly live?: boolean;
  /** Time shown in transition lines. @default () => new Date() */
  readonly now?: () => Date;
  /** Print step log lines too. @default false */
  readonly showLogs?: boolean;
}

/** A reporter with a final draw, for runs that end without executionFinished (errors). */
export interface ProgressReporter extends Reporter {
  /** Draws the final state of the live view (no-op for line mode). */
  close(): void;
}

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  return (options.live ?? options.out.isTTY === true) ? new LiveView(options) : new LineView(options);
}

/** One line per transition: `12:00:01 TrainModel  Executing (attempt 1)`. */
class LineView implements ProgressReporter {
  private width = 0;
  private readonly skips = new SkipReasons();

  constructor(private readonly options: ProgressReporterOptions) {}

  executionStarted(execution: Readonly<ExecutionRecord>): void {
    this.width = longestStepName(execution);
    this.skips.start(execution);
    this.print(`execution ${execution.executionId} started (${execution.pipelineName})`);
  }

  stepStarted(event: StepEventBase & { readonly attempt: number }): void {
    this.step(event, `Executing (attempt ${event.attempt})`);
  }

  stepSucceeded(event: StepEventBase): void {
    const outcome = event.step.metadata.Condition?.Outcome;
    this.skips.record(event);
    this.step(event, `Succeeded${durationOf(event)}${outcome ? ` (outcome ${outcome})` : ''}${event.step.reusedFrom ? ' (reused)' : ''}${event.step.stubbed ? ' (stub)' : ''}`);
  }

  stepCached(event: StepEventBase): void {
    this.step(event, `Succeeded (${cacheHitText(event)})`);
  }

  stepFailed(event: StepEventBase & { readonly willRetry: boolean; readonly retryInSeconds?: number }): void {
    // Continuation lines of a multi-line reason are indented under the step's status.
    const indent = ' '.repeat(9 + this.width + 2);
    const reason = event.step.failureReason ? `: ${event.step.failureReason.trimEnd().replace(/\r?\n/g, `\n${indent}`)}` : '';
    if (event.willRetry) this.step(event, `Failed (attempt ${event.step.attemptCount})${reason}; retrying in ${event.retryInSeconds ?? 0}s`);
    else this.step(event, `Failed${durationOf(event)}${reason}`);
  }

  stepSkipped(event: StepEventBase): void {
    this.step(event, `Skipped: ${this.skips.reasonOf(event.step) || 'not run'}`);
  }

  stepStopped(event: StepEventBase): void {
    this.step(event, 'Stopped');
  }

  stepLog(event: { readonly stepName: string; readonly line: string }): void {
    if (this.options.showLogs) this.print(`${event.stepName.padEnd(this.width)}  | ${event.line}`);
  }

  warning(event: { readonly stepName?: string; readonly message: string }): void {
    this.print(`warning${event.stepName ? ` (${event.stepName})` : ''}: ${event.message}`);
  }

  progress(event: { readonly message: string }): void {
    this.print(event.message);
  }

  executionFinished(execution: Readonly<ExecutionRecord>): void {
    this.print(`execution ${execution.executionId} ${execution.status}`);
  }

  close(): void {}

  private step(event: StepEventBase, text: string): void {
    this.print(`${event.step.stepName.padEnd(this.width)}  ${text}`);
  }

  private print(text: string): void {
    this.options.out.write(`${clock(this.options.now?.() ?? new Date())} ${text}\n`);
  }
}

interface Row {
  status: StepStatus;
  detail: string;
  /** When the row's current attempt started (ms), to show a running step's elapsed time. */
  startedAt?: number;
}

const SYMBOL: Record<StepStatus, string> = {
  Starting: '…',
  Executing: '▶',
  Stopping: '■',
  Stopped: '■',
  Failed: '✗',
  Succeeded: '✓',
  Skipped: '-',
};

/** Redraws a block of step rows in place; with many steps, running and failed ones come first. */
class LiveView implements ProgressReporter {
  private readonly rows = new Map<string, Row>();
  private drawnLines = 0;
  private width = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Redraws once a second while something runs, so elapsed times move. */
  private ticker: ReturnType<typeof setInterval> | undefined;
  private title = '';
  private readonly notes: string[] = [];
  private readonly skips = new SkipReasons();
  /** Set by the first progress message before the execution starts (S3, images). */
  private preparingSince: number | undefined;
  private closed = false;

  constructor(private readonly options: ProgressReporterOptions) {}

  executionStarted(execution: Readonly<ExecutionRecord>): void {
    this.width = longestStepName(execution);
    this.skips.start(execution);
    this.title = `${execution.pipelineName} ${execution.executionId}`;
    this.preparingSince = undefined;
    this.schedule();
  }

  stepStarted(event: StepEventBase & { readonly attempt: number }): void {
    this.set(event, 'Executing', event.attempt > 1 ? `attempt ${event.attempt}` : '', this.now());
  }

  stepSucceeded(event: StepEventBase): void {
    const outcome = event.step.metadata.Condition?.Outcome;
    this.skips.record(event);
    this.set(event, 'Succeeded', [durationOf(event).trim(), outcome ? `outcome ${outcome}` : '', event.step.reusedFrom ? 'reused' : '', event.step.stubbed ? 'stub' : ''].filter(Boolean).join(', '));
  }

  stepCached(event: StepEventBase): void {
    this.set(event, 'Succeeded', cacheHitText(event));
  }

  stepFailed(event: StepEventBase & { readonly willRetry: boolean; readonly retryInSeconds?: number }): void {
    const reason = oneLine(event.step.failureReason ?? '');
    this.set(event, event.willRetry ? 'Executing' : 'Failed', event.willRetry ? `retrying in ${event.retryInSeconds ?? 0}s: ${reason}` : reason);
  }

  stepSkipped(event: StepEventBase): void {
    this.set(event, 'Skipped', this.skips.reasonOf(event.step));
  }

  stepStopped(event: StepEventBase): void {
    this.set(event, 'Stopped', '');
  }

  warning(event: { readonly stepName?: string; readonly message: string }): void {
    this.notes.push(`warning${event.stepName ? ` (${event.stepName})` : ''}: ${event.message}`);
    this.schedule();
  }

  progress(event: { readonly message: string }): void {
    if (this.title === '') this.preparingSince ??= this.now();
    this.notes.push(event.message);
    this.schedule();
  }

  executionFinished(): void {
    this.close();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopTicker();
    this.closed = true;
    this.draw();
  }

  private set(event: StepEventBase, status: StepStatus, detail: string, startedAt?: number): void {
    const row = this.rows.get(event.step.stepName) ?? { status, detail };
    row.status = status;
    row.detail = oneLine(detail);
    if (startedAt !== undefined) row.startedAt = startedAt;
    this.rows.set(event.step.stepName, row);
    this.schedule();
  }

  /** Coalesces bursts of events into one redraw. */
  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 50);
  }

  private now(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }

  private busy(): boolean {
    return this.preparingSince !== undefined || [...this.rows.values()].some((row) => row.status === 'Executing');
  }

  private updateTicker(): void {
    if (this.closed || !this.busy()) return this.stopTicker();
    if (this.ticker) return;
    this.ticker = setInterval(() => this.draw(), 1000);
    // The ticker alone must not keep a finished process alive.
    this.ticker.unref?.();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private draw(): void {
    // Some pseudo-terminals report 0 columns.
    const columns = this.options.out.columns || 100;
    const now = this.now();
    const lines: string[] = [];
    // Notes are printed once, above the block, and scroll away with the output.
    const notes = this.notes.splice(0);
    lines.push(...notes);
    const fit = (text: string): string => (text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text);
    if (this.title === '') {
      // Before the execution starts: S3 and images are being prepared.
      if (this.preparingSince !== undefined && !this.closed) lines.push(fit(`… preparing ${formatSeconds(now - this.preparingSince)}`));
    } else {
      const counts = new Map<StepStatus, number>();
      for (const row of this.rows.values()) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
      const tally = [...counts].map(([status, n]) => `${n} ${status.toLowerCase()}`).join(', ');
      lines.push(`${this.title}  ${tally}`);
      // Many-step pipelines: show running and failed steps first, then the latest others.
      const entries = [...this.rows];
      const important = entries.filter(([, row]) => row.status === 'Executing' || row.status === 'Failed');
      const others = entries.filter(([, row]) => row.status !== 'Executing' && row.status !== 'Failed');
      const limit = 40;
      const shown = [...important, ...others.slice(Math.max(0, others.length - Math.max(0, limit - important.length)))].slice(0, limit);
      for (const [name, row] of shown) {
        const elapsed = row.status === 'Executing' && row.startedAt !== undefined ? formatSeconds(now - row.startedAt) : '';
        const detail = [elapsed, row.detail].filter(Boolean).join('  ');
        lines.push(fit(`${SYMBOL[row.status]} ${name.padEnd(this.width)}  ${row.status.padEnd(9)} ${detail}`.trimEnd()));
      }
    }
    let out = '';
    if (this.drawnLines > 0) out += `\x1b[${this.drawnLines}A`;
    for (const line of lines) out += `\x1b[2K${line}\n`;
    // Clear leftovers when the block shrank.
    for (let i = lines.length; i < this.drawnLines; i++) out += '\x1b[2K\n';
    const extra = Math.max(0, this.drawnLines - lines.length);
    if (extra > 0) out += `\x1b[${extra}A`;
    if (out !== '') this.options.out.write(out);
    this.drawnLines = lines.length - notes.length;
    this.updateTicker();
  }
}

/** Skip reasons made short from the definition and the outcomes of the conditions seen so far. */
class SkipReasons {
  private owners: ReadonlyMap<string, BranchOwner> = new Map();
  private readonly outcomes = new Map<string, 'True' | 'False'>();

  start(execution: Readonly<ExecutionRecord>): void {
    this.owners = branchOwners(execution.definition.Steps);
  }

  record(event: StepEventBase): void {
    const outcome = event.step.metadata.Condition?.Outcome;
    if (outcome !== undefined) this.outcomes.set(event.step.stepName, outcome);
  }

  reasonOf(step: StepEventBase['step']): string {
    return oneLine(shortSkipReason(step, this.owners, (name) => this.outcomes.get(name)));
  }
}

/** `cache hit from ru5rg1xy1vf5`: the execution id says as much as its ARN, in far fewer columns. */
function cacheHitText(event: StepEventBase): string {
  const source = event.step.cacheHit?.sourcePipelineExecutionArn;
  return source === undefined ? 'cache hit' : `cache hit from ${executionIdOf(source)}`;
}

/** Whole seconds while a step runs: `7s`, `1m05s`. */
function formatSeconds(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function longestStepName(execution: Readonly<ExecutionRecord>): number {
  let width = 4;
  const visit = (steps: readonly { Name: string; Type: string; Arguments?: unknown }[]): void => {
    for (const step of steps) {
      width = Math.max(width, step.Name.length);
      if (step.Type === 'Condition') {
        const args = step.Arguments as { IfSteps?: typeof steps; ElseSteps?: typeof steps } | undefined;
        visit(args?.IfSteps ?? []);
        visit(args?.ElseSteps ?? []);
      }
    }
  };
  visit(execution.definition.Steps as unknown as { Name: string; Type: string }[]);
  return Math.min(width, 40);
}

function durationOf(event: StepEventBase): string {
  const { startTime, endTime } = event.step;
  return startTime && endTime ? ` in ${formatDuration(Date.parse(endTime) - Date.parse(startTime))}` : '';
}

function clock(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
