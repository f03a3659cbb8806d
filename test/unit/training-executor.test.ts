// A Training step seen from its container (the fake runtime) and from S3: config files, channels,
// the `train` command, model.tar.gz where the cloud puts it, metrics, and failures.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { x as extractTar } from 'tar';
import { describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { StepFailure } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { FakeContainer, FakeOutcome } from '../../src/ports/fake-container-engine.js';
import { TrainingExecutor } from '../../src/steps/training-executor.js';
import { executorContext } from './support/executor-context.js';
import { XGBOOST_URI, jobDeps } from './support/job-deps.js';

function trainingArguments(overrides: JsonObject = {}): JsonObject {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: 'ml.m5.xlarge' },
    RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    InputDataConfig: [
      {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train/', S3DataDistributionType: 'FullyReplicated' } },
        ContentType: 'text/csv',
        ChannelName: 'train',
      },
      {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/validation/', S3DataDistributionType: 'FullyReplicated' } },
        ContentType: 'text/csv',
        ChannelName: 'validation',
      },
    ],
    HyperParameters: { num_round: '2', max_depth: 5, objective: 'reg:squarederror' },
    ...overrides,
  };
}

const step = (args: JsonObject): JobStep => ({ Name: 'Train', Type: 'Training', Arguments: args });

async function seededStore(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put('s3://bucket/train/train.csv', '1,2,3\n');
  await store.put('s3://bucket/validation/validation.csv', '4,5,6\n');
  return store;
}

/** What an XGBoost container does: logs rounds with TABs, writes the model. */
async function xgboostLike(container: FakeContainer): Promise<FakeOutcome> {
  container.log('[0]\ttrain-rmse:3.1\tvalidation-rmse:3.4');
  container.log('[1]\ttrain-rmse:2.2\tvalidation-rmse:2.7');
  await writeFile(container.hostPath('/opt/ml/model/xgboost-model'), 'MODEL');
  return { exitCode: 0 };
}

async function setup(behaviour: (container: FakeContainer) => Promise<FakeOutcome | void> | FakeOutcome | void, args = trainingArguments()) {
  const objectStore = await seededStore();
  const deps = jobDeps(behaviour);
  const context = await executorContext(step(args), { objectStore });
  return { deps, context, objectStore, execute: () => new TrainingExecutor(deps).execute(context) };
}

async function untar(bytes: Buffer): Promise<Record<string, string>> {
  // An empty archive is only zero blocks: Python's tarfile reads it, node-tar refuses it.
  if (gunzipSync(bytes).every((byte) => byte === 0)) return {};
  const dir = await mkdtemp(path.join(tmpdir(), 'untar-'));
  const file = path.join(dir, 'a.tar.gz');
  await writeFile(file, bytes);
  const out = path.join(dir, 'out');
  await mkdir(out);
  await extractTar({ file, cwd: out });
  const files: Record<string, string> = {};
  for (const name of await readdir(out, { recursive: true })) {
    const full = path.join(out, name);
    try {
      files[name] = await readFile(full, 'utf8');
    } catch {
      // a folder
    }
  }
  return files;
}

describe('Training executor', () => {
  it('writes hyperparameters.json with string values, inputdataconfig.json and resourceconfig.json', async () => {
    const files: Record<string, unknown> = {};
    const { execute } = await setup(async (container) => {
      for (const name of ['hyperparameters', 'inputdataconfig', 'resourceconfig']) {
        files[name] = JSON.parse(await readFile(container.hostPath(`/opt/ml/input/config/${name}.json`), 'utf8'));
      }
    });
    await execute();
    expect(files['hyperparameters']).toEqual({ num_round: '2', max_depth: '5', objective: 'reg:squarederror' });
    expect(files['inputdataconfig']).toEqual({
      train: { ContentType: 'text/csv', TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' },
      validation: { ContentType: 'text/csv', TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' },
    });
    expect(files['resourceconfig']).toMatchObject({ current_host: 'algo-1', hosts: ['algo-1'] });
  });

  it('stages each channel at /opt/ml/input/data/<channel>', async () => {
    const seen: Record<string, string> = {};
    const { execute } = await setup(async (container) => {
      seen['train'] = await readFile(container.hostPath('/opt/ml/input/data/train/train.csv'), 'utf8');
      seen['validation'] = await readFile(container.hostPath('/opt/ml/input/data/validation/validation.csv'), 'utf8');
    });
    await execute();
    expect(seen).toEqual({ train: '1,2,3\n', validation: '4,5,6\n' });
  });

  it('runs the mapped image with the command `train` and the training job variables', async () => {
    const { execute, deps, context } = await setup(() => undefined);
    await execute();
    const spec = deps.runtime.specs[0];
    expect(spec?.image).toBe('sagesim/xgboost:1.7-1');
    expect(spec?.command).toEqual(['train']);
    expect(spec?.entrypoint).toBeUndefined();
    expect(spec?.env).toMatchObject({
      TRAINING_JOB_NAME: context.jobName,
      TRAINING_JOB_ARN: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${context.jobName.toLowerCase()}`,
      AWS_ACCESS_KEY_ID: 'sagesim',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4569',
    });
    expect(spec?.mounts.map((m) => m.containerPath)).toEqual(['/opt/ml/input', '/opt/ml/model', '/opt/ml/output']);
  });

  it('packs /opt/ml/model into <S3OutputPath>/<job>/output/model.tar.gz with files at the archive root', async () => {
    const { execute, objectStore, context } = await setup(xgboostLike);
    const result = await execute();
    const uri = `s3://bucket/models/${context.jobName}/output/model.tar.gz`;
    expect(result.properties['ModelArtifacts']).toEqual({ S3ModelArtifacts: uri });
    expect(await untar(await objectStore.get(uri))).toEqual({ 'xgboost-model': 'MODEL' });
    expect(await objectStore.exists(`s3://bucket/models/${context.jobName}/output/output.tar.gz`)).toBe(false);
  });

  it('uploads an empty model.tar.gz when the model folder is empty, and output.tar.gz from /opt/ml/output/data', async () => {
    const { execute, objectStore, context } = await setup(async (container) => {
      await writeFile(container.hostPath('/opt/ml/output/data/report.txt'), 'ok');
    });
    await execute();
    expect(await untar(await objectStore.get(`s3://bucket/models/${context.jobName}/output/model.tar.gz`))).toEqual({});
    expect(await untar(await objectStore.get(`s3://bucket/models/${context.jobName}/output/output.tar.gz`))).toEqual({ 'report.txt': 'ok' });
  });

  it('packs neither a host file a link points to nor a FIFO (which would hang the packing), and logs them', async () => {
    const host = await mkdtemp(path.join(tmpdir(), 'sagesim-host-'));
    await writeFile(path.join(host, 'credentials'), 'host secret');
    const { execute, objectStore, context } = await setup(async (container) => {
      await writeFile(container.hostPath('/opt/ml/model/xgboost-model'), 'MODEL');
      await symlink(path.join(host, 'credentials'), container.hostPath('/opt/ml/model/creds'));
      execFileSync('mkfifo', [container.hostPath('/opt/ml/model/pipe')]);
    });
    await execute();
    const bytes = await objectStore.get(`s3://bucket/models/${context.jobName}/output/model.tar.gz`);
    expect(gunzipSync(bytes).toString('latin1')).not.toContain('host secret');
    expect(await untar(bytes)).toMatchObject({ 'xgboost-model': 'MODEL' });
    expect(context.logs.join('\n')).toMatch(/model.tar.gz: not packed: pipe: not a regular file/);
  });

  it('packs nothing from /opt/ml/output/data when the container replaced it with a link to a host folder', async () => {
    const host = await mkdtemp(path.join(tmpdir(), 'sagesim-host-'));
    await writeFile(path.join(host, 'credentials'), 'host secret');
    const { execute, objectStore, context } = await setup(async (container) => {
      await rm(container.hostPath('/opt/ml/output/data'), { recursive: true });
      await symlink(host, container.hostPath('/opt/ml/output/data'));
    });
    await execute();
    expect(await objectStore.exists(`s3://bucket/models/${context.jobName}/output/output.tar.gz`)).toBe(false);
    expect(context.logs.join('\n')).toMatch(/output.tar.gz: not packed: the folder .*is a symbolic link/);
  });

  it('does not read /opt/ml/output/failure when it is a link to a host file', async () => {
    const host = await mkdtemp(path.join(tmpdir(), 'sagesim-host-'));
    await writeFile(path.join(host, 'credentials'), 'host secret');
    const { execute, context } = await setup(async (container) => {
      await symlink(path.join(host, 'credentials'), container.hostPath('/opt/ml/output/failure'));
      return { exitCode: 1 };
    });
    const failure = (await execute().catch((e: unknown) => e)) as StepFailure;
    expect(failure.message).toContain('exited with code 1');
    expect(failure.message).not.toContain('host secret');
    expect(context.logs.join('\n')).toContain('/opt/ml/output/failure is a symbolic link: not read');
  });

  it('fills FinalMetricDataList from the image built-in metric definitions (TAB matched as #011)', async () => {
    const { execute } = await setup(xgboostLike);
    const result = await execute();
    expect(result.properties['FinalMetricDataList']).toEqual([
      { MetricName: 'train:rmse', Value: 2.2, Timestamp: expect.any(String) },
      { MetricName: 'validation:rmse', Value: 2.7, Timestamp: expect.any(String) },
    ]);
  });

  it('applies the definition MetricDefinitions too', async () => {
    const args = trainingArguments({
      AlgorithmSpecification: { TrainingImage: 'my/image:1', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'loss', Regex: 'loss: ([0-9.]+)' }] },
    });
    const { execute } = await setup((container) => {
      container.log('epoch 1 loss: 0.9');
      container.log('epoch 2 loss: 0.4');
    }, args);
    const result = await execute();
    expect(result.properties['FinalMetricDataList']).toEqual([{ MetricName: 'loss', Value: 0.4, Timestamp: expect.any(String) }]);
  });

  it('returns DescribeTrainingJob-shaped properties and TrainingJob metadata', async () => {
    const { execute, context } = await setup(xgboostLike);
    const result = await execute();
    expect(result.properties).toMatchObject({
      TrainingJobName: context.jobName,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      HyperParameters: { num_round: '2', max_depth: '5' },
      AlgorithmSpecification: { TrainingImage: XGBOOST_URI },
      InputDataConfig: [{ ChannelName: 'train' }, { ChannelName: 'validation' }],
      OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
      TrainingStartTime: expect.any(String),
      TrainingEndTime: expect.any(String),
      BillableTimeInSeconds: expect.any(Number),
    });
    expect(result.metadata?.TrainingJob?.Arn).toMatch(/:training-job\//);
  });

  it('a script that raises: the failure file becomes part of FailureReason; not retryable', async () => {
    const { execute } = await setup(async (container) => {
      container.log('Traceback (most recent call last):');
      container.log('KeyError: target');
      await writeFile(container.hostPath('/opt/ml/output/failure'), "KeyError: 'target'\n");
      return { exitCode: 1 };
    });
    const error = (await execute().catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.exceptionType).toBeUndefined();
    expect(error.message).toContain('exited with code 1');
    expect(error.message).toContain("Failure file (/opt/ml/output/failure):\n  | KeyError: 'target'");
    expect(error.message).toContain('KeyError: target');
    expect(error.message).toContain('sagesim logs abcdef123456 Train');
    expect(error.properties).toMatchObject({ TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: error.message });
    expect(error.metadata).toMatchObject({ TrainingJob: { Arn: expect.any(String) } });
  });

  it('a container killed for memory is reported as 137, out of memory, with the limit it had', async () => {
    const objectStore = await seededStore();
    const deps = jobDeps(() => ({ oomKilled: true }), { memoryLimit: () => 64 * 1024 * 1024 });
    const context = await executorContext(step(trainingArguments()), { objectStore });
    const error = (await new TrainingExecutor(deps).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(deps.runtime.specs[0]?.memoryBytes).toBe(64 * 1024 * 1024);
    expect(error.message).toContain('exited with code 137');
    expect(error.message).toContain('out of memory');
    expect(error.message).toContain('limit 64 MiB');
  });

  it('a missing channel names the step, the channel and the URI', async () => {
    const args = trainingArguments();
    const { execute } = await setup(() => undefined, {
      ...args,
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/nothing-here/' } } }],
    });
    await expect(execute()).rejects.toThrow(/step "Train": input "train" has no objects at s3:\/\/bucket\/nothing-here\//);
  });

  it('warns that Pipe mode is staged as File and says File in inputdataconfig.json', async () => {
    let config: JsonObject = {};
    const args = trainingArguments({ AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'Pipe' } });
    const { execute, context } = await setup(async (container) => {
      config = JSON.parse(await readFile(container.hostPath('/opt/ml/input/config/inputdataconfig.json'), 'utf8')) as JsonObject;
    }, args);
    await execute();
    expect(config['train']).toMatchObject({ TrainingInputMode: 'File' });
    expect(context.warnings.some((w) => w.includes('Pipe'))).toBe(true);
  });

  it('uploads checkpoints to CheckpointConfig.S3Uri', async () => {
    const args = trainingArguments({ CheckpointConfig: { S3Uri: 's3://bucket/checkpoints/run1' } });
    const { execute, objectStore, deps } = await setup(async (container) => {
      await writeFile(container.hostPath('/opt/ml/checkpoints/epoch-1.ckpt'), 'c1');
    }, args);
    await execute();
    expect(deps.runtime.specs[0]?.mounts.map((m) => m.containerPath)).toContain('/opt/ml/checkpoints');
    expect((await objectStore.get('s3://bucket/checkpoints/run1/epoch-1.ckpt')).toString()).toBe('c1');
  });

  it('uses ContainerEntrypoint and ContainerArguments when the definition gives them', async () => {
    const args = trainingArguments({
      AlgorithmSpecification: { TrainingImage: 'my/image:1', TrainingInputMode: 'File', ContainerEntrypoint: ['python3', 'train.py'], ContainerArguments: ['--epochs', '3'] },
    });
    const { execute, deps } = await setup(() => undefined, args);
    await execute();
    expect(deps.runtime.specs[0]).toMatchObject({ entrypoint: ['python3', 'train.py'], command: ['--epochs', '3'] });
  });
});
