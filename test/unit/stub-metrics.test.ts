// Stubbed Training steps report every metric a real job would: the definition's MetricDefinitions
// and the built-in image's implicit ones (containers/images.json), with plausible values a stubs
// file can set, so `FinalMetricDataList['validation:rmse'].Value` resolves under --stub-all.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import { plausibleMetricValue } from '../../src/steps/default-properties.js';
import { conditionStep, definition, failStep, run, statuses, stepOf, trainingStep } from './support/pipeline-builders.js';

const XGBOOST_URI = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

/** Train with the built-in XGBoost image, then fail unless validation:rmse <= 1. */
function gatedOnRmse(extraMetric?: { Name: string; Regex: string }) {
  return definition([
    trainingStep('Train', {
      args: { AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File', ...(extraMetric ? { MetricDefinitions: [extraMetric] } : {}) } },
    }),
    conditionStep(
      'RmseOk',
      [{ Type: 'LessThanOrEqualTo', LeftValue: { Get: "Steps.Train.FinalMetricDataList['validation:rmse'].Value" }, RightValue: 1 }],
      [],
      [failStep('TooHigh', 'rmse above 1')],
    ),
  ]);
}

const metricsOf = (properties: JsonObject | undefined) =>
  Object.fromEntries(((properties?.['FinalMetricDataList'] ?? []) as JsonObject[]).map((m) => [m['MetricName'], m['Value']]));

describe('stubbed Training metrics', () => {
  it('a built-in image\'s implicit metrics are reported, so a condition on validation:rmse resolves', async () => {
    const record = await run(gatedOnRmse());
    expect(statuses(record)).toMatchObject({ Train: 'Succeeded', RmseOk: 'Succeeded' });
    expect(record.status).toBe('Succeeded');
    const metrics = metricsOf(stepOf(record, 'Train').properties);
    expect(metrics).toMatchObject({ 'train:rmse': plausibleMetricValue('train:rmse'), 'validation:rmse': plausibleMetricValue('validation:rmse'), 'validation:auc': plausibleMetricValue('validation:auc') });
  });

  it('the definition\'s own metric definitions come too, first', async () => {
    const record = await run(gatedOnRmse({ Name: 'custom:f1', Regex: 'f1=(.*)' }));
    const names = ((stepOf(record, 'Train').properties?.['FinalMetricDataList'] ?? []) as JsonObject[]).map((m) => m['MetricName']);
    expect(names[0]).toBe('custom:f1');
    expect(names).toContain('validation:rmse');
  });

  it('a stubs file sets a metric by name; the others keep their defaults', async () => {
    const record = await run(gatedOnRmse(), undefined, { stubs: { all: true, steps: { Train: { metrics: { 'validation:rmse': 2.5 } } } } });
    expect(record.status).toBe('Failed');
    expect(statuses(record)).toMatchObject({ RmseOk: 'Succeeded', TooHigh: 'Failed' });
    expect(metricsOf(stepOf(record, 'Train').properties)).toMatchObject({ 'validation:rmse': 2.5, 'train:rmse': plausibleMetricValue('train:rmse') });
  });

  it.each([
    ['errors and losses are small and positive', ['validation:rmse', 'train:mae', 'validation:logloss', 'validation:error', 'test:mse'], (v: number) => v > 0 && v < 1],
    ['scores where higher is better are high', ['validation:auc', 'validation:accuracy', 'test:f1', 'validation:r2', 'validation:ndcg'], (v: number) => v >= 0.8 && v <= 1],
  ])('plausible values: %s', (_label, names, check) => {
    for (const name of names) expect(check(plausibleMetricValue(name)), name).toBe(true);
  });
});
