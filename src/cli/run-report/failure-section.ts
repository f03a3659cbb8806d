// Why steps failed: the first failure in full (its reason often spans the container's last log
// lines), the others on one line each, since they usually follow from the first.
import type { ExecutionRecord, StepRecord } from '../../engine/execution-record.js';
import { type Layout, section } from './layout.js';

/** Failed steps, the one that failed first first. */
export function failedSteps(record: Readonly<ExecutionRecord>): StepRecord[] {
  const failed = record.steps.filter((step) => step.status === 'Failed');
  const endOf = (step: StepRecord): number => (step.endTime === undefined ? Number.POSITIVE_INFINITY : Date.parse(step.endTime));
  // A stable sort keeps the record's order for steps that ended at the same instant.
  return failed.sort((a, b) => endOf(a) - endOf(b));
}

export function failureSection(record: Readonly<ExecutionRecord>, layout: Layout): string[] {
  const [first, ...others] = failedSteps(record);
  if (first === undefined) return [];
  const lines = [`  ${layout.style.bad(first.stepName)} (${first.stepType}):`];
  const reason = (first.failureReason ?? 'no reason recorded').trimEnd();
  lines.push(...reason.split(/\r?\n/).map((line) => `    ${line}`.trimEnd()));
  for (const step of others) {
    const firstLine = (step.failureReason ?? 'no reason recorded').split(/\r?\n/)[0] ?? '';
    const text = `  ${step.stepName} (${step.stepType}): ${firstLine}`;
    lines.push(text.length > layout.width ? `${text.slice(0, layout.width - 1)}…` : text);
  }
  return section(others.length === 0 ? 'Failure' : 'Failures', lines, layout);
}
