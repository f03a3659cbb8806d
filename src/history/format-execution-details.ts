// `sagesim show`: one execution in full: its identity, parameters, a table of its steps, then each
// step's timings, attempts, cache hit or reuse, job, outcome, failure, resolved arguments,
// properties, property files and output parameters.
import { type ExecutionRecord, type StepRecord, stubbedSteps } from '../engine/execution-record.js';
import type { JsonValue } from '../engine/json.js';
import { formatSpan, formatTimestamp, type TimeFormatOptions } from './format-time.js';
import { renderTable } from './table.js';

export interface ExecutionDetailsOptions extends TimeFormatOptions {
  /** Only this step's details (a name from the record). @default every step */
  readonly step?: string;
  /**
   * Include each step's resolved arguments and properties (the long parts: hundreds of lines for
   * a real pipeline, metric definitions twice). @default false
   */
  readonly full?: boolean;
  /** The execution's folder. */
  readonly executionDir?: string;
  /** Where a step's log file is, to show it. @default its path relative to the execution's folder */
  readonly logPath?: (step: StepRecord) => string;
  /** For the elapsed time of executions still running. @default new Date() */
  readonly now?: Date;
}

export function formatExecutionDetails(record: Readonly<ExecutionRecord>, options: ExecutionDetailsOptions = {}): string {
  const now = options.now ?? new Date();
  const out: string[] = [];
  out.push(`Execution ${record.executionId}  ${record.status}`);
  const field = (label: string, value: string): void => {
    out.push(`  ${label.padEnd(11)} ${value}`);
  };
  field('ARN', record.executionArn);
  field('Pipeline', `${record.pipelineName}${record.displayName ? ` (${record.displayName})` : ''}`);
  field('Started', formatTimestamp(record.startTime, options));
  field('Ended', formatTimestamp(record.endTime, options));
  field('Duration', formatSpan(record.startTime, record.endTime, now));
  if (record.failureReason) field('Failure', record.failureReason);
  const parameters = Object.entries(record.parameters);
  field('Parameters', parameters.length === 0 ? '-' : parameters.map(([name, value]) => `${name}=${String(value)}`).join(', '));
  if (record.selectedSteps !== undefined) {
    field('Selective', `steps ${record.selectedSteps.join(', ')}${record.sourceExecutionArn ? `; other results from ${record.sourceExecutionArn}` : ''}`);
  }
  if (record.mode === 'remote') field('Mode', 'remote (followed from SageMaker)');
  const stubbed = stubbedSteps(record);
  if (stubbed.length > 0) field('Stubbed', `${stubbed.join(', ')} (stand-in results, no job ran)`);
  if (options.executionDir) field('Folder', options.executionDir);

  out.push('', renderTable(['STEP', 'TYPE', 'STATUS', 'DURATION', 'ATTEMPTS', 'CACHE', 'OUTCOME'], record.steps.map((step) => summaryRow(step, now))).trimEnd());

  const shown = options.step === undefined ? record.steps : record.steps.filter((step) => step.stepName === options.step);
  for (const step of shown) out.push('', ...stepDetails(step, options));
  if (!options.full && shown.some((step) => step.resolvedArguments !== undefined || step.properties !== undefined)) {
    out.push('', `Resolved arguments and properties left out: add --full to see them (or --json for the whole record).`);
  }
  return `${out.join('\n')}\n`;
}

function summaryRow(step: StepRecord, now: Date): string[] {
  return [
    step.stepName,
    step.stepType,
    step.stubbed ? `${step.status} (stub)` : step.status,
    step.status === 'Skipped' ? '-' : formatSpan(step.startTime, step.endTime, now),
    step.attemptCount > 0 ? String(step.attemptCount) : '-',
    step.cacheHit ? 'hit' : step.reusedFrom ? 'reused' : '-',
    step.metadata.Condition?.Outcome ?? '-',
  ];
}

function stepDetails(step: StepRecord, options: ExecutionDetailsOptions): string[] {
  const lines = [`${step.stepName}  (${step.stepType}${step.displayName ? `, "${step.displayName}"` : ''})  ${step.status}`];
  const field = (label: string, value: string): void => {
    lines.push(`  ${label.padEnd(11)} ${value}`);
  };
  if (step.status === 'Skipped') {
    field('Skipped', step.skipReason ?? 'skipped');
    return lines;
  }
  field('Started', formatTimestamp(step.startTime, options));
  field('Ended', formatTimestamp(step.endTime, options));
  field('Attempts', String(step.attemptCount));
  if (step.stubbed) field('Stub', 'yes: its properties are stand-ins, no job ran');
  if (step.cacheHit) field('Cache hit', `from ${step.cacheHit.sourcePipelineExecutionArn} (step ${step.cacheHit.sourceStepName})`);
  if (step.cacheMissReason) field('Cache', step.cacheMissReason);
  if (step.reusedFrom) field('Reused', `result of ${step.reusedFrom}`);
  const job = jobOf(step);
  if (job) field('Job', job);
  if (step.metadata.Condition) field('Outcome', step.metadata.Condition.Outcome);
  if (step.metadata.Fail) field('Error', step.metadata.Fail.ErrorMessage);
  if (step.failureReason) field('Failure', indentContinuation(step.failureReason, 14));
  if (step.logFile) field('Log', options.logPath ? options.logPath(step) : step.logFile);
  if (step.outputParameters && Object.keys(step.outputParameters).length > 0) block(lines, 'Output parameters', step.outputParameters);
  if (step.propertyFiles && Object.keys(step.propertyFiles).length > 0) block(lines, 'Property files', step.propertyFiles);
  if (options.full) {
    if (step.resolvedArguments !== undefined) block(lines, 'Resolved arguments', step.resolvedArguments);
    if (step.properties !== undefined) block(lines, 'Properties', step.properties);
  }
  return lines;
}

/** The job's ARN from the step's metadata (TrainingJob, ProcessingJob, ...). */
function jobOf(step: StepRecord): string | undefined {
  for (const [kind, value] of Object.entries(step.metadata)) {
    if (kind === 'Condition' || kind === 'Fail') continue;
    const arn = (value as { Arn?: unknown } | undefined)?.Arn;
    if (typeof arn === 'string') return `${kind} ${arn}`;
  }
  return undefined;
}

function block(lines: string[], title: string, value: JsonValue): void {
  lines.push(`  ${title}:`);
  for (const line of JSON.stringify(value, null, 2).split('\n')) lines.push(`    ${line}`);
}

function indentContinuation(text: string, width: number): string {
  return text.replace(/\n/g, `\n${' '.repeat(width)}`);
}
