// `sagesim ls`: stored executions, newest first, one line each.
import { type ExecutionRecord, stubbedSteps } from '../engine/execution-record.js';
import { formatSpan, formatTimestamp, type TimeFormatOptions } from './format-time.js';
import { renderTable } from './table.js';
import { stepKind } from '../engine/step-kinds.js';

export interface ExecutionListOptions extends TimeFormatOptions {
  /** For the elapsed time of executions still running. @default new Date() */
  readonly now?: Date;
}

/** The table `sagesim ls` prints (records are expected newest first, as the store lists them). */
export function formatExecutionList(records: readonly Readonly<ExecutionRecord>[], options: ExecutionListOptions = {}): string {
  if (records.length === 0) return 'No executions yet. Run one with `sagesim run <pipeline.json>`.\n';
  const now = options.now ?? new Date();
  const rows = records.map((record) => [
    record.executionId,
    record.pipelineName,
    record.status,
    formatTimestamp(record.startTime, options),
    formatSpan(record.startTime, record.endTime, now),
    noteOf(record),
  ]);
  return renderTable(['EXECUTION', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION', 'NOTE'], rows);
}

/** What a reader wants to know at a glance: which steps failed, what the run was built from. */
function noteOf(record: Readonly<ExecutionRecord>): string {
  const notes: string[] = [];
  // First: a stub run's results are stand-ins, whatever else happened.
  const stubbed = stubbedSteps(record);
  if (stubbed.length > 0) {
    const jobs = record.steps.filter((step) => step.status !== 'Skipped' && !stepKind(step.stepType).control);
    notes.push(stubbed.length === jobs.length ? 'STUB RUN (every step stubbed)' : `stubbed: ${stubbed.join(', ')}`);
  }
  const failed = record.steps.filter((step) => step.status === 'Failed').map((step) => step.stepName);
  if (failed.length > 0) notes.push(`failed: ${failed.join(', ')}`);
  if (record.selectedSteps !== undefined) {
    const source = record.sourceExecutionArn === undefined ? '' : ` from ${record.sourceExecutionArn.slice(record.sourceExecutionArn.lastIndexOf('/') + 1)}`;
    notes.push(`selective${source}: ${record.selectedSteps.join(', ')}`);
  }
  if (record.mode === 'remote') notes.push('remote');

  return notes.join('; ');
}
