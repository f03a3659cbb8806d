// The content-aware cache: a cached step is reused only when every S3 object it read is unchanged,
// stub results never stand in for real ones, and --cache-like-cloud keeps the cloud's rule.
import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/engine/cache.js';
import type { Reporter } from '../../src/engine/events.js';
import type { JsonObject } from '../../src/engine/json.js';
import { describeChange, snapshotInputs, stepInputs } from '../../src/engine/step-reads.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { StepExecutor } from '../../src/steps/executor.js';
import { definition, processingStep, run, stepOf, testRun, type TestRun, testExecutors } from './support/pipeline-builders.js';

const CODE = 's3://bucket/code/evaluate.py';
const DATA = 's3://bucket/data/';

/** A Processing step reading a script and a data prefix, cached for a day. */
const evaluate = processingStep('Evaluate', {
  cache: { Enabled: true, ExpireAfter: 'P1D' },
  args: {
    ProcessingInputs: [
      { InputName: 'code', S3Input: { S3Uri: CODE, LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
      { InputName: 'data', S3Input: { S3Uri: DATA, LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
    ],
  },
});
const pipeline = definition([evaluate]);

/** A "real" Processing executor that counts its runs; what it read is up to the step runner. */
function countingExecutor(): StepExecutor & { runs: number } {
  return {
    stepType: 'Processing',
    runs: 0,
    async execute() {
      this.runs += 1;
      return { properties: { ProcessingJobStatus: 'Completed' } as JsonObject, metadata: {} };
    },
  };
}

async function seeded(): Promise<TestRun> {
  const env = testRun();
  await env.objectStore.put(CODE, 'print("v1")');
  await env.objectStore.put(`${DATA}a.csv`, '1,2\n');
  return env;
}

async function realRun(env: TestRun, executor: StepExecutor, options: { cacheLikeCloud?: boolean; reporter?: Reporter } = {}) {
  await env.clock.advance(60_000);
  return run(pipeline, env, {
    stubs: {},
    executors: testExecutors(executor),
    ...(options.reporter ? { reporter: options.reporter } : {}),
    config: { cacheLikeCloud: options.cacheLikeCloud ?? false },
  });
}

describe('the content-aware cache', () => {
  it('reuses a step whose inputs are unchanged, naming the source execution', async () => {
    const env = await seeded();
    const executor = countingExecutor();
    const first = await realRun(env, executor);
    const second = await realRun(env, executor);
    expect(executor.runs).toBe(1);
    expect(stepOf(second, 'Evaluate').cacheHit?.sourcePipelineExecutionArn).toBe(first.executionArn);
  });

  it('re-runs a step whose script changed at the same URI, and says why', async () => {
    const env = await seeded();
    const executor = countingExecutor();
    const first = await realRun(env, executor);
    await env.objectStore.put(CODE, 'raise SystemExit(1)');
    const warnings: string[] = [];
    const second = await realRun(env, executor, { reporter: { warning: (e) => warnings.push(e.message) } });
    expect(executor.runs).toBe(2);
    expect(stepOf(second, 'Evaluate').cacheHit).toBeUndefined();
    const why = `re-ran Evaluate: ${CODE} changed since execution ${first.executionId}; the cloud would have reused it`;
    expect(stepOf(second, 'Evaluate').cacheMissReason).toBe(why);
    expect(warnings).toContain(why);
  });

  it('re-runs a step when an object it read was deleted', async () => {
    const env = await seeded();
    await env.objectStore.put(`${DATA}b.csv`, '3,4\n');
    const executor = countingExecutor();
    await realRun(env, executor);
    await env.objectStore.delete(`${DATA}b.csv`);
    const second = await realRun(env, executor);
    expect(executor.runs).toBe(2);
    expect(stepOf(second, 'Evaluate').cacheMissReason).toContain(`${DATA}b.csv was deleted`);
  });

  it('re-runs a step when a new object appears under a prefix input', async () => {
    const env = await seeded();
    const executor = countingExecutor();
    await realRun(env, executor);
    await env.objectStore.put(`${DATA}new.csv`, '5,6\n');
    const second = await realRun(env, executor);
    expect(executor.runs).toBe(2);
    expect(stepOf(second, 'Evaluate').cacheMissReason).toContain(`${DATA}new.csv is new under ${DATA}`);
  });

  it('reuses the older entry when the input went back to what it read', async () => {
    const env = await seeded();
    const executor = countingExecutor();
    const first = await realRun(env, executor);
    await env.objectStore.put(CODE, 'print("v2")');
    await realRun(env, executor);
    await env.objectStore.put(CODE, 'print("v1")');
    const third = await realRun(env, executor);
    expect(executor.runs).toBe(2);
    expect(stepOf(third, 'Evaluate').cacheHit?.sourcePipelineExecutionArn).toBe(first.executionArn);
  });

  it('with --cache-like-cloud, reuses on the arguments alone, as the cloud does', async () => {
    const env = await seeded();
    const executor = countingExecutor();
    const first = await realRun(env, executor, { cacheLikeCloud: true });
    await env.objectStore.put(CODE, 'raise SystemExit(1)');
    const second = await realRun(env, executor, { cacheLikeCloud: true });
    expect(executor.runs).toBe(1);
    expect(stepOf(second, 'Evaluate').cacheHit?.sourcePipelineExecutionArn).toBe(first.executionArn);
  });
});

describe('stub results and the cache', () => {
  it('a stub run is never the cache source of a real run, which says so', async () => {
    const env = await seeded();
    const stubRun = await run(pipeline, env, { stubs: { all: true } });
    expect(stepOf(stubRun, 'Evaluate').stubbed).toBe(true);
    const executor = countingExecutor();
    const real = await realRun(env, executor);
    expect(executor.runs).toBe(1);
    expect(stepOf(real, 'Evaluate').cacheHit).toBeUndefined();
    expect(stepOf(real, 'Evaluate').stubbed).toBeUndefined();
    expect(stepOf(real, 'Evaluate').cacheMissReason).toContain('came from a stub');
  });

  it('a stub run may serve another run stubbed the same way, not one stubbed differently', async () => {
    const env = await seeded();
    const first = await run(pipeline, env, { stubs: { all: true } });
    await env.clock.advance(60_000);
    const second = await run(pipeline, env, { stubs: { all: true } });
    expect(stepOf(second, 'Evaluate').cacheHit?.sourcePipelineExecutionArn).toBe(first.executionArn);
    await env.clock.advance(60_000);
    const other = await run(pipeline, env, { stubs: { steps: { Evaluate: { properties: { ProcessingJobStatus: 'Stopped' } } } } });
    expect(stepOf(other, 'Evaluate').cacheHit).toBeUndefined();
  });

  it('a real run is not the cache source of a stubbed one', async () => {
    const env = await seeded();
    await realRun(env, countingExecutor());
    await env.clock.advance(60_000);
    const stubbed = await run(pipeline, env, { stubs: { all: true } });
    expect(stepOf(stubbed, 'Evaluate').cacheHit).toBeUndefined();
  });
});

describe('object identities', () => {
  const entryReads = async (store: MemoryObjectStore): Promise<NonNullable<CacheEntry['reads']>> =>
    snapshotInputs(store, stepInputs(evaluate, evaluate.Arguments as unknown as JsonObject));

  it.each([
    ['unchanged', async () => undefined, undefined],
    ['changed content', async (s: MemoryObjectStore) => s.put(CODE, 'other'), `${CODE} changed`],
    ['the same content written again', async (s: MemoryObjectStore) => s.put(CODE, 'print("v1")'), undefined],
    ['object deleted', async (s: MemoryObjectStore) => s.delete(`${DATA}a.csv`), `${DATA}a.csv was deleted`],
    ['new object under a prefix', async (s: MemoryObjectStore) => s.put(`${DATA}z.csv`, 'z'), `${DATA}z.csv is new under ${DATA}`],
  ] as const)('%s', async (_label, change, expected) => {
    const store = new MemoryObjectStore();
    await store.put(CODE, 'print("v1")');
    await store.put(`${DATA}a.csv`, '1,2\n');
    const before = await entryReads(store);
    await change(store);
    expect(describeChange(before, await entryReads(store))).toBe(expected);
  });

  it('use size and modification time where the store gives no ETag', async () => {
    const { objectIdentity } = await import('../../src/engine/step-reads.js');
    const when = new Date('2024-01-01T00:00:00Z');
    expect(objectIdentity({ uri: CODE, key: 'code/evaluate.py', size: 3, lastModified: when })).toBe('size:3;mtime:2024-01-01T00:00:00.000Z');
    expect(objectIdentity({ uri: CODE, key: 'code/evaluate.py', size: 3, lastModified: when, etag: '"abc"' })).toBe('etag:"abc"');
  });

  it('lists the inputs of each job type with their JSON paths', () => {
    expect(stepInputs(evaluate, evaluate.Arguments as unknown as JsonObject)).toEqual([
      { uri: CODE, kind: 'S3Prefix', path: 'Arguments.ProcessingInputs[0].S3Input.S3Uri' },
      { uri: DATA, kind: 'S3Prefix', path: 'Arguments.ProcessingInputs[1].S3Input.S3Uri' },
    ]);
    expect(
      stepInputs({ Type: 'Training' }, {
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://b/train', S3DataType: 'ManifestFile' } } }],
        HyperParameters: { sagemaker_submit_directory: '"s3://b/code/sourcedir.tar.gz"' },
      }),
    ).toEqual([
      { uri: 's3://b/train', kind: 'ManifestFile', path: 'Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri' },
      { uri: 's3://b/code/sourcedir.tar.gz', kind: 'Object', path: 'Arguments.HyperParameters.sagemaker_submit_directory' },
    ]);
  });
});
