// A Processing step seen from its container (the fake runtime): what is staged where, which config
// files and environment it gets, what ends up in S3, and how failures read.
import { mkdtemp, readFile, readdir, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { SagesimError, StepFailure, StoppedError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { ContainerSpec } from '../../src/ports/container-engine.js';
import { FakeContainerEngine, type FakeContainer } from '../../src/ports/fake-container-engine.js';
import { ProcessingExecutor } from '../../src/steps/processing-executor.js';
import { executorContext } from './support/executor-context.js';
import { jobDeps } from './support/job-deps.js';

const IMAGE = '257758044811.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

function processingArguments(overrides: JsonObject = {}): JsonObject {
  return {
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
    AppSpecification: {
      ImageUri: IMAGE,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
      ContainerArguments: ['--split', '0.2'],
    },
    RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    ProcessingInputs: [
      {
        InputName: 'input-1',
        AppManaged: false,
        S3Input: { S3Uri: 's3://bucket/raw/', LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix', S3InputMode: 'File' },
      },
      {
        InputName: 'code',
        AppManaged: false,
        S3Input: { S3Uri: 's3://bucket/code/preprocess.py', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' },
      },
    ],
    ProcessingOutputConfig: {
      Outputs: [
        { OutputName: 'train', AppManaged: false, S3Output: { S3Uri: 's3://bucket/out/train', LocalPath: '/opt/ml/processing/train', S3UploadMode: 'EndOfJob' } },
        { OutputName: 'test', AppManaged: false, S3Output: { S3Uri: 's3://bucket/out/test', LocalPath: '/opt/ml/processing/test', S3UploadMode: 'EndOfJob' } },
      ],
    },
    Environment: { MODE: 'full' },
    ...overrides,
  };
}

function step(args: JsonObject): JobStep {
  return { Name: 'Preprocess', Type: 'Processing', Arguments: args };
}

async function seededStore(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put('s3://bucket/raw/data.csv', 'a,b\n1,2\n');
  await store.put('s3://bucket/raw/sub/more.csv', '3,4\n');
  await store.put('s3://bucket/code/preprocess.py', 'print("hi")\n');
  return store;
}

/** A container that reads its input and writes both outputs, as a preprocessing script would. */
async function splitter(container: FakeContainer): Promise<void> {
  const data = await readFile(container.hostPath('/opt/ml/processing/input/data.csv'), 'utf8');
  await writeFile(container.hostPath('/opt/ml/processing/train/train.csv'), data);
  await mkdir(container.hostPath('/opt/ml/processing/test/nested'), { recursive: true });
  await writeFile(container.hostPath('/opt/ml/processing/test/nested/test.csv'), '3,4\n');
  container.log('done');
}

async function run(behaviour: (container: FakeContainer) => unknown, args = processingArguments(), store?: MemoryObjectStore) {
  const objectStore = store ?? (await seededStore());
  const deps = jobDeps(async (container) => {
    await behaviour(container);
  });
  const context = await executorContext(step(args), { objectStore });
  return { deps, context, objectStore, execute: () => new ProcessingExecutor(deps).execute(context) };
}

describe('Processing executor', () => {
  it('stages every S3 input at its LocalPath, keeping sub-folders', async () => {
    const seen: string[][] = [];
    const { execute } = await run(async (container) => {
      seen.push((await readdir(container.hostPath('/opt/ml/processing/input'))).sort());
      seen.push(await readdir(container.hostPath('/opt/ml/processing/input/sub')));
      seen.push(await readdir(container.hostPath('/opt/ml/processing/input/code')));
    });
    await execute();
    // (A nested mount does not show in its parent's listing with the fake; Docker adds the mountpoint.)
    expect(seen).toEqual([['data.csv', 'sub'], ['more.csv'], ['preprocess.py']]);
  });

  it('writes processingjobconfig.json (the request) and resourceconfig.json', async () => {
    let jobConfig: JsonObject = {};
    let resource: JsonObject = {};
    const { execute, context } = await run(async (container) => {
      jobConfig = JSON.parse(await readFile(container.hostPath('/opt/ml/config/processingjobconfig.json'), 'utf8')) as JsonObject;
      resource = JSON.parse(await readFile(container.hostPath('/opt/ml/config/resourceconfig.json'), 'utf8')) as JsonObject;
    });
    await execute();
    expect(jobConfig).toMatchObject({
      ProcessingJobName: context.jobName,
      ProcessingJobArn: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${context.jobName.toLowerCase()}`,
      AppSpecification: { ImageUri: IMAGE },
      Environment: { MODE: 'full' },
      ProcessingOutputConfig: { Outputs: [{ OutputName: 'train' }, { OutputName: 'test' }] },
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge' } },
    });
    expect((jobConfig['ProcessingInputs'] as JsonObject[])[0]).toMatchObject({ S3Input: { S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None' } });
    expect(resource).toMatchObject({ current_host: 'algo-1', hosts: ['algo-1'], current_instance_type: 'ml.m5.xlarge' });
  });

  it('runs the image with ContainerEntrypoint and ContainerArguments, labelled, on the host network', async () => {
    const { execute, deps, context } = await run(() => undefined);
    await execute();
    const spec = deps.runtime.specs[0] as ContainerSpec;
    expect(spec.image).toBe(IMAGE);
    expect(spec.entrypoint).toEqual(['python3', '/opt/ml/processing/input/code/preprocess.py']);
    expect(spec.command).toEqual(['--split', '0.2']);
    expect(spec.network).toBe('host');
    expect(spec.labels).toMatchObject({ 'sagesim.execution-id': 'abcdef123456', 'sagesim.step': 'Preprocess', 'sagesim.job-name': context.jobName });
  });

  it('gives the container the job variables, the S3 endpoint and dummy credentials in mock mode', async () => {
    const { execute, deps, context } = await run(() => undefined);
    await execute();
    expect(deps.runtime.specs[0]?.env).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4569',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
      S3_ENDPOINT_URL: 'http://127.0.0.1:4569',
      AWS_ACCESS_KEY_ID: 'sagesim',
      AWS_SECRET_ACCESS_KEY: 'sagesim',
      MODE: 'full',
      PROCESSING_JOB_NAME: context.jobName,
      PROCESSING_JOB_ARN: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${context.jobName.toLowerCase()}`,
    });
  });

  it('uploads each output folder to its S3Uri after exit 0', async () => {
    const { execute, objectStore } = await run(splitter);
    await execute();
    expect((await objectStore.get('s3://bucket/out/train/train.csv')).toString()).toBe('a,b\n1,2\n');
    expect((await objectStore.get('s3://bucket/out/test/nested/test.csv')).toString()).toBe('3,4\n');
  });

  it('returns DescribeProcessingJob-shaped properties and the job ARN as metadata', async () => {
    const { execute, context } = await run(splitter);
    const result = await execute();
    expect(result.properties).toMatchObject({
      ProcessingJobName: context.jobName,
      ProcessingJobStatus: 'Completed',
      ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', S3Output: { S3Uri: 's3://bucket/out/train' } }, { OutputName: 'test' }] },
      AppSpecification: { ImageUri: IMAGE },
      Environment: { MODE: 'full' },
      ProcessingStartTime: expect.any(String),
      ProcessingEndTime: expect.any(String),
    });
    expect(result.metadata?.ProcessingJob?.Arn).toMatch(/:processing-job\//);
  });

  it('sends container output to the step log', async () => {
    const { execute, context } = await run(splitter);
    await execute();
    expect(context.logs).toEqual(['done']);
  });

  it('a script that fails: FailureReason with the code, the log tail and the logs command; not retryable; nothing uploaded', async () => {
    const objectStore = await seededStore();
    const runtimeFailing = new FakeContainerEngine({
      behaviour: async (container) => {
        container.log('Traceback (most recent call last):');
        container.log('ValueError: no rows');
        await writeFile(container.hostPath('/opt/ml/processing/train/partial.csv'), 'x');
        return { exitCode: 1 };
      },
    });
    const deps = jobDeps(undefined, { runtime: runtimeFailing });
    const context = await executorContext(step(processingArguments()), { objectStore });
    const error = await new ProcessingExecutor(deps).execute(context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailure);
    const failure = error as StepFailure;
    expect(failure.exceptionType).toBeUndefined();
    expect(failure.message).toContain('step "Preprocess"');
    expect(failure.message).toContain('exited with code 1');
    expect(failure.message).toContain('ValueError: no rows');
    expect(failure.message).toContain('sagesim logs abcdef123456 Preprocess');
    expect(failure.properties).toMatchObject({ ProcessingJobStatus: 'Failed', FailureReason: failure.message });
    expect(await objectStore.exists('s3://bucket/out/train/partial.csv')).toBe(false);
  });

  it('reads the exit message a container leaves in /opt/ml/output/message', async () => {
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        await writeFile(container.hostPath('/opt/ml/output/message'), 'column "price" is missing');
        return { exitCode: 2 };
      },
    });
    const context = await executorContext(step(processingArguments()), { objectStore: await seededStore() });
    const failure = (await new ProcessingExecutor(jobDeps(undefined, { runtime })).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(failure.message).toContain('Exit message (/opt/ml/output/message):\n  | column "price" is missing');
    expect(failure.message).not.toContain('Failure file');
    expect(failure.properties?.['ExitMessage']).toBe('column "price" is missing');
  });

  it('does not upload a host file a container links to from an output folder, and says so in the step log', async () => {
    const host = await mkdtemp(path.join(tmpdir(), 'sagesim-host-'));
    await writeFile(path.join(host, 'credentials'), 'host secret');
    const { execute, objectStore, context } = await run(async (container) => {
      await writeFile(container.hostPath('/opt/ml/processing/train/train.csv'), '1,2\n');
      await symlink(path.join(host, 'credentials'), container.hostPath('/opt/ml/processing/train/x'));
    });
    await execute();
    expect((await objectStore.list('s3://bucket/out/')).map((o) => o.key)).toEqual(['out/train/train.csv']);
    expect(context.logs.join('\n')).toMatch(/output "train": not uploaded: x: symbolic link to .*credentials leads out of the folder/);
  });

  it.each([['message'], ['failure']])('does not read /opt/ml/output/%s when it is a link to a host file', async (name) => {
    const host = await mkdtemp(path.join(tmpdir(), 'sagesim-host-'));
    await writeFile(path.join(host, 'credentials'), 'host secret');
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        await symlink(path.join(host, 'credentials'), container.hostPath(`/opt/ml/output/${name}`));
        return { exitCode: 1 };
      },
    });
    const context = await executorContext(step(processingArguments()), { objectStore: await seededStore() });
    const failure = (await new ProcessingExecutor(jobDeps(undefined, { runtime })).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(failure.message).toContain('exited with code 1');
    expect(failure.message).not.toContain('host secret');
    expect(failure.properties?.['ExitMessage']).toBe('');
    expect(context.logs.join('\n')).toMatch(new RegExp(`/opt/ml/output/${name} is a symbolic link: not read`));
  });

  it('a disk that fills while an input is staged: the step fails naming ENOSPC and saying the disk is full', async () => {
    const store = await seededStore();
    store.getStream = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const context = await executorContext(step(processingArguments()), { objectStore: store });
    const failure = (await new ProcessingExecutor(jobDeps()).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(failure).toBeInstanceOf(StepFailure);
    // Both inputs fail; whichever fails first names itself.
    expect(failure.message).toMatch(/could not download input "(input-1|code)" .*ENOSPC: no space left on device/);
    expect(failure.message).toContain('the disk is full');
  });

  it('labels text from /opt/ml/output/failure as the failure file', async () => {
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        await writeFile(container.hostPath('/opt/ml/output/failure'), 'KeyError: price');
        return { exitCode: 1 };
      },
    });
    const context = await executorContext(step(processingArguments()), { objectStore: await seededStore() });
    const failure = (await new ProcessingExecutor(jobDeps(undefined, { runtime })).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(failure.message).toContain('Failure file (/opt/ml/output/failure):\n  | KeyError: price');
  });

  it('an input with no objects fails before any container starts, naming the step, input and URI', async () => {
    const store = new MemoryObjectStore();
    await store.put('s3://bucket/code/preprocess.py', 'x');
    const { execute, deps } = await run(() => undefined, processingArguments(), store);
    const error = (await execute().catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toContain('step "Preprocess": input "input-1"');
    expect(error.message).toContain('s3://bucket/raw/');
    expect(error.exceptionType).toBeUndefined();
    expect(deps.runtime.specs).toHaveLength(0);
  });

  it('a Docker API failure is retryable (SageMaker.JOB_INTERNAL_ERROR)', async () => {
    const deps = jobDeps(undefined, { runtime: new FakeContainerEngine({ failApi: true }) });
    const context = await executorContext(step(processingArguments()), { objectStore: await seededStore() });
    const error = (await new ProcessingExecutor(deps).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.exceptionType).toBe('SageMaker.JOB_INTERNAL_ERROR');
  });

  it('runs without a network when EnableNetworkIsolation is set', async () => {
    const { execute, deps } = await run(() => undefined, processingArguments({ NetworkConfig: { EnableNetworkIsolation: true } }));
    await execute();
    expect(deps.runtime.specs[0]?.network).toBe('none');
  });

  it('passes StoppingCondition.MaxRuntimeInSeconds to the runtime', async () => {
    const { execute, deps } = await run(() => undefined, processingArguments({ StoppingCondition: { MaxRuntimeInSeconds: 600 } }));
    await execute();
    expect(deps.runtime.specs[0]?.maxRuntimeSeconds).toBe(600);
  });

  it('throws StoppedError when the execution is stopped while the container runs', async () => {
    const objectStore = await seededStore();
    const context = await executorContext(step(processingArguments()), { objectStore });
    const deps = jobDeps((container) => {
      context.controller.abort();
      return new Promise<void>((resolve) => container.signal.addEventListener('abort', () => resolve()));
    });
    await expect(new ProcessingExecutor(deps).execute(context)).rejects.toBeInstanceOf(StoppedError);
    expect(deps.runtime.leftovers).toBe(0);
  });

  it('an image that cannot be mapped fails with the resolver message and is not retried', async () => {
    const deps = jobDeps(undefined, {
      resolveImage: (uri) => {
        throw new SagesimError('IMAGE_NOT_MAPPED', `image ${uri} is not mapped`, { source: 'user', hint: 'add it to "images"' });
      },
    });
    const context = await executorContext(step(processingArguments()), { objectStore: await seededStore() });
    const error = (await new ProcessingExecutor(deps).execute(context).catch((e: unknown) => e)) as StepFailure;
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toContain(`image ${IMAGE} is not mapped (add it to "images")`);
    expect(error.exceptionType).toBeUndefined();
    expect(deps.runtime.specs).toHaveLength(0);
  });

  it('a DatasetDefinition input is reported as not running locally', async () => {
    const args = processingArguments({ ProcessingInputs: [{ InputName: 'athena', DatasetDefinition: { AthenaDatasetDefinition: {} } }] });
    const { execute } = await run(() => undefined, args);
    await expect(execute()).rejects.toThrow(/input "athena" \(DatasetDefinition.*does not run locally/);
  });

  it('lays out host folders under the step work dir', async () => {
    const { execute, context } = await run(splitter);
    await execute();
    expect(await readdir(path.join(context.workDir, 'opt-ml'))).toEqual(expect.arrayContaining(['config', 'inputs', 'outputs']));
  });
});
