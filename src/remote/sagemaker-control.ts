// The SageMaker control plane as `run --no-mock` uses it: a small interface with one
// implementation over @aws-sdk/client-sagemaker (the cloud, or `sagesim serve` through an
// endpoint override) and fakes in tests.
import {
  CreatePipelineCommand,
  type CreatePipelineRequest,
  DescribePipelineExecutionCommand,
  type DescribePipelineExecutionResponse,
  type ListPipelineExecutionStepsResponse,
  ListPipelineExecutionStepsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  type StartPipelineExecutionRequest,
  StopPipelineExecutionCommand,
  UpdatePipelineCommand,
  type UpdatePipelineRequest,
} from '@aws-sdk/client-sagemaker';

export interface SageMakerControl {
  /** Where requests go, for messages: the endpoint URL or `SageMaker in <region>`. */
  readonly description: string;
  createPipeline(request: CreatePipelineRequest): Promise<{ PipelineArn?: string | undefined }>;
  updatePipeline(request: UpdatePipelineRequest): Promise<{ PipelineArn?: string | undefined }>;
  startPipelineExecution(request: StartPipelineExecutionRequest): Promise<{ PipelineExecutionArn?: string | undefined }>;
  describePipelineExecution(executionArn: string): Promise<DescribePipelineExecutionResponse>;
  listPipelineExecutionSteps(executionArn: string, nextToken?: string): Promise<ListPipelineExecutionStepsResponse>;
  stopPipelineExecution(executionArn: string): Promise<void>;
}

export interface SdkControlOptions {
  readonly region: string;
  /** `sagesim serve`, LocalStack, or a VPC endpoint; absent for the cloud's regional endpoint. */
  readonly endpoint?: string;
  /** Fixed credentials (for a local endpoint); absent: the SDK's standard chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A named profile of ~/.aws/config and ~/.aws/credentials for the standard chain (--profile). */
  readonly profile?: string;
}

/**
 * The real control plane. Credentials come from the SDK's standard chain (environment, profile,
 * SSO, instance role); none are read here.
 */
export function createSdkControl(options: SdkControlOptions): SageMakerControl & { destroy(): void } {
  const client = new SageMakerClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    // Followers poll; a throttled poll is retried by the SDK with its own back-off.
    maxAttempts: 5,
  });
  return {
    description: options.endpoint ? `the SageMaker endpoint ${options.endpoint}` : `SageMaker in ${options.region}`,
    createPipeline: (request) => client.send(new CreatePipelineCommand(request)),
    updatePipeline: (request) => client.send(new UpdatePipelineCommand(request)),
    startPipelineExecution: (request) => client.send(new StartPipelineExecutionCommand(request)),
    describePipelineExecution: (arn) => client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn })),
    listPipelineExecutionSteps: (arn, nextToken) =>
      client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn, SortOrder: 'Ascending', MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) })),
    stopPipelineExecution: async (arn) => {
      await client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn }));
    },
    destroy: () => client.destroy(),
  };
}
