// The table printed when an execution ends: one row per step with its status, duration, cache
// hit, attempts, condition outcome and failure (or skip) reason.
import type { ExecutionRecord, StepRecord } from '../engine/execution-record.js';

export interface SummaryOptions {
  /** Cut long reasons to fit this width. @default no limit */
  readonly width?: number;
}

export function formatSummary(record: Readonly<ExecutionRecord>, options: SummaryOptions = {}): string {
  const header = ['STEP', 'STATUS', 'DURATION', 'CACHE', 'ATTEMPTS', 'OUTCOME', 'REASON'];
  const rows = record.steps.map((step) => [
    step.stepName,
    step.status,
    step.startTime && step.endTime ? formatDuration(Date.parse(step.endTime) - Date.parse(step.startTime)) : '-',
    step.cacheHit ? 'hit' : step.reusedFrom ? 'reused' : '-',
    step.attemptCount > 0 ? String(step.attemptCount) : '-',
    step.metadata.Condition?.Outcome ?? '-',
    oneLine(reasonOf(step)),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => {
    const text = cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
    return options.width !== undefined && text.length > options.width ? `${text.slice(0, Math.max(options.width - 1, 0))}…` : text;
  };
  const duration = record.endTime ? ` in ${formatDuration(Date.parse(record.endTime) - Date.parse(record.startTime))}` : '';
  const out = [line(header), ...rows.map(line), ''];
  out.push(`Execution ${record.executionId} ${record.status}${duration}${record.failureReason ? `: ${record.failureReason}` : ''}`);
  out.push(`  ${record.executionArn}`);
  return `${out.join('\n')}\n`;
}

function reasonOf(step: StepRecord): string {
  if (step.status === 'Skipped') return step.skipReason ?? '';
  return step.failureReason ?? '';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
