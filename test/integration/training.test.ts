// A Training step in real Docker: built-in XGBoost on a small CSV gives FinalMetricDataList from the
// image's implicit metric definitions and a model.tar.gz where the cloud puts it; a script-mode
// training script that raises has its failure file in FailureReason.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create as createTar, x as extractTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { StepFailure } from '../../src/errors.js';
import { jobHarness, SKLEARN_URI, testBucket, XGBOOST_URI, type JobHarness } from './support/job-harness.js';

/** y = 3 x1 - 2 x2 + small noise, label first, no header: what built-in XGBoost reads. */
export function regressionCsv(rows: number, seed: number): string {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x1 = random() * 10;
    const x2 = random() * 5;
    const y = 3 * x1 - 2 * x2 + (random() - 0.5) * 0.1;
    lines.push(`${y.toFixed(4)},${x1.toFixed(4)},${x2.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function xgboostTrainingArguments(bucket: string, hyperParameters: JsonObject): JsonObject {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: `s3://${bucket}/models` },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
    RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    InputDataConfig: [
      { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/data/train`, S3DataDistributionType: 'FullyReplicated' } } },
      { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/data/validation`, S3DataDistributionType: 'FullyReplicated' } } },
    ],
    HyperParameters: hyperParameters,
  };
}

describe('Training step in Docker', { timeout: 300_000 }, () => {
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

  it('built-in XGBoost: FinalMetricDataList from the implicit metric definitions and model.tar.gz in S3', async () => {
    const step: JobStep = {
      Name: 'Train',
      Type: 'Training',
      Arguments: xgboostTrainingArguments(bucket, { num_round: '20', max_depth: '3', eta: '0.3', objective: 'reg:squarederror' }),
    };
    const context = await harness.context(step);
    const result = await harness.executor('Training').execute(context);

    const metrics = result.properties['FinalMetricDataList'] as JsonObject[];
    const names = metrics.map((m) => m['MetricName']);
    expect(names).toEqual(expect.arrayContaining(['train:rmse', 'validation:rmse']));
    const validation = metrics.find((m) => m['MetricName'] === 'validation:rmse');
    expect(validation?.['Value']).toBeGreaterThan(0);
    expect(validation?.['Value']).toBeLessThan(5);
    expect(context.logs.some((line) => /^\[19\]\ttrain-rmse:/.test(line))).toBe(true);

    const modelUri = `s3://${bucket}/models/${context.jobName}/output/model.tar.gz`;
    expect(result.properties['ModelArtifacts']).toEqual({ S3ModelArtifacts: modelUri });
    const dir = await mkdtemp(path.join(harness.root, 'model-'));
    await writeFile(path.join(dir, 'model.tar.gz'), await harness.store.get(modelUri));
    await extractTar({ file: path.join(dir, 'model.tar.gz'), cwd: dir });
    expect((await readFile(path.join(dir, 'xgboost-model'))).length).toBeGreaterThan(100);
    expect(result.properties).toMatchObject({ TrainingJobStatus: 'Completed', HyperParameters: { num_round: '20' } });
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('script mode: a training script that raises has the failure file in FailureReason', async () => {
    const src = await mkdtemp(path.join(harness.root, 'src-'));
    await writeFile(
      path.join(src, 'train.py'),
      ['import argparse', 'p = argparse.ArgumentParser()', "p.add_argument('--alpha', type=float)", 'args = p.parse_args()', "print('alpha', args.alpha)", "raise RuntimeError('the target column is constant')", ''].join('\n'),
    );
    await createTar({ gzip: true, file: path.join(src, 'sourcedir.tar.gz'), cwd: src }, ['train.py']);
    await harness.store.put(`s3://${bucket}/code/sourcedir.tar.gz`, await readFile(path.join(src, 'sourcedir.tar.gz')));
    const step: JobStep = {
      Name: 'TrainScript',
      Type: 'Training',
      Arguments: {
        ...xgboostTrainingArguments(bucket, {
          alpha: '0.5',
          sagemaker_program: '"train.py"',
          sagemaker_submit_directory: `"s3://${bucket}/code/sourcedir.tar.gz"`,
        }),
        AlgorithmSpecification: { TrainingImage: SKLEARN_URI, TrainingInputMode: 'File' },
      },
    };
    const context = await harness.context(step);
    const error = (await harness.executor('Training').execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.exceptionType).toBeUndefined();
    expect(error.message).toContain('exited with code 1');
    expect(error.message).toContain('Failure file (/opt/ml/output/failure)');
    expect(error.message).toContain('the target column is constant');
    expect(error.message).toContain(`sagesim logs ${context.execution.executionId} TrainScript`);
    expect(context.logs).toContain('alpha 0.5');
    expect(error.properties).toMatchObject({ TrainingJobStatus: 'Failed', FailureReason: error.message });
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
