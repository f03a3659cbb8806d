// The AWS account in every ARN `serve` answers is the pipeline role's account, as in the cloud,
// not a fixed one: the pipeline, its executions and the jobs its steps start.
import {
  CreatePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABALONE_REGISTER_STEP, ABALONE_STUBS, type ServeFixture, abaloneDefinition, startTestServe } from './serve-helpers.js';

const ACCOUNT = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole`;

describe('sagesim serve: ARNs in the pipeline role\'s account', { timeout: 60_000 }, () => {
  let fixture: ServeFixture;
  let client: SageMakerClient;

  beforeAll(async () => {
    // Job steps stubbed; the RegisterModel step registers for real in the model registry.
    fixture = await startTestServe({ stubs: ABALONE_STUBS });
    client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    client?.destroy();
    await fixture?.close();
  });

  it('pipeline, execution and job ARNs carry the account of the RoleArn given to CreatePipeline', async () => {
    const created = await client.send(new CreatePipelineCommand({ PipelineName: 'other-account', PipelineDefinition: abaloneDefinition(), RoleArn: ROLE }));
    expect(created.PipelineArn).toBe(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/other-account`);
    const started = await client.send(new StartPipelineExecutionCommand({ PipelineName: 'other-account', PipelineParameters: [{ Name: 'MseThreshold', Value: '7' }] }));
    expect(started.PipelineExecutionArn).toMatch(new RegExp(`^arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/other-account/execution/[a-z0-9]{12}$`));
    let status: string | undefined;
    // Polled until it ends; the deadline (under the test's 60 s) only turns a hang into a clear failure.
    for (const deadline = Date.now() + 50_000; Date.now() < deadline && status !== 'Succeeded' && status !== 'Failed'; ) {
      status = (await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: started.PipelineExecutionArn }))).PipelineExecutionStatus;
      if (status === 'Executing') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('Succeeded');
    const steps = await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: started.PipelineExecutionArn }));
    const arns = (steps.PipelineExecutionSteps ?? []).flatMap((step) => Object.values(step.Metadata ?? {}).map((entry) => (entry as { Arn?: string }).Arn)).filter((arn): arn is string => arn?.startsWith('arn:aws:sagemaker:') === true);
    expect(arns.length).toBeGreaterThanOrEqual(4);
    const registered = (steps.PipelineExecutionSteps ?? []).find((step) => step.StepName === ABALONE_REGISTER_STEP);
    expect(registered?.Metadata?.RegisterModel?.Arn).toMatch(new RegExp(`^arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/`));
    for (const arn of arns) expect(arn.split(':')[4], arn).toBe(ACCOUNT);
  });
});
