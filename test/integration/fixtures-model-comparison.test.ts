// fixtures/model-comparison end to end in Docker: XGBoost, KNN and a scikit-learn GBM trained in
// parallel plus an XGBoost tuning job, a comparison that names the best model in a property file,
// a gate on its RMSE, and the registration of that winner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import { type FixtureHome, type FixtureRun, fixtureHome, fixturePipeline, stepOf } from './support/fixture-run.js';

interface Candidate {
  readonly kind: string;
  readonly mse: number;
  readonly rmse: number;
  readonly r2: number;
  readonly model_data_url: string;
  readonly image: string;
}
interface ComparisonReport {
  readonly winner: { readonly name: string; readonly rmse: number; readonly r2: number; readonly model_data_url: string; readonly image: string };
  readonly models: Readonly<Record<string, Candidate>>;
  readonly regression_metrics: { readonly rmse: { readonly value: number } };
}

/** Which training step produced each candidate the comparison names. */
const TRAININGS = { xgboost: 'TrainXGBoost', knn: 'TrainKNN', 'sklearn-gbm': 'TrainSklearnGBM' } as const;

describe('fixtures/model-comparison in Docker', { timeout: 900_000 }, () => {
  let home: FixtureHome;
  let run: FixtureRun;
  let report: ComparisonReport;

  beforeAll(async () => {
    home = await fixtureHome('fixtures-model-comparison');
    run = await home.run(fixturePipeline('model-comparison'));
    report = stepOf(run.record, 'CompareModels').propertyFiles?.['ComparisonReport'] as unknown as ComparisonReport;
  });

  afterAll(async () => {
    if (!home) return;
    try {
      expect(await home.leftoverContainers(), 'containers left behind').toEqual([]);
    } finally {
      console.log(`fixtures-model-comparison: run ${run?.seconds.toFixed(1) ?? '?'}s`);
      await home[Symbol.asyncDispose]();
    }
  });

  function artifactsOf(stepName: string): string {
    return (stepOf(run.record, stepName).properties?.['ModelArtifacts'] as JsonObject)['S3ModelArtifacts'] as string;
  }

  function finalMetric(stepName: string, metricName: string): number | undefined {
    const list = stepOf(run.record, stepName).properties?.['FinalMetricDataList'] as { MetricName: string; Value: number }[] | undefined;
    return list?.find((m) => m.MetricName === metricName)?.Value;
  }

  it('succeeds, with the three trainings and the tuning job done', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.PipelineExecutionStatus).toBe('Succeeded');
    for (const name of ['TrainXGBoost', 'TrainKNN', 'TrainSklearnGBM', 'TuneXGBoost', 'CompareModels']) {
      expect(stepOf(run.record, name).status, name).toBe('Succeeded');
    }
  });

  it('compares the models the trainings produced, on the same test rows', () => {
    expect(Object.keys(report.models).sort()).toEqual(['knn', 'sklearn-gbm', 'xgboost', 'xgboost-tuned']);
    for (const [candidate, stepName] of Object.entries(TRAININGS)) {
      expect(report.models[candidate]?.model_data_url, candidate).toBe(artifactsOf(stepName));
    }
    const best = (stepOf(run.record, 'TuneXGBoost').properties?.['BestTrainingJob'] as JsonObject)['TrainingJobName'] as string;
    expect(report.models['xgboost-tuned']?.model_data_url).toBe(`s3://sagesim-demo/model-comparison/tuning/${best}/output/model.tar.gz`);
    for (const [name, model] of Object.entries(report.models)) {
      expect(model.rmse, name).toBeCloseTo(Math.sqrt(model.mse), 9);
    }
    // What the trainings measured on their own held-out rows agrees with the comparison's test RMSE.
    for (const [candidate, stepName, metric] of [
      ['xgboost', 'TrainXGBoost', 'validation:rmse'],
      ['sklearn-gbm', 'TrainSklearnGBM', 'validation:rmse'],
    ] as const) {
      const reported = finalMetric(stepName, metric);
      expect(reported, `${stepName} ${metric}`).toBeDefined();
      expect(Math.abs((report.models[candidate]?.rmse ?? 0) - (reported ?? 0)), candidate).toBeLessThan(0.15);
    }
    expect(finalMetric('TrainKNN', 'test:mse')).toBeGreaterThan(0);
  });

  it('names the model with the lowest RMSE as the winner', () => {
    const ranked = Object.entries(report.models).sort(([, a], [, b]) => a.rmse - b.rmse);
    const [name, best] = ranked[0] ?? [];
    expect(report.winner.name).toBe(name);
    expect(report.winner.rmse).toBe(best?.rmse);
    expect(report.winner.model_data_url).toBe(best?.model_data_url);
    expect(report.regression_metrics.rmse.value).toBe(best?.rmse);
    expect(stepOf(run.record, 'CheckBestModelRmse').resolvedArguments).toEqual({
      Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: best?.rmse, RightValue: 0.8 }],
    });
    expect(stepOf(run.record, 'CheckBestModelRmse').metadata.Condition?.Outcome).toBe('True');
  });

  it('registers the winner: its model data and its image', async () => {
    const described = await home.cli('models', 'describe', 'sagesim-housing-comparison/1');
    expect(described.code, described.stderr).toBe(0);
    const model = JSON.parse(described.stdout) as { ModelApprovalStatus: string; InferenceSpecification: { Containers: { Image: string; ModelDataUrl: string }[] } };
    expect(model.InferenceSpecification.Containers).toEqual([expect.objectContaining({ Image: report.winner.image, ModelDataUrl: report.winner.model_data_url })]);
    expect(model.ModelApprovalStatus).toBe('PendingManualApproval');
  });

  it('summarises every training, the tuning job, and the comparison', () => {
    for (const name of ['TrainXGBoost', 'TrainKNN', 'TrainSklearnGBM']) expect(run.stderr).toMatch(new RegExp(`^ {2}${name} +\\S+ = [\\d.]+`, 'm'));
    expect(run.stderr).toMatch(/^ {2}TuneXGBoost +best validation:rmse = [\d.]+ \(Minimize, \d+ of \d+ jobs completed\)$/m);
    expect(run.stderr).toMatch(new RegExp(`^ {4}winner: name = ${report.winner.name}, rmse = [\\d.]+`, 'm'));
  });
});
