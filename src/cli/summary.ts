// What a run prints when it ends: the step table (status, duration, cache hit, attempts,
// condition outcome, reason), then what a person reads next — training metrics, the evaluation
// report, conditions, registered models, transform output, failures — and the commands to go on.
import type { ExecutionRecord, StepRecord, StepStatus } from '../engine/execution-record.js';
import { assertNever } from '../errors.js';
import { formatDuration, formatSpan } from '../history/format-time.js';
import { conditionSection } from './run-report/condition-section.js';
import { evaluationSection } from './run-report/evaluation-section.js';
import { failureSection } from './run-report/failure-section.js';
import { ANSI_STYLE, type Layout, PLAIN_STYLE, type Style } from './run-report/layout.js';
import { modelSection } from './run-report/model-section.js';
import { nextSection } from './run-report/next-section.js';
import { type BranchOwner, branchOwners, oneLine, shortSkipReason } from './run-report/skip-reason.js';
import { trainingSection } from './run-report/training-section.js';
import { type TransformOutput, transformOutputs, transformSection } from './run-report/transform-section.js';

export interface SummaryOptions {
  /** The terminal's columns: table rows are cut and sections wrapped to fit. @default sections at 100 columns, rows at 160 */
  readonly width?: number;
  /** ANSI colours (only for a terminal). @default false */
  readonly color?: boolean;
  /** Only the step table and the execution line. @default false */
  readonly tableOnly?: boolean;
  /**
   * Transform outputs with their objects listed (listTransformOutputs, while the store is
   * reachable). @default the S3 prefixes from the record, without a count
   */
  readonly transformOutputs?: readonly TransformOutput[];
  /** Flags the suggested commands need to find this run, e.g. `--home /tmp/x`. @default '' */
  readonly storeFlags?: string;
}

/** Sections are wrapped at the terminal's width, but never wider than this: long lines are hard to read. */
const MAX_WRAP = 120;
const DEFAULT_WRAP = 100;

export function formatSummary(record: Readonly<ExecutionRecord>, options: SummaryOptions = {}): string {
  const style = options.color ? ANSI_STYLE : PLAIN_STYLE;
  // Some pseudo-terminals report 0 columns.
  const width = options.width !== undefined && options.width > 0 ? options.width : undefined;
  const layout: Layout = { width: Math.min(width ?? DEFAULT_WRAP, MAX_WRAP), style };
  const blocks: string[][] = [formatStepTable(record, { ...(width === undefined ? {} : { width }), style })];
  if (!options.tableOnly) {
    const outputs = options.transformOutputs ?? transformOutputs(record);
    const sections: (() => string[])[] = [
      () => trainingSection(record, layout),
      () => evaluationSection(record, layout),
      () => conditionSection(record, layout),
      () => modelSection(record, layout),
      () => transformSection(outputs, layout),
      () => failureSection(record, layout),
    ];
    for (const build of sections) blocks.push(safely(build));
  }
  blocks.push(executionLines(record, style));
  if (!options.tableOnly) {
    const outputs = options.transformOutputs ?? transformOutputs(record);
    blocks.push(safely(() => nextSection(record, layout, { transformOutputs: outputs, ...(options.storeFlags ? { storeFlags: options.storeFlags } : {}) })));
  }
  return `${blocks
    .filter((block) => block.length > 0)
    .map((block) => block.join('\n'))
    .join('\n\n')}\n`;
}

/** A section that cannot be drawn (a record shaped in a way it did not expect) is left out, not fatal. */
function safely(build: () => string[]): string[] {
  try {
    return build();
  } catch {
    return [];
  }
}

function executionLines(record: Readonly<ExecutionRecord>, style: Style): string[] {
  const duration = record.endTime ? ` in ${formatDuration(Date.parse(record.endTime) - Date.parse(record.startTime))}` : '';
  const reason = record.failureReason ? `: ${record.failureReason}` : '';
  return [`Execution ${record.executionId} ${styleStatus(record.status, style)}${duration}${reason}`, `  ${record.executionArn}`];
}

export interface StepTableOptions {
  /** Cut rows to this width. @default 160 (a pipe or a log file) */
  readonly width?: number;
  /** @default no colour */
  readonly style?: Style;
}

/** Below this many columns left for it, the REASON goes under its row rather than beside it. */
const MIN_REASON_COLUMNS = 24;
/** Without a terminal (a pipe, a CI log), rows are cut here; the failure section has reasons in full. */
const PIPE_ROW_COLUMNS = 160;

/** One row per step; reasons on one line (the failure section has them in full). */
export function formatStepTable(record: Readonly<ExecutionRecord>, options: StepTableOptions = {}): string[] {
  const style = options.style ?? PLAIN_STYLE;
  const header = ['STEP', 'STATUS', 'DURATION', 'CACHE', 'ATTEMPTS', 'OUTCOME'];
  const branches = branchOwners(record.definition.Steps);
  const rows = record.steps.map((step) => ({
    cells: [
      step.stepName,
      step.status,
      formatSpan(step.startTime, step.endTime),
      step.cacheHit ? 'hit' : step.reusedFrom ? 'reused' : '-',
      step.attemptCount > 0 ? String(step.attemptCount) : '-',
      step.metadata.Condition?.Outcome ?? '-',
    ],
    // The first line says what happened; the failure section below has the rest.
    reason: oneLine(reasonOf(step, record, branches).split(/\r?\n/)[0] ?? ''),
  }));
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row.cells[i] ?? '').length)));
  const fixed = widths.reduce((sum, w) => sum + w + 2, 0);
  const width = options.width ?? PIPE_ROW_COLUMNS;
  const beside = width - fixed >= MIN_REASON_COLUMNS;
  const cut = (text: string, room: number): string => (text.length > room ? `${text.slice(0, Math.max(room - 1, 0))}…` : text);
  // Colour is applied after padding, so that escape codes do not count as columns.
  const cells = (values: readonly string[], styled: (cell: string, i: number) => string): string =>
    values.map((cell, i) => styled(cell, i) + ' '.repeat(Math.max(0, (widths[i] ?? 0) - cell.length))).join('  ');
  const lines = [(cells(header, (cell) => style.bold(cell)) + (beside ? `  ${style.bold('REASON')}` : '')).trimEnd()];
  for (const row of rows) {
    const text = cells(row.cells, (cell, i) => (i === 1 ? styleStatus(cell as StepStatus, style) : cell));
    if (row.reason === '') lines.push(text.trimEnd());
    else if (beside) lines.push(`${text}  ${cut(row.reason, width - fixed)}`);
    else lines.push(text.trimEnd(), `    ${cut(row.reason, width - 4)}`);
  }
  return lines;
}

function styleStatus(status: StepStatus | ExecutionRecord['status'], style: Style): string {
  switch (status) {
    case 'Succeeded':
      return style.good(status);
    case 'Failed':
      return style.bad(status);
    case 'Stopped':
    case 'Stopping':
      return style.warn(status);
    case 'Skipped':
      return style.dim(status);
    case 'Starting':
    case 'Executing':
      return status;
    default:
      return assertNever(status, 'status');
  }
}

function reasonOf(step: StepRecord, record: Readonly<ExecutionRecord>, owners: ReadonlyMap<string, BranchOwner>): string {
  if (step.status !== 'Skipped') return step.failureReason ?? '';
  // The engine's sentence is long for a table cell; the condition and its outcome say the same.
  return shortSkipReason(step, owners, (name) => record.steps.find((s) => s.stepName === name)?.metadata.Condition?.Outcome);
}
