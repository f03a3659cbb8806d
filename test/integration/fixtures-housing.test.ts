// fixtures/housing end to end in Docker, as a user runs it: `sagesim run fixtures/housing/pipeline.json`.
// The quality gate passes and the model is registered and used for a batch transform; with
// MseThreshold 0 the Fail step ends the execution with the measured MSE; an unchanged second run
// is served from the cache. One run is shared by the assertions on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/engine/json.js';
import { type FixtureHome, type FixtureRun, countLines, fixtureHome, fixturePipeline, stepOf } from './support/fixture-run.js';

const PIPELINE = fixturePipeline('housing');
/** Fewer boosting rounds than the demo's 100 (the fixture's NumRound parameter): same shape, less CPU. */
const PARAMETERS = { NumRound: 40 };
const JOB_STEPS = ['PreprocessHousingData', 'TrainModel', 'EvaluateModel'];

describe('fixtures/housing in Docker', { timeout: 900_000 }, () => {
  let home: FixtureHome;
  let first: FixtureRun;
  const timings: string[] = [];

  beforeAll(async () => {
    home = await fixtureHome('fixtures-housing');
    first = await home.run(PIPELINE, PARAMETERS);
    timings.push(`first run ${first.seconds.toFixed(1)}s`);
  });

  afterAll(async () => {
    if (!home) return;
    try {
      expect(await home.leftoverContainers(), 'containers left behind').toEqual([]);
    } finally {
      console.log(`fixtures-housing: ${timings.join(', ')}`);
      await home[Symbol.asyncDispose]();
    }
  });

  it('succeeds with the condition True and exit code 0', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.PipelineExecutionStatus).toBe('Succeeded');
    const check = first.json.PipelineExecutionSteps.find((s) => s.StepName === 'CheckMseThreshold');
    expect(check?.Metadata).toEqual({ Condition: { Outcome: 'True' } });
    expect(first.json.SkippedSteps.map((s) => s.StepName)).toEqual(['MseAboveThreshold']);
  });

  it('compares the MSE the evaluation measured with the threshold', () => {
    const report = stepOf(first.record, 'EvaluateModel').propertyFiles?.['EvaluationReport'] as { regression_metrics: { mse: { value: number }; r2: { value: number } } };
    const mse = report.regression_metrics.mse.value;
    expect(mse).toBeGreaterThan(0);
    expect(mse).toBeLessThanOrEqual(0.5);
    // A model that really learned: synthetic housing data is made for R² well above 0.6.
    expect(report.regression_metrics.r2.value).toBeGreaterThan(0.6);
    expect(stepOf(first.record, 'CheckMseThreshold').resolvedArguments).toEqual({
      Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: mse, RightValue: 0.5 }],
    });
  });

  it('registers model package version 1 in sagesim-housing, pending manual approval', async () => {
    const register = first.json.PipelineExecutionSteps.find((s) => s.StepName === 'RegisterHousingModel-RegisterModel');
    expect(register?.StepStatus).toBe('Succeeded');
    expect(register?.Metadata).toEqual({ RegisterModel: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/sagesim-housing/1' } });
    const described = await home.cli('models', 'describe', 'sagesim-housing/1');
    expect(described.code, described.stderr).toBe(0);
    const model = JSON.parse(described.stdout) as { ModelPackageVersion: number; ModelApprovalStatus: string; InferenceSpecification: { Containers: { ModelDataUrl: string }[] } };
    expect(model.ModelPackageVersion).toBe(1);
    expect(model.ModelApprovalStatus).toBe('PendingManualApproval');
    const artifacts = (stepOf(first.record, 'TrainModel').properties?.['ModelArtifacts'] as JsonObject)['S3ModelArtifacts'];
    expect(model.InferenceSpecification.Containers[0]?.ModelDataUrl).toBe(artifacts);
  });

  it('the batch transform writes one prediction per test row', async () => {
    const transform = stepOf(first.record, 'TransformTestData');
    expect(transform.status).toBe('Succeeded');
    const input = ((transform.properties?.['TransformInput'] as JsonObject)['DataSource'] as { S3DataSource: { S3Uri: string } }).S3DataSource.S3Uri;
    const output = (transform.properties?.['TransformOutput'] as JsonObject)['S3OutputPath'] as string;
    expect(output).toBe(`s3://sagesim-demo/housing/transform/${first.record.executionId}`);
    const features = await home.objects(`${input}/`);
    const predictions = await home.objects(`${output}/`);
    expect(predictions.length).toBeGreaterThan(0);
    expect(predictions.every((p) => p.uri.endsWith('.out'))).toBe(true);
    const rows = features.reduce((n, f) => n + countLines(f.text), 0);
    expect(rows).toBeGreaterThan(1000);
    expect(predictions.reduce((n, p) => n + countLines(p.text), 0)).toBe(rows);
    // Each prediction is a house value, not an echo of the features.
    const values = predictions.flatMap((p) => p.text.trim().split('\n')).map(Number);
    expect(values.every((v) => Number.isFinite(v) && v > -1 && v < 10)).toBe(true);
  });

  it('ends with a summary a person reads: metrics, evaluation, condition, model, transform output, next commands', () => {
    // With --json the summary goes to stderr, and stdout is only the JSON.
    const summary = first.stderr;
    expect(summary).toMatch(/^Training\n {2}TrainModel +train:rmse = [\d.]+, validation:rmse = [\d.]+$/m);
    expect(summary).toMatch(/^ {2}EvaluateModel \/ EvaluationReport: regression_metrics\.mse\.value = [\d.]+/m);
    expect(summary).toMatch(/^ {2}CheckMseThreshold +True +[\d.]+ <= 0\.5 +\(regression_metrics\.mse\.value <= MseThreshold\)$/m);
    expect(summary).toMatch(/^ {2}RegisterHousingModel-RegisterModel +sagesim-housing version 1, PendingManualApproval$/m);
    expect(summary).toMatch(new RegExp(`^ {2}TransformTestData +s3://sagesim-demo/housing/transform/${first.record.executionId}/ +1 object, `, 'm'));
    expect(summary).toContain(`sagesim show ${first.record.executionId} --home ${home.config.home}`);
    expect(summary).toContain('sagesim models approve sagesim-housing/1');
  });

  it('a second run of the unchanged pipeline takes its job steps from the cache', async () => {
    const second = await home.run(PIPELINE, PARAMETERS);
    timings.push(`cached run ${second.seconds.toFixed(1)}s`);
    expect(second.code, second.stderr).toBe(0);
    for (const name of JOB_STEPS) {
      const step = second.json.PipelineExecutionSteps.find((s) => s.StepName === name);
      expect(step?.CacheHitResult, name).toEqual({ SourcePipelineExecutionArn: first.json.PipelineExecutionArn });
    }
    expect(second.stderr).toMatch(/^TrainModel +Succeeded +\S+ +hit /m);
    // The registration is not cached: the group gets version 2.
    expect(stepOf(second.record, 'RegisterHousingModel-RegisterModel').metadata.RegisterModel?.Arn).toMatch(/sagesim-housing\/2$/);
  });

  it('with MseThreshold 0 the Fail step fails the execution with the measured MSE in its message', async () => {
    const failed = await home.run(PIPELINE, { ...PARAMETERS, MseThreshold: 0 });
    timings.push(`MseThreshold=0 run ${failed.seconds.toFixed(1)}s`);
    expect(failed.code).toBe(1);
    expect(failed.json.PipelineExecutionStatus).toBe('Failed');
    expect(failed.json.FailureReason).toBeTruthy();
    const mse = (stepOf(first.record, 'EvaluateModel').propertyFiles?.['EvaluationReport'] as { regression_metrics: { mse: { value: number } } }).regression_metrics.mse.value;
    const fail = failed.json.PipelineExecutionSteps.find((s) => s.StepName === 'MseAboveThreshold');
    const message = `The model's test MSE ${mse} is above the MseThreshold of 0 - the model was not registered.`;
    expect(fail?.StepStatus).toBe('Failed');
    expect(fail?.FailureReason).toBe(message);
    expect(fail?.Metadata).toEqual({ Fail: { ErrorMessage: message } });
    expect(failed.json.SkippedSteps.map((s) => s.StepName).sort()).toEqual(['HousingModel-CreateModel', 'RegisterHousingModel-RegisterModel', 'TransformTestData']);
    // The summary says why, in full, under the table.
    expect(failed.stderr).toContain(`Failure\n  MseAboveThreshold (Fail):\n    ${message}\n`);
    expect(failed.stderr).toMatch(/^ {2}CheckMseThreshold +False +[\d.]+ <= 0 /m);
  });
});
