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
import { jobHarness, SKLEARN_URI, testBucket, type JobHarness } from './support/job-harness.js';
import { regressionCsv, xgboostTrainingArguments } from './support/xgboost-job.js';

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
