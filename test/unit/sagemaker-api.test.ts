// The SageMaker API emulator over HTTP, against an in-memory engine: routing, error shapes,
// validation, pagination, and what each operation hands the engine.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/engine/execution-record.js';
import { ACCOUNT, type ApiFixture, ROLE, TOKEN, definition, startApi } from './sagemaker-api-fakes.js';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

async function createPipeline(name = 'my-pipeline', extra: Record<string, unknown> = {}): Promise<string> {
  const created = await api.call('CreatePipeline', { PipelineName: name, PipelineDefinition: definition(), RoleArn: ROLE, ClientRequestToken: TOKEN, ...extra });
  expect(created.status).toBe(200);
  return created.body['PipelineArn'] as string;
}

async function startExecution(body: Record<string, unknown> = {}): Promise<string> {
  const started = await api.call('StartPipelineExecution', { PipelineName: 'my-pipeline', ClientRequestToken: `${TOKEN}${Math.random()}`, ...body });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return started.body['PipelineExecutionArn'] as string;
}

function step(name: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return { stepName: name, stepType: 'Training', status: 'Succeeded', attemptCount: 1, metadata: {}, ...overrides };
}

describe('pipelines', () => {
  it('CreatePipeline then DescribePipeline returns the definition byte for byte, with epoch-second timestamps', async () => {
    const text = definition();
    const created = await api.call('CreatePipeline', { PipelineName: 'my-pipeline', PipelineDefinition: text, RoleArn: ROLE, ClientRequestToken: TOKEN });
    expect(created.body).toEqual({ PipelineArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/my-pipeline` });

    const described = await api.call('DescribePipeline', { PipelineName: 'my-pipeline' });
    expect(described.status).toBe(200);
    expect(described.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(described.body).toMatchObject({ PipelineName: 'my-pipeline', PipelineDefinition: text, RoleArn: ROLE, PipelineStatus: 'Active', PipelineVersionId: 1 });
    expect(typeof described.body['CreationTime']).toBe('number');
    expect(described.body['CreationTime']).toBeCloseTo(Date.parse('2024-05-01T10:00:01.000Z') / 1000, 3);
  });

  it('CreatePipeline of an existing name fails with the text the SDK upsert() looks for', async () => {
    await createPipeline();
    const again = await api.call('CreatePipeline', { PipelineName: 'my-pipeline', PipelineDefinition: definition(), RoleArn: ROLE, ClientRequestToken: TOKEN });
    expect(again.status).toBe(400);
    expect(again.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(again.body['__type']).toBe('ValidationException');
    expect(again.body['message']).toContain('Pipeline names must be unique within');
    expect(again.body['message']).toContain('(my-pipeline) already exists');
  });

  it('UpdatePipeline replaces the definition and bumps the version; ParallelismConfiguration is kept', async () => {
    await createPipeline('my-pipeline', { ParallelismConfiguration: { MaxParallelExecutionSteps: 3 } });
    const text = definition({ Steps: [{ Name: 'Only', Type: 'Processing', Arguments: {} }] as never });
    const updated = await api.call('UpdatePipeline', { PipelineName: 'my-pipeline', PipelineDefinition: text });
    expect(updated.body).toMatchObject({ PipelineVersionId: 2 });
    const described = await api.call('DescribePipeline', { PipelineName: 'my-pipeline' });
    expect(described.body).toMatchObject({ PipelineDefinition: text, ParallelismConfiguration: { MaxParallelExecutionSteps: 3 } });
  });

  it('an unknown pipeline is ResourceNotFound, with Message filled for the SDKs', async () => {
    for (const operation of ['DescribePipeline', 'UpdatePipeline', 'StartPipelineExecution', 'ListPipelineExecutions']) {
      const response = await api.call(operation, { PipelineName: 'nope', ClientRequestToken: TOKEN });
      expect(response.status, operation).toBe(400);
      expect(response.body, operation).toMatchObject({ __type: 'ResourceNotFound', Message: expect.stringContaining('pipeline/nope') });
    }
  });

  it('DeletePipeline removes it', async () => {
    await createPipeline();
    expect((await api.call('DeletePipeline', { PipelineName: 'my-pipeline', ClientRequestToken: TOKEN })).status).toBe(200);
    expect((await api.call('DescribePipeline', { PipelineName: 'my-pipeline' })).body['__type']).toBe('ResourceNotFound');
  });

  it('ListPipelines filters by prefix, sorts and pages with NextToken', async () => {
    for (const name of ['alpha-1', 'alpha-2', 'alpha-3', 'beta']) await createPipeline(name);
    const first = await api.call('ListPipelines', { PipelineNamePrefix: 'alpha', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 2 });
    expect((first.body['PipelineSummaries'] as { PipelineName: string }[]).map((p) => p.PipelineName)).toEqual(['alpha-1', 'alpha-2']);
    expect(first.body['NextToken']).toEqual(expect.any(String));
    const second = await api.call('ListPipelines', { PipelineNamePrefix: 'alpha', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 2, NextToken: first.body['NextToken'] });
    expect((second.body['PipelineSummaries'] as { PipelineName: string }[]).map((p) => p.PipelineName)).toEqual(['alpha-3']);
    expect(second.body['NextToken']).toBeUndefined();
  });

  it('a NextToken from another listing, or garbage, is a ValidationException', async () => {
    for (const name of ['alpha-1', 'alpha-2']) await createPipeline(name);
    const first = await api.call('ListPipelines', { MaxResults: 1 });
    const misused = await api.call('ListPipelines', { MaxResults: 1, PipelineNamePrefix: 'beta', NextToken: first.body['NextToken'] });
    expect(misused.body).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('Invalid pagination token') });
    expect((await api.call('ListPipelines', { NextToken: 'garbage' })).body['__type']).toBe('ValidationException');
  });
});

describe('bad requests', () => {
  it('reports every violated constraint at once, in the cloud wording', async () => {
    const response = await api.call('CreatePipeline', { PipelineName: 'bad name!', PipelineDefinition: definition(), ClientRequestToken: TOKEN });
    expect(response.body['__type']).toBe('ValidationException');
    const message = response.body['message'] as string;
    expect(message).toMatch(/^2 validation errors detected: /);
    expect(message).toContain("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    expect(message).toContain("Value 'bad name!' at 'pipelineName' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });

  it('an unknown operation is UnknownOperationException, and the server keeps serving', async () => {
    const response = await api.call('CreateTrainingJobz', {});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('CreateTrainingJobz') });
    expect((await api.call('ListPipelines', {})).status).toBe(200);
  });

  it('a body that is not JSON is a SerializationException', async () => {
    const response = await api.call('ListPipelines', '{not json');
    expect(response.body['__type']).toBe('SerializationException');
  });

  it('a member of the wrong JSON type is a SerializationException naming it', async () => {
    const response = await api.call('ListPipelines', { MaxResults: 'ten' });
    expect(response.body).toMatchObject({ __type: 'SerializationException', message: expect.stringContaining('maxResults') });
  });

  it('a malformed definition is a ValidationException with the JSON path of the problem', async () => {
    const response = await api.call('CreatePipeline', {
      PipelineName: 'p',
      PipelineDefinition: JSON.stringify({ Version: '2019-01-01', Steps: [] }),
      RoleArn: ROLE,
      ClientRequestToken: TOKEN,
    });
    expect(response.body).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('$.Version') });
    expect((await api.call('DescribePipeline', { PipelineName: 'p' })).body['__type']).toBe('ResourceNotFound');
  });
});

describe('executions', () => {
  it('StartPipelineExecution converts parameters to their declared types and passes parallelism on', async () => {
    await createPipeline('my-pipeline', { ParallelismConfiguration: { MaxParallelExecutionSteps: 4 } });
    await startExecution({ PipelineParameters: [{ Name: 'InstanceCount', Value: '3' }, { Name: 'Mode', Value: 'slow' }] });
    await startExecution({ ParallelismConfiguration: { MaxParallelExecutionSteps: 2 } });
    expect(api.engine.starts[0]).toMatchObject({ parameters: { InstanceCount: 3, Threshold: 0.5, Mode: 'slow' }, maxParallel: 4 });
    expect(api.engine.starts[1]).toMatchObject({ maxParallel: 2 });
  });

  it.each([
    ['an Integer given text', [{ Name: 'InstanceCount', Value: 'three' }], /InstanceCount.*not an Integer/],
    ['a value outside EnumValues', [{ Name: 'Mode', Value: 'medium' }], /Mode.*EnumValues/],
    ['an undeclared parameter', [{ Name: 'Nope', Value: '1' }], /unknown parameter "Nope"/],
  ])('wrong parameters (%s) are a ValidationException that says which', async (_label, parameters, pattern) => {
    await createPipeline();
    const response = await api.call('StartPipelineExecution', { PipelineName: 'my-pipeline', ClientRequestToken: TOKEN, PipelineParameters: parameters });
    expect(response.body['__type']).toBe('ValidationException');
    expect(response.body['message']).toMatch(pattern);
    expect(api.engine.starts).toHaveLength(0);
  });

  it('a repeated ClientRequestToken starts nothing twice', async () => {
    await createPipeline();
    const first = await api.call('StartPipelineExecution', { PipelineName: 'my-pipeline', ClientRequestToken: TOKEN });
    const second = await api.call('StartPipelineExecution', { PipelineName: 'my-pipeline', ClientRequestToken: TOKEN });
    expect(second.body['PipelineExecutionArn']).toBe(first.body['PipelineExecutionArn']);
    expect(api.engine.starts).toHaveLength(1);
  });

  it('DescribePipelineExecution, parameters and definition of an execution', async () => {
    await createPipeline();
    const arn = await startExecution({ PipelineExecutionDescription: 'nightly', PipelineExecutionDisplayName: 'run-1' });
    const described = await api.call('DescribePipelineExecution', { PipelineExecutionArn: arn });
    expect(described.body).toMatchObject({
      PipelineExecutionArn: arn,
      PipelineExecutionStatus: 'Executing',
      PipelineExecutionDescription: 'nightly',
      PipelineExecutionDisplayName: 'run-1',
      PipelineExperimentConfig: { ExperimentName: 'my-pipeline', TrialName: arn.split('/').pop() },
    });
    const parameters = await api.call('ListPipelineParametersForExecution', { PipelineExecutionArn: arn });
    expect(parameters.body['PipelineParameters']).toEqual([
      { Name: 'InstanceCount', Value: '1' },
      { Name: 'Threshold', Value: '0.5' },
      { Name: 'Mode', Value: 'fast' },
    ]);
    const text = await api.call('DescribePipelineDefinitionForExecution', { PipelineExecutionArn: arn });
    expect(text.body['PipelineDefinition']).toBe(definition());
    const listed = await api.call('ListPipelineExecutions', { PipelineName: 'my-pipeline' });
    expect(listed.body['PipelineExecutionSummaries']).toEqual([expect.objectContaining({ PipelineExecutionArn: arn, PipelineExecutionStatus: 'Executing' })]);
  });

  it('ListPipelineParametersForExecution echoes values exactly as StartPipelineExecution was given them', async () => {
    await createPipeline();
    const arn = await startExecution({ PipelineParameters: [{ Name: 'Threshold', Value: '1.0' }, { Name: 'InstanceCount', Value: '02' }] });
    const parameters = await api.call('ListPipelineParametersForExecution', { PipelineExecutionArn: arn });
    expect(parameters.body['PipelineParameters']).toEqual([
      { Name: 'InstanceCount', Value: '02' },
      { Name: 'Threshold', Value: '1.0' },
      { Name: 'Mode', Value: 'fast' },
    ]);
    expect(api.engine.starts.at(-1)?.parameters).toMatchObject({ InstanceCount: 2, Threshold: 1 });
  });

  it('ListPipelineExecutionSteps leaves out steps that never ran, newest first, in pages', async () => {
    await createPipeline();
    const arn = await startExecution();
    api.engine.update(arn, {
      steps: [
        step('Prepare', { stepType: 'Processing', startTime: '2024-05-01T10:00:10.000Z', endTime: '2024-05-01T10:00:20.000Z', metadata: { ProcessingJob: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:processing-job/p' } } }),
        step('Check', { stepType: 'Condition', startTime: '2024-05-01T10:00:21.000Z', metadata: { Condition: { Outcome: 'False' } } }),
        step('Register', { stepType: 'RegisterModel', status: 'Skipped' }),
      ],
    });
    const first = await api.call('ListPipelineExecutionSteps', { PipelineExecutionArn: arn, MaxResults: 1 });
    expect(first.body['PipelineExecutionSteps']).toEqual([
      expect.objectContaining({ StepName: 'Check', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'False' } }, AttemptCount: 1 }),
    ]);
    const second = await api.call('ListPipelineExecutionSteps', { PipelineExecutionArn: arn, MaxResults: 1, NextToken: first.body['NextToken'] });
    const prepare = (second.body['PipelineExecutionSteps'] as Record<string, unknown>[])[0];
    expect(prepare).toMatchObject({ StepName: 'Prepare', StartTime: Date.parse('2024-05-01T10:00:10.000Z') / 1000 });
    expect(second.body['NextToken']).toBeUndefined();
  });

  it('StopPipelineExecution stops a running execution and refuses a finished one', async () => {
    await createPipeline();
    const arn = await startExecution();
    expect((await api.call('StopPipelineExecution', { PipelineExecutionArn: arn, ClientRequestToken: TOKEN })).status).toBe(200);
    expect(api.engine.stops).toEqual([arn]);
    api.engine.update(arn, { status: 'Succeeded' });
    const refused = await api.call('StopPipelineExecution', { PipelineExecutionArn: arn, ClientRequestToken: TOKEN });
    expect(refused.body).toMatchObject({ __type: 'ConflictException', message: expect.stringContaining('Succeeded') });
  });

  it('RetryPipelineExecution retries failed executions only', async () => {
    await createPipeline();
    const arn = await startExecution();
    expect((await api.call('RetryPipelineExecution', { PipelineExecutionArn: arn, ClientRequestToken: TOKEN })).body['__type']).toBe('ConflictException');
    api.engine.update(arn, { status: 'Failed', failureReason: 'boom' });
    const retried = await api.call('RetryPipelineExecution', { PipelineExecutionArn: arn, ClientRequestToken: `${TOKEN}b` });
    expect(retried.body).toEqual({ PipelineExecutionArn: arn });
    expect(api.engine.retries).toEqual([arn]);
  });

  it('SelectiveExecutionConfig is checked against the source execution and the definition', async () => {
    await createPipeline();
    const source = await startExecution();
    const running = await api.call('StartPipelineExecution', {
      PipelineName: 'my-pipeline',
      ClientRequestToken: TOKEN,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'Train' }] },
    });
    expect(running.body['message']).toMatch(/is Executing; a selective execution takes its results from one that Succeeded or Failed/);
    api.engine.update(source, { status: 'Succeeded', steps: [step('Prepare', { status: 'Succeeded' })] });
    const unknown = await api.call('StartPipelineExecution', {
      PipelineName: 'my-pipeline',
      ClientRequestToken: TOKEN,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'Trian' }] },
    });
    expect(unknown.body['message']).toMatch(/the pipeline has no step Trian/);
    await startExecution({ SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'Train' }] } });
    expect(api.engine.starts.at(-1)?.selective).toEqual({ sourceExecutionArn: source, selectedSteps: ['Train'] });
  });

  it('SendPipelineExecutionStepSuccess hands the waiting Callback step its outputs', async () => {
    await createPipeline();
    const arn = await startExecution();
    api.engine.update(arn, { steps: [step('Wait', { stepType: 'Callback', status: 'Executing', metadata: { Callback: { CallbackToken: 'AbCdE12345' } } })] });
    const sent = await api.call('SendPipelineExecutionStepSuccess', { CallbackToken: 'AbCdE12345', OutputParameters: [{ Name: 'approved', Value: 'yes' }] });
    expect(sent.body).toEqual({ PipelineExecutionArn: arn });
    expect(api.engine.callbacks).toEqual([{ token: 'AbCdE12345', outcome: { kind: 'success', outputParameters: { approved: 'yes' } } }]);
    const unknown = await api.call('SendPipelineExecutionStepFailure', { CallbackToken: 'ZZZZZ12345', FailureReason: 'no' });
    expect(unknown.body['__type']).toBe('ResourceNotFound');
  });
});

describe('jobs and models', () => {
  it('DescribeTrainingJob finds the job a step ran, with its current status', async () => {
    await createPipeline();
    const arn = await startExecution();
    const jobName = 'pipelines-exec00000001-Train-AbCdEfGhIj';
    api.engine.update(arn, {
      steps: [
        step('Train', {
          status: 'Executing',
          startTime: '2024-05-01T10:01:00.000Z',
          metadata: { TrainingJob: { Arn: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${jobName.toLowerCase()}` } },
        }),
      ],
    });
    const running = await api.call('DescribeTrainingJob', { TrainingJobName: jobName });
    expect(running.body).toMatchObject({ TrainingJobName: jobName.toLowerCase(), TrainingJobStatus: 'InProgress', CreationTime: Date.parse('2024-05-01T10:01:00.000Z') / 1000 });

    api.engine.update(arn, {
      steps: [
        step('Train', {
          metadata: { TrainingJob: { Arn: `arn:aws:sagemaker:us-east-1:111122223333:training-job/${jobName.toLowerCase()}` } },
          properties: { TrainingJobName: jobName, ModelArtifacts: { S3ModelArtifacts: 's3://b/model.tar.gz' }, HyperParameters: { StartTime: '2024' }, TrainingStartTime: '2024-05-01T10:01:05.000Z' },
        }),
      ],
    });
    const done = await api.call('DescribeTrainingJob', { TrainingJobName: jobName });
    expect(done.body).toMatchObject({
      TrainingJobName: jobName,
      TrainingJobStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: 's3://b/model.tar.gz' },
      // A hyperparameter that happens to be named like a timestamp member stays a string.
      HyperParameters: { StartTime: '2024' },
      TrainingStartTime: Date.parse('2024-05-01T10:01:05.000Z') / 1000,
    });
    expect((await api.call('DescribeTrainingJob', { TrainingJobName: 'missing' })).body['__type']).toBe('ValidationException');
  });

  it('DescribeModel answers models that Model steps created', async () => {
    expect((await api.call('DescribeModel', { ModelName: 'known-model' })).body).toMatchObject({ ModelName: 'known-model', CreationTime: expect.any(Number) });
    expect((await api.call('DescribeModel', { ModelName: 'other' })).body).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('Could not find model') });
  });

  it('model package groups and packages: create, list, approve', async () => {
    const created = await api.call('CreateModelPackageGroup', { ModelPackageGroupName: 'housing' });
    expect(created.body).toEqual({ ModelPackageGroupArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/housing` });
    const again = await api.call('CreateModelPackageGroup', { ModelPackageGroupName: 'housing' });
    expect(again.body).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('already exists') });

    const registered = await api.registry.createModelPackage({ ModelPackageGroupName: 'housing', ModelApprovalStatus: 'PendingManualApproval' });
    const listed = await api.call('ListModelPackages', { ModelPackageGroupName: 'housing', ModelApprovalStatus: 'PendingManualApproval' });
    expect(listed.body['ModelPackageSummaryList']).toEqual([expect.objectContaining({ ModelPackageArn: registered.ModelPackageArn, CreationTime: expect.any(Number) })]);

    const approved = await api.call('UpdateModelPackage', { ModelPackageArn: registered.ModelPackageArn, ModelApprovalStatus: 'Approved' });
    expect(approved.body).toEqual({ ModelPackageArn: registered.ModelPackageArn });
    const described = await api.call('DescribeModelPackage', { ModelPackageName: registered.ModelPackageArn });
    expect(described.body).toMatchObject({ ModelApprovalStatus: 'Approved', ModelPackageVersion: 1 });
    const bad = await api.call('UpdateModelPackage', { ModelPackageArn: registered.ModelPackageArn, ModelApprovalStatus: 'Maybe' });
    expect(bad.body['message']).toContain('Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]');
  });
});
