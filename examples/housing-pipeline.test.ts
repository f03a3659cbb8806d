// An example suite for your own pipeline: copy this file next to your pipeline definition and
// point PIPELINE at it (e.g. path.resolve(import.meta.dirname, 'pipeline.json')) and change the step
// names. As it is, it tests the housing pipeline that ships with sagesim, and sagesim's CI runs it.
import { createRequire } from 'node:module';
import { createTestEnvironment } from 'sagesim/testing';
import { describe, expect, it } from 'vitest';

/** The pipeline under test: the JSON `pipeline.definition()` wrote, with a manifest.json beside it. */
const PIPELINE = createRequire(import.meta.url).resolve('sagesim/fixtures/housing/pipeline.json');

/** What the evaluation step's property file says, for a stubbed evaluation. */
const evaluationReport = (mse: number) => ({ regression_metrics: { mse: { value: mse, standard_deviation: 0.1 }, rmse: { value: Math.sqrt(mse) }, r2: { value: 0.7 } } });

describe('housing pipeline logic (stubs: no Docker, milliseconds)', () => {
  it('the quality gate rejects a model whose MSE is above the threshold', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(PIPELINE, {
      parameters: { MseThreshold: 0.5 },
      stubs: { EvaluateModel: { propertyFiles: { EvaluationReport: evaluationReport(0.9) } } },
    });

    expect(result.status).toBe('Failed');
    expect(result.conditionOutcome('CheckMseThreshold')).toBe(false);
    expect(result.step('MseAboveThreshold').failureReason).toBe("The model's test MSE 0.9 is above the MseThreshold of 0.5 - the model was not registered.");
    expect(result.step('RegisterHousingModel-RegisterModel').status).toBe('Skipped');
  });

  it('a good model is registered and its batch transform runs', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(PIPELINE, { stubs: { EvaluateModel: { propertyFiles: { EvaluationReport: evaluationReport(0.3) } } } });

    expect(result.status).toBe('Succeeded');
    expect(result.conditionOutcome('CheckMseThreshold')).toBe(true);
    expect(result.step('RegisterHousingModel-RegisterModel').property('ModelPackageArn')).toMatch(/model-package\/sagesim-housing\/1$/);
    expect(result.step('TransformTestData').status).toBe('Succeeded');
  });

  it('pipeline parameters reach the training job', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(PIPELINE, { parameters: { MaxDepth: 4, Eta: 0.1, TrainingInstanceType: 'ml.c5.xlarge' } });

    expect(result.step('TrainModel').resolvedArguments).toMatchObject({
      HyperParameters: { max_depth: '4', eta: '0.1' },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge' },
    });
  });

  it('the retry policy rides out a capacity error on training', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(PIPELINE, {
      faults: { TrainModel: { exceptionType: 'SageMaker.CAPACITY_ERROR', times: 2 } },
      stubs: { EvaluateModel: { propertyFiles: { EvaluationReport: evaluationReport(0.3) } } },
    });

    expect(result.step('TrainModel').attempts).toBe(3);
    expect(result.status).toBe('Succeeded');
  });

  it('a script error in training is not retried', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(PIPELINE, { faults: { TrainModel: { reason: 'AlgorithmError: ValueError: bad eta' } } });

    expect(result.step('TrainModel')).toMatchObject({ status: 'Failed', attempts: 1, failureReason: 'AlgorithmError: ValueError: bad eta' });
    expect(result.step('EvaluateModel').status).toBe('Skipped');
  });
});

describe('housing pipeline in real containers (Docker)', { timeout: 900_000 }, () => {
  it('trains, evaluates, registers and transforms the test set', async () => {
    await using env = await createTestEnvironment({ docker: true });
    const result = await env.run(PIPELINE);

    expect(result.status, result.steps.map((s) => `${s.name}: ${s.failureReason ?? s.status}`).join('\n')).toBe('Succeeded');
    const report = result.step('EvaluateModel').propertyFile('EvaluationReport') as { regression_metrics: { mse: { value: number }; r2: { value: number } } };
    expect(report.regression_metrics.mse.value).toBeLessThan(0.5);
    expect(report.regression_metrics.r2.value).toBeGreaterThan(0.6);
    expect(result.conditionOutcome('CheckMseThreshold')).toBe(true);

    // One prediction per test row, where the cloud would put it.
    const outputPath = result.step('TransformTestData').property('TransformOutput.S3OutputPath') as string;
    const [predictions] = await env.s3.list(outputPath);
    expect(predictions).toMatch(/\.out$/);
    const lines = (await env.s3.text(predictions as string)).trim().split('\n');
    const testUri = result.step('PreprocessHousingData').property("ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri") as string;
    const [testFile] = (await env.s3.list(testUri)).filter((uri) => uri.includes('features'));
    const testRows = (await env.s3.text(testFile as string)).trim().split('\n');
    expect(lines).toHaveLength(testRows.length);
  });
});
