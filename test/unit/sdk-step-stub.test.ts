// fixtures/sdk-step (made by SDK 2.230.0) under --stub-all: a stubbed @step function writes its
// results.json where the SDK would, so the downstream Std:JsonGet on S3Uri reads what the stub returns.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitionFile } from '../../src/app/definition-file.js';
import { run, statuses, stepOf, testRun } from './support/pipeline-builders.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/sdk-step/pipeline.json');

describe('a stubbed @step function step', () => {
  it('writes {"Result": <given>, "Exception": null} to <S3OutputPath>/results.json; the condition reads it', async () => {
    const definition = await loadDefinitionFile(FIXTURE);
    const env = testRun();
    const record = await run(definition, env, { stubs: { all: true, steps: { summarize: { result: { count: 20, mean: 2.85, max: 6 } } } } });
    expect(record.status).toBe('Succeeded');
    expect(stepOf(record, 'check-mean').metadata).toEqual({ Condition: { Outcome: 'True' } });
    const uri = `s3://sagemaker-us-east-1-111122223333/sdk-step/${record.executionId}/summarize/results/results.json`;
    expect(JSON.parse((await env.objectStore.get(uri)).toString())).toEqual({ Result: { count: 20, mean: 2.85, max: 6 }, Exception: null });
  });

  it('without a result, a stand-in with 0 at each path read downstream, and a warning saying how to give one', async () => {
    const definition = await loadDefinitionFile(FIXTURE);
    const warnings: string[] = [];
    const record = await run(definition, testRun(), { reporter: { warning: (event) => warnings.push(event.message) } });
    // mean 0 < MinMean 1.0: the pipeline's own Fail step, as the cloud would with that value.
    expect(statuses(record)).toMatchObject({ generate: 'Succeeded', summarize: 'Succeeded', 'check-mean': 'Succeeded', 'mean-too-low': 'Failed' });
    expect(warnings.join('\n')).toContain(`stub wrote a stand-in result for @step function summarize with 0 at Result['mean']; give the value it returns in --stubs: {"summarize": {"result": ...}}`);
  });
});
