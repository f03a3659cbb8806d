// A serving container the kernel kills for memory in the middle of a batch transform, in real
// Docker: the step fails saying the container ran out of memory (with the instance type's limit),
// not only that its /invocations requests failed, and no container is left behind.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import { jobHarness, SKLEARN_URI, testBucket, type JobHarness } from './support/job-harness.js';

/** An inference script whose every request allocates until the kernel steps in. */
const HUNGRY_SCRIPT = `
def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    hog = []
    while True:
        hog.append(b"x" * (32 << 20))
`;

const LIMIT_BYTES = 256 * 1024 ** 2;

describe('Transform step in Docker: a serving container out of memory', { timeout: 300_000 }, () => {
  let harness: JobHarness;
  let bucket: string;
  let modelName: string;

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    const source = await mkdtemp(path.join(tmpdir(), 'sagesim-oom-model-'));
    try {
      await mkdir(path.join(source, 'code'));
      await writeFile(path.join(source, 'code', 'hungry.py'), HUNGRY_SCRIPT);
      await createTar({ gzip: true, file: path.join(source, 'model.tar.gz'), cwd: source }, ['code']);
      await harness.store.put(`s3://${bucket}/model/model.tar.gz`, await readFile(path.join(source, 'model.tar.gz')));
    } finally {
      await rm(source, { recursive: true, force: true });
    }
    const createModel: JobStep = {
      Name: 'CreateModel',
      Type: 'Model',
      Arguments: { PrimaryContainer: { Image: SKLEARN_URI, ModelDataUrl: `s3://${bucket}/model/model.tar.gz`, Environment: { SAGEMAKER_PROGRAM: 'hungry.py' } } },
    };
    const model = await harness.executor('Model').execute(await harness.context(createModel));
    modelName = model.properties['ModelName'] as string;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('fails saying the container ran out of memory, with the limit of its instance type', async () => {
    await harness.store.put(`s3://${bucket}/batch/data.csv`, '1,2\n');
    const step: JobStep = {
      Name: 'HungryPredict',
      Type: 'Transform',
      Arguments: {
        ModelName: modelName,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/batch` } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: `s3://${bucket}/predictions` },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        ModelClientConfig: { InvocationsMaxRetries: 0 },
      },
    };
    const context = await harness.context(step);
    const failure = harness.executor('Transform', { memoryLimit: () => LIMIT_BYTES }).execute(context);
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_CONTAINER_EXITED', properties: { TransformJobStatus: 'Failed' } });
    await expect(failure).rejects.toThrow(/killed: out of memory[\s\S]*limit 256 MiB[\s\S]*killed while requests were sent to \/invocations/);
    expect(await harness.store.exists(`s3://${bucket}/predictions/data.csv.out`)).toBe(false);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
