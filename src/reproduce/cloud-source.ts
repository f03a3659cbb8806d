// A step of a cloud execution (SageMaker, or `sagesim serve` standing in for it): the job ARN from
// ListPipelineExecutionSteps, then DescribeProcessingJob / DescribeTrainingJob /
// DescribeTransformJob (and DescribeModel for a transform) for the arguments the job was created with.
import {
  DescribeModelCommand,
  DescribePipelineDefinitionForExecutionCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListPipelineExecutionStepsCommand,
  type PipelineExecutionStep,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { PipelineStep } from '../engine/definition-types.js';
import { buildGraph } from '../engine/graph.js';
import { parseDefinition } from '../engine/load-definition.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import { SagesimError, assertNever } from '../errors.js';
import type { ModelRecord } from '../mock-aws/model-store.js';
import { awsCall } from '../remote/aws-error.js';
import type { ReproducibleStepType, ReproductionSource } from './reproduction-source.js';
import { withArticle } from '../util/article.js';

/** The SageMaker calls a cloud reproduction makes; one SDK implementation, fakes in tests. */
export interface JobDescriber {
  readonly description: string;
  listSteps(executionArn: string): Promise<PipelineExecutionStep[]>;
  describeJob(type: ReproducibleStepType, jobName: string): Promise<JsonObject>;
  describeModel(modelName: string): Promise<JsonObject>;
  /** DescribePipelineDefinitionForExecution: the definition JSON the execution ran. */
  definitionForExecution?(executionArn: string): Promise<string | undefined>;
}

export interface SdkDescriberOptions {
  readonly region: string;
  /** `sagesim serve` or another endpoint; absent for SageMaker itself. */
  readonly endpoint?: string;
  /** Fixed credentials (a local endpoint); absent: the SDK's standard chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Without fixed credentials: a named profile of ~/.aws/config and ~/.aws/credentials (--profile). */
  readonly profile?: string;
}

/** Over @aws-sdk/client-sagemaker (credentials: the given ones, else the standard chain, from `profile` when given). */
export function createSdkDescriber(options: SdkDescriberOptions): JobDescriber & { destroy(): void } {
  const client = new SageMakerClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    ...(options.credentials === undefined && options.profile !== undefined ? { profile: options.profile } : {}),
  });
  const target = options.endpoint ? `the SageMaker endpoint ${options.endpoint}` : `SageMaker in ${options.region}`;
  const context = (action: string) => ({ action, target, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  return {
    description: target,
    listSteps: async (executionArn) => {
      const steps: PipelineExecutionStep[] = [];
      let token: string | undefined;
      do {
        const page = await awsCall(context(`ListPipelineExecutionSteps ${executionArn}`), () =>
          client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: executionArn, MaxResults: 100, ...(token ? { NextToken: token } : {}) })),
        );
        steps.push(...(page.PipelineExecutionSteps ?? []));
        token = page.NextToken;
      } while (token);
      return steps;
    },
    describeJob: async (type, jobName) => {
      const action = `Describe${type}Job ${jobName}`;
      const response = await awsCall(context(action), async () => {
        switch (type) {
          case 'Processing':
            return client.send(new DescribeProcessingJobCommand({ ProcessingJobName: jobName }));
          case 'Training':
            return client.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
          case 'Transform':
            return client.send(new DescribeTransformJobCommand({ TransformJobName: jobName }));
          default:
            return assertNever(type, 'step type');
        }
      });
      return toJson(response);
    },
    definitionForExecution: async (executionArn) =>
      (await awsCall(context(`DescribePipelineDefinitionForExecution ${executionArn}`), () => client.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: executionArn }))))
        .PipelineDefinition,
    describeModel: async (modelName) => toJson(await awsCall(context(`DescribeModel ${modelName}`), () => client.send(new DescribeModelCommand({ ModelName: modelName })))),
    destroy: () => client.destroy(),
  };
}

/** Create*-request fields of each Describe* response: what the job was created with. */
const CREATE_FIELDS: Record<ReproducibleStepType, readonly string[]> = {
  Processing: ['ProcessingInputs', 'ProcessingOutputConfig', 'ProcessingResources', 'StoppingCondition', 'AppSpecification', 'Environment', 'NetworkConfig', 'RoleArn', 'ExperimentConfig'],
  Training: [
    'AlgorithmSpecification',
    'HyperParameters',
    'InputDataConfig',
    'OutputDataConfig',
    'ResourceConfig',
    'StoppingCondition',
    'Environment',
    'EnableNetworkIsolation',
    'CheckpointConfig',
    'RoleArn',
    'VpcConfig',
  ],
  Transform: ['ModelName', 'TransformInput', 'TransformOutput', 'TransformResources', 'DataProcessing', 'BatchStrategy', 'MaxConcurrentTransforms', 'MaxPayloadInMB', 'ModelClientConfig', 'Environment'],
};

const JOB_METADATA: Record<string, ReproducibleStepType> = { ProcessingJob: 'Processing', TrainingJob: 'Training', TransformJob: 'Transform' };

/**
 * Reads one step of a cloud execution. Throws SagesimError (source user) `STEP_NOT_FOUND`,
 * `STEP_NOT_REPRODUCIBLE` or `STEP_NOT_STARTED`; AWS failures come out with source `aws`.
 */
export async function cloudSource(describer: JobDescriber, executionArn: string, stepReference: string): Promise<ReproductionSource> {
  const execution = identityFromArn(executionArn);
  const steps = await describer.listSteps(executionArn);
  const step = pickStep(steps, stepReference, executionArn);
  const name = step.StepName ?? stepReference;
  const metadata = (step.Metadata ?? {}) as Record<string, { Arn?: string } | undefined>;
  const entry = Object.entries(JOB_METADATA).find(([key]) => typeof metadata[key]?.Arn === 'string');
  if (!entry) {
    const kinds = Object.keys(metadata);
    throw new SagesimError(
      kinds.length === 0 ? 'STEP_NOT_STARTED' : 'STEP_NOT_REPRODUCIBLE',
      kinds.length === 0
        ? `step ${name} of ${executionArn} started no job (status ${step.StepStatus ?? 'unknown'})`
        : `step ${name} of ${executionArn} is ${withArticle(kinds.join(', '))} step: only Processing, Training and Transform jobs can be reproduced`,
      { source: 'user' },
    );
  }
  const [key, type] = entry;
  const jobArn = metadata[key]?.Arn as string;
  // ARNs lowercase the name; the description has it as the job was created.
  const described = await describer.describeJob(type, jobArn.slice(jobArn.lastIndexOf('/') + 1));
  const describedName = described[`${type}JobName`];
  const jobName = typeof describedName === 'string' && describedName !== '' ? describedName : jobArn.slice(jobArn.lastIndexOf('/') + 1);
  const args: JsonObject = {};
  for (const field of CREATE_FIELDS[type]) if (described[field] !== undefined && described[field] !== null) args[field] = described[field] as JsonValue;
  const model = type === 'Transform' && typeof args['ModelName'] === 'string' ? toModelRecord(await describer.describeModel(args['ModelName'])) : undefined;
  return {
    origin: 'cloud',
    execution,
    step: (await declaredStep(describer, executionArn, name)) ?? ({ Name: name, Type: type, Arguments: {} } as PipelineStep),
    stepType: type,
    jobName,
    arguments: args,
    originalStatus: step.StepStatus ?? 'unknown',
    ...(step.FailureReason ? { originalFailureReason: step.FailureReason } : {}),
    ...(model ? { model } : {}),
  };
}

function pickStep(steps: readonly PipelineExecutionStep[], reference: string, executionArn: string): PipelineExecutionStep {
  // ListPipelineExecutionSteps lists each attempt; the newest of a step comes first.
  const names = [...new Set(steps.map((s) => s.StepName ?? ''))];
  const lower = reference.toLowerCase();
  const name =
    names.find((n) => n === reference) ??
    names.find((n) => n.toLowerCase() === lower) ??
    (() => {
      const prefixed = names.filter((n) => n.toLowerCase().startsWith(lower));
      return prefixed.length === 1 ? prefixed[0] : undefined;
    })();
  const step = steps.find((s) => s.StepName === name);
  if (!step) {
    throw new SagesimError('STEP_NOT_FOUND', `execution ${executionArn} has no step "${reference}" that started`, {
      source: 'user',
      hint: names.length > 0 ? `steps are: ${names.join(', ')}` : 'no step has started in it yet',
    });
  }
  return step;
}

/** The step as the execution's definition declares it (its PropertyFiles), when the API gives it. */
async function declaredStep(describer: JobDescriber, executionArn: string, name: string): Promise<PipelineStep | undefined> {
  try {
    const text = await describer.definitionForExecution?.(executionArn);
    return text === undefined ? undefined : buildGraph(parseDefinition(text, executionArn)).nodes.get(name)?.step;
  } catch {
    // Without it the job still runs; only the property files are not read back.
    return undefined;
  }
}

/** arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id> */
export function identityFromArn(executionArn: string): ExecutionIdentity {
  const match = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):(\d{12}):pipeline\/([^/]+)\/execution\/([^/]+)$/.exec(executionArn);
  if (!match) {
    throw new SagesimError('INVALID_EXECUTION_ARN', `not a pipeline execution ARN: ${executionArn}`, {
      source: 'user',
      hint: 'give the full ARN: arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>',
    });
  }
  const [, region, accountId, pipelineName, executionId] = match as unknown as [string, string, string, string, string];
  return {
    executionId,
    executionArn,
    pipelineName,
    pipelineArn: `arn:aws:sagemaker:${region}:${accountId}:pipeline/${pipelineName}`,
    startTime: new Date(),
    region,
    accountId,
  };
}

function toModelRecord(described: JsonObject): ModelRecord {
  return {
    ModelName: String(described['ModelName'] ?? ''),
    ModelArn: String(described['ModelArn'] ?? ''),
    CreationTime: String(described['CreationTime'] ?? new Date().toISOString()),
    ...(isJsonObject(described['PrimaryContainer'] ?? null) ? { PrimaryContainer: described['PrimaryContainer'] as ModelRecord['PrimaryContainer'] } : {}),
    ...(Array.isArray(described['Containers']) ? { Containers: described['Containers'] as unknown as ModelRecord['Containers'] } : {}),
  };
}

/** SDK responses hold Dates and undefined: plain JSON for the executors. */
function toJson(value: unknown): JsonObject {
  const { $metadata: _metadata, ...rest } = (value ?? {}) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as JsonObject;
}
