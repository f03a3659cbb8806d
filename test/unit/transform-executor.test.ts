import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { FakeClock } from '../../src/engine/clock.js';
import type { JobStep } from '../../src/engine/definition-types.js';
import type { JsonObject } from '../../src/engine/json.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { saveModel } from '../../src/mock-aws/model-store.js';
import { FakeContainerEngine, type FakeBehaviour, type FakeOutcome } from '../../src/ports/fake-container-engine.js';
import type { JobDeps } from '../../src/steps/job-container.js';
import { TransformExecutor, type TransformExecutorOptions } from '../../src/steps/transform-executor.js';
import type { InvocationResponse, ModelServer } from '../../src/steps/transform-invoker.js';
import { executorContext } from './support/executor-context.js';

let root: string;
let store: MemoryObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sagesim-transform-'));
  store = new MemoryObjectStore();
  await saveModel(path.join(root, 'home'), {
    ModelName: 'housing-model',
    ModelArn: 'arn:aws:sagemaker:us-east-1:111122223333:model/housing-model',
    CreationTime: '2024-05-01T00:00:00.000Z',
    PrimaryContainer: { Image: 'sagesim/sklearn', ModelDataUrl: 's3://bucket/train/output/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'serve.py' } },
  });
  const modelSrc = path.join(root, 'model-src');
  await rm(modelSrc, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(modelSrc, { recursive: true }));
  await writeFile(path.join(modelSrc, 'model.joblib'), 'weights');
  const archive = path.join(root, 'model.tar.gz');
  await createTar({ gzip: true, file: archive, cwd: modelSrc }, ['model.joblib']);
  await store.put('s3://bucket/train/output/model.tar.gz', await readFile(archive));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A model server that sums the numeric fields of each CSV line it gets, one result per line. */
class SummingServer implements ModelServer {
  readonly requests: { body: string; contentType?: string; accept?: string }[] = [];
  pings = 0;
  constructor(
    private readonly answer: (body: string, index: number) => Promise<InvocationResponse> | InvocationResponse = (body) => ({
      status: 200,
      body: Buffer.from(`${body.split('\n').map(sumLine).join('\n')}\n`),
    }),
    private readonly readyAfter = 1,
  ) {}
  async ping(): Promise<boolean> {
    this.pings++;
    return this.pings >= this.readyAfter;
  }
  async invoke(body: Buffer, headers: { contentType?: string; accept?: string }): Promise<InvocationResponse> {
    const index = this.requests.length;
    this.requests.push({ body: body.toString('utf8'), ...headers });
    return this.answer(body.toString('utf8'), index);
  }
}

function sumLine(line: string): string {
  return String(line.split(',').map(Number).filter((n) => !Number.isNaN(n)).reduce((a, b) => a + b, 0));
}

/** A serving container: checks the model is mounted, then serves until it is stopped. */
const serving: FakeBehaviour = async (container) => {
  container.log(`model files: ${existsSync(container.hostPath('/opt/ml/model/model.joblib')) ? 'model.joblib' : 'none'}`);
  await new Promise<void>((resolve) => container.signal.addEventListener('abort', () => resolve(), { once: true }));
};

function deps(runtime: FakeContainerEngine): JobDeps {
  return {
    config: resolveConfig({ cwd: root, home: path.join(root, 'home') }),
    runtime,
    s3Endpoint: 'http://127.0.0.1:4569',
    resolveImage: (uri) => ({ localTag: uri }),
    now: () => new Date('2024-05-01T01:00:00Z'),
  };
}

function transformStep(overrides: JsonObject = {}): JobStep {
  return {
    Name: 'BatchPredict',
    Type: 'Transform',
    Arguments: {
      ModelName: 'housing-model',
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/batch' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
      },
      TransformOutput: { S3OutputPath: 's3://bucket/predictions', AssembleWith: 'Line', Accept: 'text/csv' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      ...overrides,
    },
  };
}

async function run(
  step: JobStep,
  server: ModelServer,
  options: { behaviour?: FakeBehaviour; executor?: TransformExecutorOptions; abortAfter?: (context: { controller: AbortController }) => void } = {},
) {
  const runtime = new FakeContainerEngine({ behaviour: options.behaviour ?? serving });
  const executor = new TransformExecutor(deps(runtime), { modelServer: () => server, freePort: async () => 18080, ...options.executor });
  const context = await executorContext(step, { objectStore: store, workDir: path.join(root, 'work') });
  options.abortAfter?.(context);
  const result = executor.execute(context);
  return { runtime, context, result };
}

async function text(uri: string): Promise<string> {
  return (await store.get(uri)).toString('utf8');
}


/**
 * A serving container that writes `line`, then ends as `outcome` says once the first request
 * comes; the requests then find nobody listening, as after a crash or the kernel's kill.
 */
function endingAtFirstRequest(line: string, outcome: FakeOutcome): { runtime: FakeContainerEngine; server: SummingServer } {
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const runtime = new FakeContainerEngine({
    behaviour: async (container) => {
      container.log(line);
      await ended;
      return outcome;
    },
  });
  const server = new SummingServer(() => {
    end();
    throw new Error('fetch failed');
  });
  return { runtime, server };
}

describe('Transform step', () => {
  it('serves the model and writes one prediction per input row at <S3OutputPath>/<relative key>.out', async () => {
    await store.put('s3://bucket/batch/part-1.csv', '1,2\n3,4\n5,6\n');
    await store.put('s3://bucket/batch/more/part-2.csv', '10,1\n');
    const server = new SummingServer();
    const { runtime, context, result } = await run(transformStep(), server);
    const done = await result;
    expect(await text('s3://bucket/predictions/part-1.csv.out')).toBe('3\n7\n11\n');
    expect(await text('s3://bucket/predictions/more/part-2.csv.out')).toBe('11\n');
    expect((await store.list('s3://bucket/predictions/')).map((o) => o.key)).toEqual(['predictions/more/part-2.csv.out', 'predictions/part-1.csv.out']);
    // MultiRecord (the default) sends each object's lines in one request; objects go in key order.
    expect(server.requests.map((r) => r.body)).toEqual(['10,1', '1,2\n3,4\n5,6']);
    expect(server.requests[0]).toMatchObject({ contentType: 'text/csv', accept: 'text/csv' });
    const [spec] = runtime.specs;
    expect(spec).toMatchObject({ image: 'sagesim/sklearn', command: ['serve'], network: 'host' });
    expect(spec?.env).toMatchObject({
      SAGEMAKER_BIND_TO_PORT: '18080',
      SAGEMAKER_BATCH: 'true',
      SAGEMAKER_MAX_PAYLOAD_IN_MB: '6',
      SAGEMAKER_BATCH_STRATEGY: 'MULTI_RECORD',
      SAGEMAKER_PROGRAM: 'serve.py',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4569',
    });
    expect(spec?.labels['sagesim.execution-id']).toBe('abcdef123456');
    expect(spec?.mounts.map((m) => m.containerPath)).toEqual(['/opt/ml/model']);
    expect(context.logs).toContain('model files: model.joblib');
    expect(runtime.leftovers).toBe(0);
    expect(done.metadata).toEqual({ TransformJob: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:transform-job/pipelines-abcdef123456-batchpredict-xy12ab34cd' } });
    expect(done.properties).toMatchObject({
      TransformJobName: 'pipelines-abcdef123456-BatchPredict-Xy12Ab34Cd',
      TransformJobStatus: 'Completed',
      ModelName: 'housing-model',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
      MaxConcurrentTransforms: 1,
      TransformInput: { ContentType: 'text/csv', SplitType: 'Line', CompressionType: 'None' },
      TransformOutput: { S3OutputPath: 's3://bucket/predictions', AssembleWith: 'Line', Accept: 'text/csv' },
      DataProcessing: { InputFilter: '$', OutputFilter: '$', JoinSource: 'None' },
    });
  });

  it('SingleRecord sends one request per row', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,1\n2,2\n3,3\n');
    const server = new SummingServer();
    const { result } = await run(transformStep({ BatchStrategy: 'SingleRecord' }), server);
    await result;
    expect(server.requests.map((r) => r.body)).toEqual(['1,1', '2,2', '3,3']);
    expect(await text('s3://bucket/predictions/data.csv.out')).toBe('2\n4\n6\n');
  });

  it('SplitType None sends each object whole; AssembleWith None writes responses as they are', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,1\n2,2\n');
    const server = new SummingServer((body) => ({ status: 200, body: Buffer.from(`[${body.trim().split('\n').map(sumLine).join(',')}]`) }));
    const step = transformStep({
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/batch/data.csv' } }, ContentType: 'text/csv' },
      TransformOutput: { S3OutputPath: 's3://bucket/predictions' },
    });
    const { result } = await run(step, server);
    await result;
    expect(server.requests.map((r) => r.body)).toEqual(['1,1\n2,2\n']);
    expect(await text('s3://bucket/predictions/data.csv.out')).toBe('[2,4]');
  });

  it('filters input columns, joins predictions to their rows and filters the output', async () => {
    await store.put('s3://bucket/batch/data.csv', 'id-1,1,2\nid-2,3,4\n');
    const server = new SummingServer();
    const { result } = await run(
      transformStep({ DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' } }),
      server,
    );
    await result;
    expect(server.requests.map((r) => r.body)).toEqual(['1,2\n3,4']);
    expect(await text('s3://bucket/predictions/data.csv.out')).toBe('id-1,3\nid-2,7\n');
  });

  it('keeps the output in input order with concurrent requests that finish out of order', async () => {
    await store.put('s3://bucket/batch/data.csv', '1\n2\n3\n4\n5\n6\n');
    const releases: (() => void)[] = [];
    const server = new SummingServer(
      (body, index) =>
        new Promise<InvocationResponse>((resolve) => {
          const answer = (): void => resolve({ status: 200, body: Buffer.from(`${body}\n`) });
          // Even requests wait for the next one to finish first: with one request at a time this would never end.
          if (index % 2 === 0) releases[index + 1] = answer;
          else {
            answer();
            releases[index]?.();
          }
        }),
    );
    const { result } = await run(transformStep({ BatchStrategy: 'SingleRecord', MaxConcurrentTransforms: 2 }), server);
    await result;
    expect(await text('s3://bucket/predictions/data.csv.out')).toBe('1\n2\n3\n4\n5\n6\n');
  });

  it('reads gzip-compressed input', async () => {
    await store.put('s3://bucket/batch/data.csv.gz', gzipSync('1,2\n3,4\n'));
    const server = new SummingServer();
    const step = transformStep({
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/batch' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'Gzip',
      },
    });
    const { result } = await run(step, server);
    await result;
    expect(await text('s3://bucket/predictions/data.csv.gz.out')).toBe('3\n7\n');
  });

  it('fails with the status, body and log tail when /invocations answers 500, after the retries', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const server = new SummingServer(() => ({ status: 500, body: Buffer.from('ValueError: bad input shape') }));
    const { runtime, result } = await run(transformStep(), server, {
      behaviour: async (container) => {
        container.log('Traceback: ValueError');
        await serving(container);
      },
    });
    const failure = result;
    await expect(failure).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_INVOCATION_FAILED' });
    await expect(failure).rejects.toThrow(/HTTP 500: "ValueError: bad input shape"[\s\S]*Traceback: ValueError[\s\S]*sagesim logs abcdef123456 BatchPredict/);
    expect(server.requests).toHaveLength(4);
    expect(runtime.leftovers).toBe(0);
    expect(await store.exists('s3://bucket/predictions/data.csv.out')).toBe(false);
  });

  it('does not retry a 4xx answer', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const server = new SummingServer(() => ({ status: 415, body: Buffer.from('unsupported content type') }));
    const { result } = await run(transformStep(), server);
    await expect(result).rejects.toThrow('HTTP 415');
    expect(server.requests).toHaveLength(1);
  });

  it('reports the properties of a failed job', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const { result } = await run(transformStep({ ModelName: 'no-such-model' }), new SummingServer());
    await expect(result).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      metadata: { TransformJob: { Arn: expect.stringContaining('transform-job/') } },
      properties: { TransformJobStatus: 'Failed', FailureReason: expect.stringContaining('no-such-model') },
    });
  });

  it('fails when the serving container never answers /ping, and stops it', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const clock = new FakeClock();
    const { runtime, result } = await run(transformStep(), new SummingServer(undefined, Number.POSITIVE_INFINITY), {
      executor: { clock, pingTimeoutSeconds: 30 },
    });
    await expect(clock.runUntilSettled(result)).rejects.toMatchObject({
      code: 'TRANSFORM_PING_TIMEOUT',
      message: expect.stringContaining('did not answer GET /ping with 200 within 30 s'),
    });
    expect(runtime.leftovers).toBe(0);
  });

  it('fails with the exit code and log when the serving container dies before /ping', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const clock = new FakeClock();
    const { result } = await run(transformStep(), new SummingServer(undefined, Number.POSITIVE_INFINITY), {
      executor: { clock },
      behaviour: (container) => {
        container.log('ModuleNotFoundError: No module named sklearn');
        return { exitCode: 1 };
      },
    });
    const failure = clock.runUntilSettled(result);
    await expect(failure).rejects.toMatchObject({ code: 'TRANSFORM_CONTAINER_EXITED' });
    await expect(failure).rejects.toThrow(/exited with code 1[\s\S]*ModuleNotFoundError/);
  });

  it.each([
    ['SplitType RecordIO', { TransformInput: { DataSource: { S3DataSource: { S3Uri: 's3://bucket/batch' } }, SplitType: 'RecordIO' } }, 'TRANSFORM_UNSUPPORTED'],
    ['a bad AssembleWith', { TransformOutput: { S3OutputPath: 's3://bucket/p', AssembleWith: 'Lines' } }, 'INVALID_STEP_ARGUMENTS'],
    ['a bad filter', { DataProcessing: { InputFilter: 'features' } }, 'INVALID_DATA_PROCESSING_PATH'],
  ])('refuses %s before starting a container', async (_label, overrides, code) => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const { runtime, result } = await run(transformStep(overrides), new SummingServer());
    await expect(result).rejects.toMatchObject({ name: 'StepFailure', code, source: 'user' });
    expect(runtime.specs).toHaveLength(0);
  });

  it('fails naming the ModelDataUrl when the model artifacts are missing', async () => {
    await store.delete('s3://bucket/train/output/model.tar.gz');
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const { result } = await run(transformStep(), new SummingServer());
    await expect(result).rejects.toMatchObject({ code: 'MODEL_DATA_NOT_FOUND', message: expect.stringContaining('s3://bucket/train/output/model.tar.gz') });
  });

  it('stops the container and throws StoppedError when the execution is stopped mid-request', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    let controller: AbortController | undefined;
    const server = new SummingServer(
      () =>
        new Promise<InvocationResponse>((_resolve, reject) => {
          controller?.abort();
          setImmediate(() => reject(new Error('aborted')));
        }),
    );
    const { runtime, result } = await run(transformStep(), server, { abortAfter: (context) => (controller = context.controller) });
    await expect(result).rejects.toMatchObject({ name: 'StoppedError' });
    expect(runtime.leftovers).toBe(0);
  });

  it('a serving container the kernel kills for memory mid-transform is explained as out of memory, with its limit', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const { runtime, server } = endingAtFirstRequest('loading a model too large for the instance', { oomKilled: true });
    const executor = new TransformExecutor({ ...deps(runtime), memoryLimit: () => 8 * 1024 ** 3 }, { modelServer: () => server, freePort: async () => 18080 });
    const result = executor.execute(await executorContext(transformStep(), { objectStore: store, workDir: path.join(root, 'work') }));
    await expect(result).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_CONTAINER_EXITED', properties: { TransformJobStatus: 'Failed' } });
    await expect(result).rejects.toThrow(/exited with code 137: killed: out of memory[\s\S]*limit 8.0 GiB[\s\S]*loading a model too large/);
    expect(runtime.leftovers).toBe(0);
  });

  it('a serving container that exits on its own mid-transform is explained by its exit code and log, not only by the failed requests', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const { runtime, server } = endingAtFirstRequest('predict: the native library gave up', { exitCode: 3 });
    const executor = new TransformExecutor(deps(runtime), { modelServer: () => server, freePort: async () => 18080 });
    const result = executor.execute(await executorContext(transformStep(), { objectStore: store, workDir: path.join(root, 'work') }));
    await expect(result).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_CONTAINER_EXITED', properties: { TransformJobStatus: 'Failed' } });
    await expect(result).rejects.toThrow(/exited with code 3[\s\S]*the native library gave up[\s\S]*exited on its own while requests were sent to \/invocations/);
    expect(runtime.leftovers).toBe(0);
  });

  it('a model that answers HTTP 500 from a live container stays an invocation failure', async () => {
    await store.put('s3://bucket/batch/data.csv', '1,2\n');
    const server = new SummingServer(async () => ({ status: 500, body: Buffer.from('model error') }));
    const { runtime, result } = await run(transformStep(), server);
    await expect(result).rejects.toMatchObject({ name: 'StepFailure', code: 'TRANSFORM_INVOCATION_FAILED' });
    await expect(result).rejects.toThrow(/HTTP 500: "model error"/);
    expect(runtime.leftovers).toBe(0);
  });
});

