// Preflight: every reason a run would fail for want of something outside the definition, found
// at once before anything starts, each with its step, JSON path and hint.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import { pipelineIo, seedReads } from '../../src/engine/pipeline-io.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { preflight } from '../../src/runtime/preflight.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { testConfig } from './support/pipeline-builders.js';

const HOUSING_FILE = path.resolve(import.meta.dirname, '../../fixtures/housing/pipeline.json');
const housing = (): PipelineDefinition => JSON.parse(readFileSync(HOUSING_FILE, 'utf8')) as PipelineDefinition;
const config = testConfig({ images: {}, lambdas: {} });
const ALL_IMAGES = new FakeContainerEngine();

async function seededStore(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put('s3://sagesim-demo/housing/input/housing.csv', 'a,b\n');
  await store.put('s3://sagesim-demo/housing/code/preprocess.py', 'print(1)');
  await store.put('s3://sagesim-demo/housing/code/evaluate.py', 'print(2)');
  return store;
}

describe('preflight', () => {
  it('finds nothing to say about housing with its inputs seeded and its images present', async () => {
    const report = await preflight({ definition: housing(), config, objectStore: await seededStore(), runtime: ALL_IMAGES });
    expect(report.problems).toEqual([]);
  });

  it('counts the objects the manifest beside the definition places as present', async () => {
    const report = await preflight({ definition: housing(), definitionFile: HOUSING_FILE, config, objectStore: new MemoryObjectStore(), runtime: ALL_IMAGES });
    expect(report.problems).toEqual([]);
  });

  it('reports an unmapped image in the last step and a missing input of the first at once', async () => {
    const definition = housing();
    const steps = definition.Steps as unknown as { Arguments: Record<string, unknown> }[];
    const evaluate = steps[2]?.Arguments as { AppSpecification: { ImageUri: string } };
    evaluate.AppSpecification.ImageUri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1';
    const store = await seededStore();
    await store.delete('s3://sagesim-demo/housing/input/housing.csv');
    const report = await preflight({ definition, config, objectStore: store, runtime: new FakeContainerEngine({ images: [] }) });
    expect(report.problems.map((p) => [p.code, p.step, p.path])).toEqual([
      ['IMAGE_NOT_MAPPED', 'EvaluateModel', '$.Steps[2].Arguments.AppSpecification.ImageUri'],
      ['S3_INPUT_NOT_FOUND', 'PreprocessHousingData', '$.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri'],
    ]);
    expect(report.problems[0]?.hint).toContain('"images"');
    expect(report.problems[1]?.hint).toContain('sagesim s3 cp <local file> s3://sagesim-demo/housing/input/housing.csv');
  });

  it('accepts an unmapped image that is present under its own name, refuses a mapping to an absent one', async () => {
    const definition = housing();
    const uri = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
    const store = await seededStore();
    const mapped = testConfig({ images: { [uri]: 'me/sklearn:dev' }, lambdas: {} });
    const absent = await preflight({ definition, config: mapped, objectStore: store, runtime: new FakeContainerEngine({ images: [] }) });
    expect(absent.problems).toMatchObject([{ code: 'IMAGE_NOT_FOUND', step: 'PreprocessHousingData', message: expect.stringContaining('me/sklearn:dev') }]);
    const present = await preflight({ definition, config: mapped, objectStore: store, runtime: new FakeContainerEngine({ images: ['me/sklearn:dev'] }) });
    expect(present.problems).toEqual([]);
  });

  it('says Docker is unreachable instead of guessing about images', async () => {
    const report = await preflight({ definition: housing(), config, objectStore: await seededStore(), runtime: new FakeContainerEngine({ available: false }) });
    expect(report.problems.map((p) => p.code)).toEqual(['DOCKER_UNAVAILABLE']);
  });

  it('reports parameters without values, unmapped Lambda functions and step types that need a stub', async () => {
    const definition: PipelineDefinition = {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [{ Name: 'Bucket', Type: 'String' }],
      PipelineExperimentConfig: null,
      Steps: [
        { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {} },
        { Name: 'Emr', Type: 'EMR', Arguments: { ClusterId: 'j-1', StepConfig: {} } },
      ],
    } as unknown as PipelineDefinition;
    const report = await preflight({ definition, config, objectStore: new MemoryObjectStore() });
    expect(report.problems.map((p) => [p.code, p.path])).toEqual([
      ['PARAMETER_WITHOUT_VALUE', '$.Parameters[0]'],
      ['LAMBDA_NOT_MAPPED', '$.Steps[0].FunctionArn'],
      ['STEP_TYPE_NOT_LOCAL', '$.Steps[1]'],
    ]);
    const stubbed = await preflight({ definition, config, parameters: { Bucket: 'b' }, stubs: { all: true }, objectStore: new MemoryObjectStore() });
    expect(stubbed.problems).toEqual([]);
  });

  it('ignores stubbed steps: their inputs and images are not needed', async () => {
    const report = await preflight({ definition: housing(), config, stubs: { all: true }, objectStore: new MemoryObjectStore(), runtime: new FakeContainerEngine({ images: [] }) });
    expect(report.problems).toEqual([]);
  });
});

describe('pipeline inputs', () => {
  it('lists what housing reads that no step writes, and renders parameters into URIs', () => {
    const io = pipelineIo(housing(), { InputData: 's3://other/data.csv' });
    expect(seedReads(io).map((r) => r.uri)).toEqual(['s3://other/data.csv', 's3://sagesim-demo/housing/code/preprocess.py', 's3://sagesim-demo/housing/code/evaluate.py']);
    // Reads of other steps' outputs are theirs to produce.
    expect(io.reads.filter((r) => r.origin.kind === 'from-step').map((r) => r.step)).toEqual([]);
    expect(io.writes.find((w) => w.step === 'TrainModel')?.uri).toBe('s3://sagesim-demo/housing/models');
    expect(io.writes.find((w) => w.step === 'PreprocessHousingData')?.uri).toBe('s3://sagesim-demo/HousingPipeline/{Execution.PipelineExecutionId}/PreprocessHousingData/output/train');
  });
});
