// `sagesim serve` driven by @aws-sdk/client-sagemaker exactly as an application would drive the
// cloud: endpoint override and dummy credentials, nothing else changed.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreatePipelineCommand,
  DescribeModelPackageCommand,
  DescribePipelineExecutionCommand,
  DescribeTrainingJobCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ResourceNotFound,
  RetryPipelineExecutionCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  UpdateModelPackageCommand,
  UpdatePipelineCommand,
  paginateListPipelineExecutionSteps,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { ABALONE_GROUP, ABALONE_REGISTER_STEP, ABALONE_TRAIN_STEP, ROLE_ARN, type ServeFixture, abaloneDefinition, startTestServe } from './serve-helpers.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe('sagesim serve with @aws-sdk/client-sagemaker', { timeout: 60_000 }, () => {
  let fixture: ServeFixture;
  let client: SageMakerClient;

  beforeAll(async () => {
    fixture = await startTestServe();
    client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client?.destroy();
    await fixture?.close();
  });

  // A client polls, as a SageMaker client would; the deadline (under the test's 60 s) only turns a
  // hang into a clear failure. A count of 200 polls ran out on a loaded machine.
  async function waitForEnd(arn: string): Promise<string> {
    for (const deadline = Date.now() + 50_000; Date.now() < deadline; ) {
      const described = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
      if (described.PipelineExecutionStatus !== 'Executing' && described.PipelineExecutionStatus !== 'Stopping') return described.PipelineExecutionStatus ?? '';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`execution ${arn} did not finish`);
  }

  it('creates, starts, polls, lists steps, describes the training job and approves the model package', async () => {
    const created = await client.send(new CreatePipelineCommand({ PipelineName: 'abalone', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE_ARN }));
    expect(created.PipelineArn).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone');

    const started = await client.send(
      new StartPipelineExecutionCommand({ PipelineName: 'abalone', PipelineParameters: [{ Name: 'MseThreshold', Value: '7.5' }], ParallelismConfiguration: { MaxParallelExecutionSteps: 2 } }),
    );
    const arn = started.PipelineExecutionArn as string;
    expect(arn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:pipeline\/abalone\/execution\/[a-z0-9]{12}$/);
    expect(await waitForEnd(arn)).toBe('Succeeded');

    const described = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.ParallelismConfiguration).toEqual({ MaxParallelExecutionSteps: 2 });

    const steps = [];
    for await (const page of paginateListPipelineExecutionSteps({ client, pageSize: 2 }, { PipelineExecutionArn: arn })) steps.push(...(page.PipelineExecutionSteps ?? []));
    const byName = new Map(steps.map((step) => [step.StepName, step]));
    expect(byName.get('AbaloneMSECond')?.Metadata?.Condition?.Outcome).toBe('True');
    expect(byName.has('AbaloneMSEFail')).toBe(false);
    const training = byName.get(ABALONE_TRAIN_STEP);
    expect(training?.StepStatus).toBe('Succeeded');
    const trainingJobName = (training?.Metadata?.TrainingJob?.Arn ?? '').split('/').pop() as string;
    const job = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName }));
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(job.ModelArtifacts?.S3ModelArtifacts).toMatch(/^s3:\/\//);

    const packageArn = byName.get(ABALONE_REGISTER_STEP)?.Metadata?.RegisterModel?.Arn as string;
    const listed = await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: ABALONE_GROUP, ModelApprovalStatus: 'PendingManualApproval' }));
    expect(listed.ModelPackageSummaryList?.map((p) => p.ModelPackageArn)).toEqual([packageArn]);
    await client.send(new UpdateModelPackageCommand({ ModelPackageArn: packageArn, ModelApprovalStatus: 'Approved' }));
    const approved = await client.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
    expect(approved.ModelApprovalStatus).toBe('Approved');

    // The execution is in the same store as CLI runs, where `sagesim ls` finds it.
    const stored = await new FileExecutionStore({ home: fixture.home }).find(arn);
    expect(stored.status).toBe('Succeeded');
    const executions = await client.send(new ListPipelineExecutionsCommand({ PipelineName: 'abalone' }));
    expect(executions.PipelineExecutionSummaries?.[0]?.PipelineExecutionArn).toBe(arn);
  });

  it('answers bad requests with the cloud error codes and keeps serving', async () => {
    await expect(client.send(new StartPipelineExecutionCommand({ PipelineName: 'missing' }))).rejects.toBeInstanceOf(ResourceNotFound);
    await expect(
      client.send(new CreatePipelineCommand({ PipelineName: 'broken', PipelineDefinition: '{"Version": "2020-12-01", "Steps": [', RoleArn: ROLE_ARN })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Invalid pipeline definition') });

    await client.send(new CreatePipelineCommand({ PipelineName: 'typed', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE_ARN }));
    await expect(
      client.send(new StartPipelineExecutionCommand({ PipelineName: 'typed', PipelineParameters: [{ Name: 'ProcessingInstanceCount', Value: 'two' }] })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/ProcessingInstanceCount.*not an Integer/) });
    await expect(
      client.send(new CreatePipelineCommand({ PipelineName: 'typed', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE_ARN })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Pipeline names must be unique within') });
    expect((await client.send(new UpdatePipelineCommand({ PipelineName: 'typed', PipelineDescription: 'v2' }))).PipelineVersionId).toBe(2);

    const unknown = await fetch(`${fixture.serve.endpoint}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'SageMaker.DoSomethingElse' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    await expect(client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/typed/execution/nope' }))).rejects.toBeInstanceOf(
      ResourceNotFound,
    );
    // Still up.
    expect((await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: (await startAndWait('typed')) }))).PipelineExecutionSteps?.length).toBeGreaterThan(0);
  });

  it('serves S3 on the same port', async () => {
    const s3 = new S3Client({ endpoint: fixture.serve.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: 'data/train.csv', Body: 'a,b\n1,2\n' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: 'data/train.csv' }));
      expect(await got.Body?.transformToString()).toBe('a,b\n1,2\n');
    } finally {
      s3.destroy();
    }
  });

  it('SelectiveExecutionConfig reruns the selected steps and reuses the rest from the source execution', async () => {
    await client.send(new CreatePipelineCommand({ PipelineName: 'selective', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE_ARN }));
    const source = await startAndWait('selective');
    const started = await client.send(
      new StartPipelineExecutionCommand({
        PipelineName: 'selective',
        SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'AbaloneEval' }, { StepName: 'AbaloneMSECond' }] },
      }),
    );
    const arn = started.PipelineExecutionArn as string;
    expect(await waitForEnd(arn)).toBe('Succeeded');
    const described = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(described.SelectiveExecutionConfig).toEqual({ SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'AbaloneEval' }, { StepName: 'AbaloneMSECond' }] });
    const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
    const byName = new Map(steps.map((step) => [step.StepName, step]));
    expect(byName.get('AbaloneTrain')?.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: source });
    expect(byName.get('AbaloneEval')?.StepStatus).toBe('Succeeded');
    expect(byName.get('AbaloneEval')?.SelectiveExecutionResult).toBeUndefined();
  });

  it('RetryPipelineExecution runs a failed execution again in place, keeping what succeeded', async () => {
    await client.send(new CreatePipelineCommand({ PipelineName: 'retried', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE_ARN }));
    // MSE 3.2 above a threshold of 1: the Fail step fails the execution.
    const started = await client.send(new StartPipelineExecutionCommand({ PipelineName: 'retried', PipelineParameters: [{ Name: 'MseThreshold', Value: '1' }] }));
    const arn = started.PipelineExecutionArn as string;
    expect(await waitForEnd(arn)).toBe('Failed');
    const before = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
    expect(before.find((s) => s.StepName === 'AbaloneMSEFail')?.StepStatus).toBe('Failed');

    const retried = await client.send(new RetryPipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(retried.PipelineExecutionArn).toBe(arn);
    expect(await waitForEnd(arn)).toBe('Failed');
    const after = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
    const train = (list: typeof after) => list.find((s) => s.StepName === ABALONE_TRAIN_STEP);
    // The training job is the one of the first attempt: reused, not run again.
    expect(train(after)?.Metadata?.TrainingJob?.Arn).toBe(train(before)?.Metadata?.TrainingJob?.Arn);
  });

  async function startAndWait(name: string): Promise<string> {
    const started = await client.send(new StartPipelineExecutionCommand({ PipelineName: name }));
    await waitForEnd(started.PipelineExecutionArn as string);
    return started.PipelineExecutionArn as string;
  }
});
