// Callback steps behind `sagesim serve`: a step waits until a client answers with
// SendPipelineExecutionStepSuccess/Failure; a waiting execution can be stopped through the API,
// and by Ctrl-C in a `run --no-mock` that follows it.
import { EventEmitter } from 'node:events';
import {
  ConflictException,
  CreatePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  type PipelineExecutionStep,
  ResourceNotFound,
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
  SendPipelineExecutionStepSuccessCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { CALLBACK_FILE, CALLBACK_STEP, CALLBACK_STUBS, ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';
import { readFileSync } from 'node:fs';
import { watchedOutput } from './support/watched-output.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Callback steps through sagesim serve', { timeout: 120_000 }, () => {
  let fixture: ServeFixture;
  let client: SageMakerClient;

  beforeAll(async () => {
    fixture = await startTestServe({ stubs: CALLBACK_STUBS, callbacks: true });
    client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await client.send(new CreatePipelineCommand({ PipelineName: 'approval', PipelineDefinition: readFileSync(CALLBACK_FILE, 'utf8'), RoleArn: ROLE_ARN }));
  });
  afterAll(async () => {
    client?.destroy();
    await fixture?.close();
  });

  // A client polls, as a SageMaker client would; the deadline only turns a hang into a clear
  // failure before the test's own timeout (200 polls of 50 ms ran out on a loaded machine).
  const POLL_DEADLINE_MS = 90_000;

  async function waitingCallback(arn: string): Promise<PipelineExecutionStep> {
    for (const deadline = Date.now() + POLL_DEADLINE_MS; Date.now() < deadline; ) {
      const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
      const step = steps.find((s) => s.StepName === CALLBACK_STEP);
      if (step?.StepStatus === 'Executing' && step.Metadata?.Callback?.CallbackToken) return step;
      await sleep(50);
    }
    throw new Error('the Callback step never waited');
  }

  async function finalStatus(arn: string): Promise<string> {
    for (const deadline = Date.now() + POLL_DEADLINE_MS; Date.now() < deadline; ) {
      const status = (await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }))).PipelineExecutionStatus as string;
      if (status !== 'Executing' && status !== 'Stopping') return status;
      await sleep(50);
    }
    throw new Error(`execution ${arn} did not end`);
  }

  it('SendPipelineExecutionStepSuccess lets the waiting step succeed with its output parameters', async () => {
    const arn = (await client.send(new StartPipelineExecutionCommand({ PipelineName: 'approval' }))).PipelineExecutionArn as string;
    const step = await waitingCallback(arn);
    const token = step.Metadata?.Callback?.CallbackToken as string;
    expect(token).toMatch(/^[A-Za-z0-9]{10}$/);
    const sent = await client.send(
      new SendPipelineExecutionStepSuccessCommand({ CallbackToken: token, OutputParameters: [{ Name: 'approved', Value: 'true' }, { Name: 'reviewer', Value: 'ana' }] }),
    );
    expect(sent.PipelineExecutionArn).toBe(arn);
    expect(await finalStatus(arn)).toBe('Succeeded');
    const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
    expect(steps.find((s) => s.StepName === 'IsDataApproved')?.Metadata?.Condition?.Outcome).toBe('True');
    // Answered once only.
    await expect(client.send(new SendPipelineExecutionStepSuccessCommand({ CallbackToken: token }))).rejects.toSatisfy(
      (error: unknown) => error instanceof ConflictException || error instanceof ResourceNotFound,
    );
  });

  it('SendPipelineExecutionStepFailure fails the step with the reason given', async () => {
    const arn = (await client.send(new StartPipelineExecutionCommand({ PipelineName: 'approval' }))).PipelineExecutionArn as string;
    const token = (await waitingCallback(arn)).Metadata?.Callback?.CallbackToken as string;
    await client.send(new SendPipelineExecutionStepFailureCommand({ CallbackToken: token, FailureReason: 'data rejected by ana' }));
    expect(await finalStatus(arn)).toBe('Failed');
    const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];
    expect(steps.find((s) => s.StepName === CALLBACK_STEP)).toMatchObject({ StepStatus: 'Failed', FailureReason: expect.stringContaining('data rejected by ana') });
  });

  it('StopPipelineExecution stops an execution waiting for a callback', async () => {
    const arn = (await client.send(new StartPipelineExecutionCommand({ PipelineName: 'approval' }))).PipelineExecutionArn as string;
    await waitingCallback(arn);
    await client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(await finalStatus(arn)).toBe('Stopped');
    await expect(client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn }))).rejects.toBeInstanceOf(ConflictException);
  });

  it('Ctrl-C in a non-interactive run --no-mock stops the remote execution and exits 1', async () => {
    const signals = new EventEmitter();
    const stdout = watchedOutput();
    const stderr = watchedOutput();
    const exit = runCli(['run', CALLBACK_FILE, '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--pipeline-name', 'approval'], {
      stdout,
      stderr,
      env: {},
      cwd: process.cwd(),
      signals: signals as never,
    });
    // Waits for the line itself: a 5 s polling budget ran out on a loaded machine.
    const arn = (await stderr.until(/started (arn:\S+)/, exit))[1] as string;
    await waitingCallback(arn);
    signals.emit('SIGINT');
    expect(await exit).toBe(1);
    expect(stderr.text()).toContain(`stopping ${arn}`);
    expect(stdout.text()).toMatch(/execution [a-z0-9]{12} Stopped/);
    expect((await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }))).PipelineExecutionStatus).toBe('Stopped');
  });
});
