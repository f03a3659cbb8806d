// A Tuning step in real Docker: built-in XGBoost training jobs, two at a time; the best training job
// has the lowest validation:rmse and its model is where the cloud puts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { jobHarness, testBucket, type JobHarness } from './support/job-harness.js';
import { regressionCsv, xgboostTrainingArguments } from './support/xgboost-job.js';

describe('Tuning step in Docker', { timeout: 600_000 }, () => {
  let harness: JobHarness;
  let bucket: string;

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    await harness.store.put(`s3://${bucket}/data/train/train.csv`, regressionCsv(300, 1));
    await harness.store.put(`s3://${bucket}/data/validation/validation.csv`, regressionCsv(100, 2));
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('runs the training jobs and reports the best one, best first', async () => {
    const { HyperParameters: _hp, ...definition } = xgboostTrainingArguments(bucket, {});
    const step: JobStep = {
      Name: 'Tune',
      Type: 'Tuning',
      Arguments: {
        HyperParameterTuningJobConfig: {
          Strategy: 'Random',
          RandomSeed: 7,
          HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'validation:rmse' },
          ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
          ParameterRanges: {
            ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5', ScalingType: 'Logarithmic' }],
            IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '1', MaxValue: '5', ScalingType: 'Linear' }],
          },
        },
        TrainingJobDefinition: {
          ...definition,
          StaticHyperParameters: { num_round: '15', objective: 'reg:squarederror', _tuning_objective_metric: 'validation:rmse' },
        },
      },
    };
    const context = await harness.context(step);
    const result = await harness.executor('Tuning').execute(context);

    const summaries = result.properties['TrainingJobSummaries'] as JsonObject[];
    expect(summaries).toHaveLength(4);
    const values = summaries.map((s) => (s['FinalHyperParameterTuningJobObjectiveMetric'] as JsonObject)['Value'] as number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const best = result.properties['BestTrainingJob'] as JsonObject;
    expect(best['TrainingJobName']).toBe(summaries[0]?.['TrainingJobName']);
    expect(String(best['TrainingJobName'])).toMatch(/-00[1-4]-[0-9a-f]{8}$/);
    expect(best['TunedHyperParameters']).toEqual({ eta: expect.any(String), max_depth: expect.any(String) });
    expect(await harness.store.exists(`s3://${bucket}/models/${String(best['TrainingJobName'])}/output/model.tar.gz`)).toBe(true);
    expect(context.logs.some((line) => line.startsWith(`[${String(best['TrainingJobName'])}] [14]\ttrain-rmse:`))).toBe(true);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
