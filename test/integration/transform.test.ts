// Training -> Model -> Transform in real Docker: built-in XGBoost trains on a small CSV, a Model step
// records it, and a Transform step serves it with `serve` and writes one prediction per input row
// at <S3OutputPath>/<key relative to the input prefix>.out, with no container left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { jobHarness, testBucket, XGBOOST_URI, type JobHarness } from './support/job-harness.js';
import { regressionCsv, xgboostTrainingArguments } from './support/xgboost-job.js';

describe('Transform step in Docker', { timeout: 600_000 }, () => {
  let harness: JobHarness;
  let bucket: string;
  let modelName: string;

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    await harness.store.put(`s3://${bucket}/data/train/train.csv`, regressionCsv(300, 1));
    await harness.store.put(`s3://${bucket}/data/validation/validation.csv`, regressionCsv(100, 2));
    const train: JobStep = {
      Name: 'Train',
      Type: 'Training',
      Arguments: xgboostTrainingArguments(bucket, { num_round: '40', max_depth: '4', eta: '0.3', objective: 'reg:squarederror' }),
    };
    const trained = await harness.executor('Training').execute(await harness.context(train));
    const modelData = (trained.properties['ModelArtifacts'] as JsonObject)['S3ModelArtifacts'] as string;
    const createModel: JobStep = { Name: 'CreateModel', Type: 'Model', Arguments: { PrimaryContainer: { Image: XGBOOST_URI, ModelDataUrl: modelData } } };
    const model = await harness.executor('Model').execute(await harness.context(createModel));
    modelName = model.properties['ModelName'] as string;
  });

  afterAll(async () => {
    await harness?.close();
  });

  function transform(name: string, args: JsonObject): JobStep {
    return { Name: name, Type: 'Transform', Arguments: { ModelName: modelName, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 }, ...args } };
  }

  it('writes one prediction per input row at <S3OutputPath>/<relative key>.out', async () => {
    const rows = [
      [1, 1],
      [2, 0.5],
      [5, 2],
      [8, 4],
      [3, 3],
    ];
    await harness.store.put(`s3://${bucket}/batch/part-1.csv`, `${rows.map((r) => r.join(',')).join('\n')}\n`);
    await harness.store.put(`s3://${bucket}/batch/more/part-2.csv`, '4,1\n6,2\n9,0\n');
    const step = transform('BatchPredict', {
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/batch` } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: `s3://${bucket}/predictions`, AssembleWith: 'Line', Accept: 'text/csv' },
      BatchStrategy: 'MultiRecord',
    });
    const context = await harness.context(step);
    const result = await harness.executor('Transform').execute(context);

    const outputs = (await harness.store.list(`s3://${bucket}/predictions/`)).map((o) => o.key).sort();
    expect(outputs).toEqual(['predictions/more/part-2.csv.out', 'predictions/part-1.csv.out']);
    const predictions = (await harness.store.get(`s3://${bucket}/predictions/part-1.csv.out`)).toString('utf8').trimEnd().split('\n').map(Number);
    expect(predictions).toHaveLength(rows.length);
    // The model learnt y = 3 x1 - 2 x2 on x1 in [0, 10], x2 in [0, 5].
    predictions.forEach((p, i) => {
      const [x1 = 0, x2 = 0] = rows[i] ?? [];
      expect(Math.abs(p - (3 * x1 - 2 * x2))).toBeLessThan(2);
    });
    expect((await harness.store.get(`s3://${bucket}/predictions/more/part-2.csv.out`)).toString('utf8').trimEnd().split('\n')).toHaveLength(3);
    expect(result.properties).toMatchObject({ TransformJobStatus: 'Completed', ModelName: modelName, TransformOutput: { AssembleWith: 'Line' } });
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('joins each prediction to its input row and keeps the id column with SingleRecord requests', async () => {
    await harness.store.put(`s3://${bucket}/ids/data.csv`, 'a,1,1\nb,5,2\nc,8,4\n');
    const step = transform('JoinPredict', {
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/ids/data.csv` } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: `s3://${bucket}/joined/`, AssembleWith: 'Line', Accept: 'text/csv' },
      BatchStrategy: 'SingleRecord',
      MaxConcurrentTransforms: 2,
      DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' },
    });
    const context = await harness.context(step);
    await harness.executor('Transform').execute(context);
    const lines = (await harness.store.get(`s3://${bucket}/joined/data.csv.out`)).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['a', 'b', 'c']);
    expect(lines.every((l) => l.split(',').length === 2 && Number.isFinite(Number(l.split(',')[1])))).toBe(true);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });

  it('fails with the model server error and the log tail when rows have the wrong number of features', async () => {
    await harness.store.put(`s3://${bucket}/bad/data.csv`, '1,2,3\n');
    const step = transform('BadPredict', {
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/bad` } }, ContentType: 'text/csv', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: `s3://${bucket}/bad-out` },
      ModelClientConfig: { InvocationsMaxRetries: 0 },
    });
    const context = await harness.context(step);
    const failure = harness.executor('Transform').execute(context);
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_INVOCATION_FAILED' });
    await expect(failure).rejects.toThrow(/Feature size/);
    expect(await harness.store.exists(`s3://${bucket}/bad-out/data.csv.out`)).toBe(false);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
