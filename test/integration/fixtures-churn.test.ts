// fixtures/churn end to end in Docker: a scikit-learn script-mode classifier, an evaluation in
// SageMaker's binary_classification_metrics shape, an accuracy gate, and a registration that waits
// for manual approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import { type FixtureHome, type FixtureRun, fixtureHome, fixturePipeline, stepOf } from './support/fixture-run.js';

const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;
type Metric = { value: number; standard_deviation?: unknown };
type ChurnReport = { binary_classification_metrics: Record<(typeof METRICS)[number], Metric> & JsonObject };

describe('fixtures/churn in Docker', { timeout: 600_000 }, () => {
  let home: FixtureHome;
  let run: FixtureRun;
  let report: ChurnReport;

  beforeAll(async () => {
    home = await fixtureHome('fixtures-churn');
    run = await home.run(fixturePipeline('churn'));
    report = stepOf(run.record, 'EvaluateChurnModel').propertyFiles?.['ChurnEvaluationReport'] as unknown as ChurnReport;
  });

  afterAll(async () => {
    if (!home) return;
    try {
      expect(await home.leftoverContainers(), 'containers left behind').toEqual([]);
    } finally {
      console.log(`fixtures-churn: run ${run?.seconds.toFixed(1) ?? '?'}s`);
      await home[Symbol.asyncDispose]();
    }
  });

  it('succeeds, with the accuracy gate passed', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.PipelineExecutionStatus).toBe('Succeeded');
    const accuracy = report.binary_classification_metrics.accuracy.value;
    expect(stepOf(run.record, 'CheckChurnAccuracy').resolvedArguments).toEqual({
      Conditions: [{ Type: 'GreaterThanOrEqualTo', LeftValue: accuracy, RightValue: 0.78 }],
    });
    expect(stepOf(run.record, 'CheckChurnAccuracy').metadata.Condition?.Outcome).toBe('True');
  });

  it('evaluates in the binary_classification_metrics shape: accuracy, precision, recall, f1, roc_auc', async () => {
    for (const name of METRICS) {
      const metric = report.binary_classification_metrics[name];
      expect(metric, name).toMatchObject({ value: expect.any(Number) });
      expect(metric.value, name).toBeGreaterThanOrEqual(0);
      expect(metric.value, name).toBeLessThanOrEqual(1);
    }
    // Better than always answering "stays": the classifier learned something.
    expect(report.binary_classification_metrics.roc_auc.value).toBeGreaterThan(0.7);
    // The property file is the evaluation.json the step wrote to S3.
    const output = stepOf(run.record, 'EvaluateChurnModel').properties?.['ProcessingOutputConfig'] as { Outputs: { S3Output: { S3Uri: string } }[] };
    const [written] = await home.objects(`${output.Outputs[0]?.S3Output.S3Uri ?? ''}/evaluation.json`);
    expect(JSON.parse(written?.text ?? 'null')).toEqual(report);
  });

  it('registers version 1 of sagesim-churn with PendingManualApproval', async () => {
    expect(stepOf(run.record, 'RegisterChurnModel-RegisterModel').metadata.RegisterModel?.Arn).toBe(
      'arn:aws:sagemaker:us-east-1:111122223333:model-package/sagesim-churn/1',
    );
    const listed = await home.cli('models', 'ls', 'sagesim-churn', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const { ModelPackageSummaryList: list } = JSON.parse(listed.stdout) as { ModelPackageSummaryList: { ModelPackageVersion: number; ModelApprovalStatus: string }[] };
    expect(list.map((s) => [s.ModelPackageVersion, s.ModelApprovalStatus])).toEqual([[1, 'PendingManualApproval']]);
  });

  it('summarises the training metric and the evaluation', () => {
    expect(run.stderr).toMatch(/^ {2}TrainChurnModel +train:accuracy = [\d.]+$/m);
    expect(run.stderr).toMatch(/^ {4}binary_classification_metrics: accuracy\.value = [\d.]+, precision = [\d.]+, recall = [\d.]+,/m);
    expect(run.stderr).toContain('sagesim models approve sagesim-churn/1');
  });
});
