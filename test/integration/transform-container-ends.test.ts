// A serving container that ends in the middle of a batch transform, in real Docker: killed by the
// kernel for memory (the step says so, with the instance type's limit) or exited on its own (the
// step gives its exit code and log), not only that its /invocations requests failed; no container
// is left behind.
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

/** An inference script whose process dies on the first request, as a crashing native library would. */
const CRASHING_SCRIPT = `
import os
import sys


def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    print("predict: the native library gave up", file=sys.stderr, flush=True)
    os._exit(3)
`;

const LIMIT_BYTES = 256 * 1024 ** 2;

describe('Transform step in Docker: a serving container that ends mid-transform', { timeout: 300_000 }, () => {
  let harness: JobHarness;
  let bucket: string;
  let modelName: string;
  let crashingModel: string;

  /** A model whose code/<script> is the given inference script, created by a Model step. */
  async function modelOf(script: string, program: string): Promise<string> {
    const source = await mkdtemp(path.join(tmpdir(), 'sagesim-oom-model-'));
    try {
      await mkdir(path.join(source, 'code'));
      await writeFile(path.join(source, 'code', program), script);
      await createTar({ gzip: true, file: path.join(source, 'model.tar.gz'), cwd: source }, ['code']);
      await harness.store.put(`s3://${bucket}/${program}/model.tar.gz`, await readFile(path.join(source, 'model.tar.gz')));
    } finally {
      await rm(source, { recursive: true, force: true });
    }
    const createModel: JobStep = {
      Name: 'CreateModel',
      Type: 'Model',
      Arguments: { PrimaryContainer: { Image: SKLEARN_URI, ModelDataUrl: `s3://${bucket}/${program}/model.tar.gz`, Environment: { SAGEMAKER_PROGRAM: program } } },
    };
    const model = await harness.executor('Model').execute(await harness.context(createModel));
    return model.properties['ModelName'] as string;
  }

  beforeAll(async () => {
    harness = await jobHarness();
    bucket = testBucket();
    modelName = await modelOf(HUNGRY_SCRIPT, 'hungry.py');
    crashingModel = await modelOf(CRASHING_SCRIPT, 'crashing.py');
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

  it('a serving container that exits on its own mid-transform fails the step saying so, with its exit code and log', async () => {
    await harness.store.put(`s3://${bucket}/crash-batch/data.csv`, '1,2\n');
    const step: JobStep = {
      Name: 'CrashingPredict',
      Type: 'Transform',
      Arguments: {
        ModelName: crashingModel,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/crash-batch` } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: `s3://${bucket}/crash-predictions` },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        ModelClientConfig: { InvocationsMaxRetries: 0 },
      },
    };
    const context = await harness.context(step);
    const failure = harness.executor('Transform').execute(context);
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_CONTAINER_EXITED', properties: { TransformJobStatus: 'Failed' } });
    await expect(failure).rejects.toThrow(/exited with code 3[\s\S]*the native library gave up[\s\S]*exited on its own while requests were sent to \/invocations/);
    expect(await harness.store.exists(`s3://${bucket}/crash-predictions/data.csv.out`)).toBe(false);
    expect(await harness.runtime.sweep({ executionId: context.execution.executionId })).toBe(0);
  });
});
