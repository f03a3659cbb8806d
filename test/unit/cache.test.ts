import { describe, expect, it } from 'vitest';
import { type CacheEntry, cacheKeyFor, cachePolicyFor, lookupCache } from '../../src/engine/cache.js';
import { canonicalJson } from '../../src/engine/canonical-json.js';
import { FakeClock } from '../../src/engine/clock.js';
import type { JobStep, PipelineDefinition, PipelineStep } from '../../src/engine/definition-types.js';
import type { StubOptions } from '../../src/steps/stub-executor.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import type { JsonObject } from '../../src/engine/json.js';
import { definition, processingStep, run, stepOf, testRun, trainingStep } from './support/pipeline-builders.js';

const training = trainingStep('Train');
const key = (step: PipelineStep, args: JsonObject): string | undefined => cacheKeyFor(step, args);

describe('cache keys', () => {
  it('do not depend on the order of keys in the arguments', () => {
    const a = { HyperParameters: { eta: '0.1', max_depth: '5' }, AlgorithmSpecification: { TrainingImage: 'x', TrainingInputMode: 'File' } };
    const b = { AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: 'x' }, HyperParameters: { max_depth: '5', eta: '0.1' } };
    expect(key(training, a)).toBe(key(training, b));
    expect(canonicalJson(b)).toBe('{"AlgorithmSpecification":{"TrainingImage":"x","TrainingInputMode":"File"},"HyperParameters":{"eta":"0.1","max_depth":"5"}}');
  });

  it.each([
    ['Training', 'HyperParameters', 'counts', true],
    ['Training', 'InputDataConfig', 'counts', true],
    ['Training', 'Environment', 'counts', true],
    ['Training', 'OutputDataConfig', 'does not count', false],
    ['Training', 'ResourceConfig', 'does not count', false],
    ['Training', 'RoleArn', 'does not count', false],
    ['Processing', 'AppSpecification', 'counts', true],
    ['Processing', 'ProcessingInputs', 'counts', true],
    ['Processing', 'ProcessingOutputConfig', 'does not count', false],
    ['Processing', 'ProcessingResources', 'does not count', false],
    ['Transform', 'ModelName', 'counts', true],
    ['Transform', 'TransformInput', 'counts', true],
    ['Transform', 'TransformOutput', 'does not count', false],
  ] as const)('%s: a change of %s %s', (type, attribute, _says, changes) => {
    const step = { Name: 'S', Type: type, Arguments: {} } as JobStep;
    expect(key(step, { [attribute]: 'one' }) !== key(step, { [attribute]: 'two' })).toBe(changes);
  });

  it('Tuning: only the documented children of TrainingJobDefinition count', () => {
    const step = { Name: 'Tune', Type: 'Tuning', Arguments: {} } as JobStep;
    const base = { TrainingJobDefinition: { StaticHyperParameters: { a: '1' }, OutputDataConfig: { S3OutputPath: 's3://b/one' } } };
    expect(key(step, base)).toBe(key(step, { TrainingJobDefinition: { StaticHyperParameters: { a: '1' }, OutputDataConfig: { S3OutputPath: 's3://b/two' } } }));
    expect(key(step, base)).not.toBe(key(step, { TrainingJobDefinition: { StaticHyperParameters: { a: '2' }, OutputDataConfig: { S3OutputPath: 's3://b/one' } } }));
  });

  it('include the step type: same arguments, different types, different keys', () => {
    const args = { Environment: { A: '1' } };
    expect(key({ Name: 'S', Type: 'Processing', Arguments: {} } as JobStep, args)).not.toBe(key({ Name: 'S', Type: 'Training', Arguments: {} } as JobStep, args));
  });

  it('are undefined for step types SageMaker does not cache', () => {
    expect(key({ Name: 'M', Type: 'Model', Arguments: {} } as JobStep, {})).toBeUndefined();
    expect(key({ Name: 'R', Type: 'RegisterModel', Arguments: {} } as JobStep, {})).toBeUndefined();
  });
});

describe('cache policy', () => {
  it('is off under --no-cache, without CacheConfig.Enabled, and for uncached types', () => {
    const cached = trainingStep('T', { cache: { Enabled: true, ExpireAfter: 'PT1H' } });
    expect(cachePolicyFor(cached, false)).toMatchObject({ enabled: false, reason: expect.stringContaining('--no-cache') });
    expect(cachePolicyFor(trainingStep('T', { cache: { Enabled: false, ExpireAfter: 'PT1H' } }), true).enabled).toBe(false);
    expect(cachePolicyFor(trainingStep('T'), true).enabled).toBe(false);
    expect(cachePolicyFor(cached, true)).toEqual({ enabled: true, expireAfterMs: 3_600_000 });
  });

  it.each([
    ['PT1H', 3_600_000],
    ['30d', 30 * 86_400_000],
    ['T16m', 16 * 60_000],
    ['30dT5h', 30 * 86_400_000 + 5 * 3_600_000],
  ])('ExpireAfter %s is %d ms', (text, ms) => {
    expect(cachePolicyFor(trainingStep('T', { cache: { Enabled: true, ExpireAfter: text } }), true)).toEqual({ enabled: true, expireAfterMs: ms });
  });

  it('without ExpireAfter never expires', () => {
    expect(cachePolicyFor(trainingStep('T', { cache: { Enabled: true } }), true)).toEqual({ enabled: true, expireAfterMs: undefined });
  });
});

function entry(executionId: string, finishedAt: string): CacheEntry {
  return {
    pipelineName: 'p',
    key: 'k',
    stepName: 'Train',
    stepType: 'Training',
    executionId,
    executionArn: `arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/${executionId}`,
    finishedAt,
    properties: { TrainingJobName: executionId },
    propertyFiles: {},
    outputParameters: {},
    metadata: {},
  };
}

describe('cache lookup', () => {
  it('returns the newest entry within ExpireAfter, and nothing once all expired', async () => {
    const store = new MemoryExecutionStore();
    await store.recordCacheEntry(entry('older', '2024-01-01T10:00:00.000Z'));
    await store.recordCacheEntry(entry('newer', '2024-01-01T11:00:00.000Z'));
    await store.recordCacheEntry(entry('oldest', '2024-01-01T09:00:00.000Z'));
    const clock = new FakeClock('2024-01-01T11:30:00.000Z');
    const query = { pipelineName: 'p', key: 'k', expireAfterMs: 3 * 3_600_000 };
    expect((await lookupCache(store, { ...query, now: clock.now() }))?.executionId).toBe('newer');
    await clock.advance(3 * 3_600_000);
    expect(await lookupCache(store, { ...query, now: clock.now() })).toBeUndefined();
    expect((await lookupCache(store, { ...query, expireAfterMs: undefined, now: clock.now() }))?.executionId).toBe('newer');
  });

  it('is scoped to one pipeline', async () => {
    const store = new MemoryExecutionStore();
    await store.recordCacheEntry(entry('e1', '2024-01-01T10:00:00.000Z'));
    expect(await lookupCache(store, { pipelineName: 'other', key: 'k', now: new Date('2024-01-01T10:00:01Z'), expireAfterMs: undefined })).toBeUndefined();
  });
});

describe('caching across executions', () => {
  const cachedPipeline = (failTimes?: number): { def: PipelineDefinition; stubs: StubOptions } => ({
    def: definition([trainingStep('Train', { cache: { Enabled: true, ExpireAfter: 'PT1H' } }), processingStep('Report', { dependsOn: ['Train'] })]),
    stubs: { all: true, steps: failTimes === undefined ? {} : { Train: { fail: { reason: 'bad data', times: failTimes } } } } as StubOptions,
  });

  it('reuses a successful result: the step reports a cache hit from the source execution and copies its properties', async () => {
    const env = testRun();
    const first = await run(cachedPipeline().def, env);
    const second = await run(cachedPipeline().def, env);
    expect(second.status).toBe('Succeeded');
    const cached = stepOf(second, 'Train');
    expect(cached.cacheHit).toEqual({ sourcePipelineExecutionArn: first.executionArn, sourceStepName: 'Train' });
    expect(cached.properties).toEqual(stepOf(first, 'Train').properties);
    expect(cached.metadata).toEqual(stepOf(first, 'Train').metadata);
    // Steps without CacheConfig run again.
    expect(stepOf(second, 'Report').cacheHit).toBeUndefined();
  });

  it('never reuses a failed run, and takes the newest success', async () => {
    const env = testRun();
    const failed = await run(cachedPipeline(1).def, env, { stubs: cachedPipeline(1).stubs });
    expect(stepOf(failed, 'Train').status).toBe('Failed');
    const afterFailure = await run(cachedPipeline().def, env);
    expect(stepOf(afterFailure, 'Train').cacheHit).toBeUndefined();
    await env.clock.advance(60_000);
    const newest = await run(cachedPipeline().def, env, { config: { cache: false } });
    await env.clock.advance(60_000);
    const hit = await run(cachedPipeline().def, env);
    expect(stepOf(hit, 'Train').cacheHit?.sourcePipelineExecutionArn).toBe(newest.executionArn);
  });

  it('expires after ExpireAfter on the injected clock', async () => {
    const env = testRun();
    await run(cachedPipeline().def, env);
    await env.clock.advance(61 * 60_000);
    const later = await run(cachedPipeline().def, env);
    expect(stepOf(later, 'Train').cacheHit).toBeUndefined();
  });

  it('--no-cache (config.cache=false) runs every step', async () => {
    const env = testRun();
    await run(cachedPipeline().def, env);
    const again = await run(cachedPipeline().def, env, { config: { cache: false } });
    expect(stepOf(again, 'Train').cacheHit).toBeUndefined();
  });

  it('a change of a cache-relevant argument misses the cache', async () => {
    const env = testRun();
    await run(cachedPipeline().def, env);
    const changed = definition([trainingStep('Train', { cache: { Enabled: true }, args: { HyperParameters: { max_depth: '9' } } })]);
    expect(stepOf(await run(changed, env), 'Train').cacheHit).toBeUndefined();
  });
});
