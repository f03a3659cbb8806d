// Training metrics: each Training step's FinalMetricDataList, and each Tuning step's best job
// with its objective and the hyperparameters that won.
import type { ExecutionRecord, StepRecord } from '../../engine/execution-record.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../engine/json.js';
import { type Layout, formatNumber, formatValue, nameColumnWidth, section, wrapItems } from './layout.js';

export function trainingSection(record: Readonly<ExecutionRecord>, layout: Layout): string[] {
  const steps = record.steps.filter((step) => (step.stepType === 'Training' || step.stepType === 'Tuning') && step.properties !== undefined);
  const nameWidth = nameColumnWidth(steps.map((step) => step.stepName));
  const lines: string[] = [];
  for (const step of steps) {
    const head = `  ${step.stepName.padEnd(nameWidth)}  `;
    if (step.stepType === 'Training') {
      const items = trainingItems(step);
      if (items.length > 0) lines.push(...wrapItems(head, items, layout.width, head.length));
    } else {
      lines.push(...tuningLines(step, head, layout));
    }
  }
  return section('Training', lines, layout);
}

function trainingItems(step: StepRecord): string[] {
  const metrics = metricList(step.properties?.['FinalMetricDataList']);
  if (metrics.length > 0) return metrics;
  return step.status === 'Succeeded' ? ['no metrics (no MetricDefinitions regex matched the training log)'] : [];
}

/**
 * `best validation:rmse = 0.52 (Minimize, 12 of 12 jobs completed)`, the hyperparameters that
 * reached it, and the name of its training job.
 */
function tuningLines(step: StepRecord, head: string, layout: Layout): string[] {
  const properties = step.properties ?? {};
  const best = properties['BestTrainingJob'];
  if (!isJsonObject(best)) return [];
  const objective = best['FinalHyperParameterTuningJobObjectiveMetric'];
  const counters = properties['TrainingJobStatusCounters'];
  const notes: string[] = [];
  if (isJsonObject(objective) && typeof objective['Type'] === 'string') notes.push(objective['Type']);
  if (isJsonObject(counters)) {
    const { completed, total } = sumCounters(counters);
    notes.push(`${completed} of ${total} jobs completed`);
  }
  const metric = isJsonObject(objective) ? `${formatValue(objective['MetricName'])} = ${formatValue(objective['Value'])}` : 'job';
  const tuned = best['TunedHyperParameters'];
  const items = isJsonObject(tuned) ? Object.entries(tuned).map(([name, value]) => `${name} = ${formatTuned(value)}`) : [];
  const indent = ' '.repeat(head.length);
  const lines = [`${head}best ${metric}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`];
  if (items.length > 0) lines.push(...wrapItems(`${indent}with`, items, layout.width, head.length));
  lines.push(`${indent}training job ${formatValue(best['TrainingJobName'])}`);
  return lines;
}

function sumCounters(counters: JsonObject): { completed: number; total: number } {
  const numbers = Object.values(counters).filter((value): value is number => typeof value === 'number');
  const completed = typeof counters['Completed'] === 'number' ? counters['Completed'] : 0;
  return { completed, total: numbers.reduce((a, b) => a + b, 0) };
}

/** Tuned hyperparameters arrive as strings ("0.30712345"): shortened like the metrics. */
function formatTuned(value: JsonValue): string {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return formatNumber(Number(value));
  return formatValue(value);
}

/** `train:rmse = 0.383` for each entry of a FinalMetricDataList. */
export function metricList(value: JsonValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((metric) => (isJsonObject(metric) && typeof metric['MetricName'] === 'string' ? [`${metric['MetricName']} = ${formatValue(metric['Value'])}`] : []));
}
