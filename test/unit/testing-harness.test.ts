// The `sagesim/testing` harness without Docker: stubs, parameters, fault injection against retry
// policies, property files, S3, selective re-runs and cleanup, as a user's test suite would use it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import { createTestEnvironment, isSagesimError } from '../../src/testing.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');
const ABALONE = path.join(FIXTURES, 'abalone.json');
const CACHING_RETRIES = path.join(FIXTURES, 'caching-retries.json');

const evaluation = (mse: number) => ({ AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: mse } } } } } });

describe('running a pipeline with stubs', () => {
  it('the quality gate rejects a bad model: the Fail step fails the execution with its rendered message', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(ABALONE, { stubs: evaluation(7.5) });
    expect(result.status).toBe('Failed');
    expect(result.failureReason).toBe('Step failure: One or multiple steps failed.');
    expect(result.conditionOutcome('AbaloneMSECond')).toBe(false);
    expect(result.step('AbaloneMSEFail').status).toBe('Failed');
    expect(result.step('AbaloneMSEFail').failureReason).toBe('Execution failed due to MSE > 6');
    expect(result.step('AbaloneRegisterModel-RegisterModel').status).toBe('Skipped');
  });

  it('a good model passes the gate, is registered, and the property file is readable from the step and from S3', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(ABALONE, { stubs: evaluation(2.1) });
    expect(result.status).toBe('Succeeded');
    expect(result.conditionOutcome('AbaloneMSECond')).toBe(true);
    expect(result.step('AbaloneEval').propertyFile('EvaluationReport')).toEqual({ regression_metrics: { mse: { value: 2.1 } } });
    const reportUri = `${result.step('AbaloneEval').property("ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri") as string}/evaluation.json`;
    expect(await env.s3.json(reportUri)).toEqual({ regression_metrics: { mse: { value: 2.1 } } });
    expect(result.step('AbaloneRegisterModel-RegisterModel').property('ModelPackageArn')).toMatch(/model-package\/abalonemodelpackagegroupname\/1$/i);
  });

  it('a parameter reaches the training job', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(ABALONE, { parameters: { TrainingInstanceType: 'ml.c5.2xlarge', MseThreshold: '7.5' }, stubs: evaluation(7) });
    expect(result.step('AbaloneTrain').resolvedArguments).toMatchObject({ ResourceConfig: { InstanceType: 'ml.c5.2xlarge' } });
    expect(result.record.parameters['MseThreshold']).toBe(7.5);
    expect(result.status).toBe('Succeeded');
  });

  it('names the steps when a test asks for one that does not exist', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(ABALONE);
    let error: unknown;
    try {
      result.step('AbaloneEvaluate');
    } catch (e) {
      error = e;
    }
    expect(isSagesimError(error) && error.hint).toContain('steps are: AbaloneProcess, AbaloneTrain, AbaloneEval');
    // Test runners print the message, not `.hint`: the list is in the message too.
    expect((error as Error).message).toContain('steps are: AbaloneProcess, AbaloneTrain, AbaloneEval');
  });
});

describe('fault injection', () => {
  it('a retryable fault on the first attempts is retried by the step policy (no real waiting)', async () => {
    await using env = await createTestEnvironment();
    // The policy waits 1 s, then 2 s: in fake time those waits pass, and no real timer that long
    // is ever set (a wall-clock bound here failed on a loaded machine, and says less).
    const timers = vi.spyOn(globalThis, 'setTimeout');
    let result;
    let delays: number[];
    try {
      result = await env.run(CACHING_RETRIES, { faults: { CachedTrain: { exceptionType: 'SageMaker.CAPACITY_ERROR', times: 2 } } });
    } finally {
      delays = timers.mock.calls.map(([, ms]) => ms ?? 0);
      timers.mockRestore();
    }
    expect(result.step('CachedTrain')).toMatchObject({ status: 'Succeeded', attempts: 3 });
    expect(await result.step('CachedTrain').log()).toContain('failing attempt 2');
    const train = result.record.steps.find((s) => s.stepName === 'CachedTrain');
    expect(Date.parse(train?.endTime ?? '') - Date.parse(train?.startTime ?? '')).toBeGreaterThanOrEqual(3000);
    expect(delays.filter((ms) => ms >= 1000)).toEqual([]);
  });

  it('gives up after MaxAttempts with the fault as the failure reason', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(CACHING_RETRIES, { faults: { CachedTrain: { exceptionType: 'SageMaker.JOB_INTERNAL_ERROR', reason: 'InternalServerError: capacity', times: 9 } } });
    // MaxAttempts counts retries: the first attempt plus three.
    expect(result.step('CachedTrain')).toMatchObject({ status: 'Failed', attempts: 4, failureReason: 'InternalServerError: capacity' });
    expect(result.status).toBe('Failed');
  });

  it('a fault without an exception type is a user-code failure: never retried', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(CACHING_RETRIES, { faults: { CachedTrain: { times: 1 } } });
    expect(result.step('CachedTrain')).toMatchObject({ status: 'Failed', attempts: 1 });
  });

  it('an exception type no policy lists is not retried either', async () => {
    await using env = await createTestEnvironment();
    const result = await env.run(CACHING_RETRIES, { faults: { CachedTrain: { exceptionType: 'Step.THROTTLING', times: 1 } } });
    expect(result.step('CachedTrain')).toMatchObject({ status: 'Failed', attempts: 1 });
  });

  it('refuses a fault on a step the pipeline does not have', async () => {
    await using env = await createTestEnvironment();
    await expect(env.run(ABALONE, { stubAll: false, stubs: {}, faults: { Nope: {} } })).rejects.toMatchObject({
      code: 'TEST_UNKNOWN_STEP',
      message: expect.stringContaining('steps are: AbaloneProcess'),
    });
  });
});

describe('re-running from a step', () => {
  it('re-runs the failed evaluation on the earlier results of preprocessing and training', async () => {
    await using env = await createTestEnvironment();
    const broken = await env.run(ABALONE, { stubs: { AbaloneEval: { fail: { reason: 'evaluate.py: SyntaxError' } } } });
    expect(broken.step('AbaloneEval').status).toBe('Failed');
    const fixed = await env.run(ABALONE, {
      from: broken,
      steps: ['AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel-RegisterModel', 'AbaloneCreateModel-CreateModel', 'AbaloneTransform', 'AbaloneMSEFail'],
      stubs: evaluation(1.5),
    });
    expect(fixed.status).toBe('Succeeded');
    expect(fixed.step('AbaloneTrain')).toMatchObject({ reused: true, properties: broken.step('AbaloneTrain').properties });
    expect(fixed.step('AbaloneEval').reused).toBe(false);
    expect((await env.executions()).map((e) => e.executionId)).toEqual([fixed.executionId, broken.executionId]);
  });
});

describe('inline definitions and cleanup', () => {
  it('runs a definition object and removes its temporary home on dispose', async () => {
    const env = await createTestEnvironment();
    const definition: PipelineDefinition = {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [{ Name: 'Gate', Type: 'Integer', DefaultValue: 1 }],
      PipelineExperimentConfig: null,
      Steps: [
        {
          Name: 'Gate',
          Type: 'Condition',
          Arguments: {
            Conditions: [{ Type: 'Equals', LeftValue: { Get: 'Parameters.Gate' }, RightValue: 1 }],
            IfSteps: [],
            ElseSteps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['gate was', { Get: 'Parameters.Gate' }] } } } }],
          },
        },
      ],
    };
    const result = await env.run(definition, { parameters: { Gate: 2 } });
    expect(result.step('Stop').failureReason).toBe('gate was 2');
    expect(existsSync(env.home)).toBe(true);
    await env.dispose();
    expect(existsSync(env.home)).toBe(false);
    await env.dispose();
  });

  it('keeps a home it was given', async () => {
    const outer = await createTestEnvironment();
    const home = path.join(outer.home, 'given');
    {
      await using env = await createTestEnvironment({ home });
      await env.run(ABALONE);
    }
    expect(existsSync(path.join(home, 'executions'))).toBe(true);
    await outer.dispose();
  });
});
