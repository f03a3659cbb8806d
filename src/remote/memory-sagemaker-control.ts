// An in-memory SageMaker control plane for tests of what drives one (`run --no-mock`, followers):
// it passes the same contract suite (test/contracts/sagemaker-control-contract.ts) as the AWS SDK
// adapter on `sagesim serve`, and its behaviour is written down in SAGEMAKER-API-BEHAVIOUR.md
// ("The in-memory control-plane fake"). It runs nothing: steps finish as soon as they start.
import type {
  CreatePipelineRequest,
  DescribePipelineExecutionResponse,
  ListPipelineExecutionStepsResponse,
  PipelineExecutionStatus,
  PipelineExecutionStep,
  StartPipelineExecutionRequest,
  StepStatus,
  UpdatePipelineRequest,
} from '@aws-sdk/client-sagemaker';
import { accountOfArn, executionArn, pipelineArn } from '../engine/identity.js';
import type { SageMakerControl } from './sagemaker-control.js';

export interface MemorySageMakerControlOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The account of ARNs when the role names none. @default '111122223333' */
  readonly accountId?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Shaped as the AWS SDK's service exceptions: `name` is the error code. */
export class ControlPlaneError extends Error {
  readonly $fault = 'client';
  constructor(code: 'ValidationException' | 'ResourceNotFound' | 'ConflictException', message: string) {
    super(message);
    this.name = code;
  }
}

interface FakePipeline {
  readonly name: string;
  readonly arn: string;
  definition: string;
}

interface FakeExecution {
  readonly arn: string;
  readonly pipelineArn: string;
  readonly creationTime: Date;
  status: PipelineExecutionStatus;
  lastModifiedTime: Date;
  failureReason?: string;
  readonly steps: PipelineExecutionStep[];
}

/** The execution FailureReason SageMaker reports when a step failed (Fail steps included). */
const STEP_FAILURE_REASON = 'Step failure: One or multiple steps failed.';

interface DefinedStep {
  readonly Name: string;
  readonly Type: string;
  readonly Arguments?: { readonly ErrorMessage?: unknown };
}

export class MemorySageMakerControl implements SageMakerControl {
  readonly description = 'the in-memory SageMaker fake';
  private readonly pipelines = new Map<string, FakePipeline>();
  private readonly executions = new Map<string, FakeExecution>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => Date;
  private executionCount = 0;

  constructor(options: MemorySageMakerControlOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '111122223333';
    this.now = options.now ?? (() => new Date());
  }

  async createPipeline(request: CreatePipelineRequest): Promise<{ PipelineArn: string }> {
    const name = required(request.PipelineName, 'pipelineName');
    const definition = required(request.PipelineDefinition, 'pipelineDefinition');
    const role = required(request.RoleArn, 'roleArn');
    definedSteps(definition);
    // Names are unique case-insensitively; the text is the cloud's, which the SDK's upsert() matches.
    if (this.pipelines.has(name.toLowerCase())) {
      throw new ControlPlaneError('ValidationException', `Pipeline names must be unique within an AWS account and region. Pipeline with name (${name}) already exists.`);
    }
    const pipeline = { name, arn: pipelineArn(this.region, accountOfArn(role) ?? this.accountId, name), definition };
    this.pipelines.set(name.toLowerCase(), pipeline);
    return { PipelineArn: pipeline.arn };
  }

  async updatePipeline(request: UpdatePipelineRequest): Promise<{ PipelineArn: string }> {
    const pipeline = this.pipeline(required(request.PipelineName, 'pipelineName'));
    if (request.PipelineDefinition !== undefined) {
      definedSteps(request.PipelineDefinition);
      pipeline.definition = request.PipelineDefinition;
    }
    return { PipelineArn: pipeline.arn };
  }

  async startPipelineExecution(request: StartPipelineExecutionRequest): Promise<{ PipelineExecutionArn: string }> {
    const pipeline = this.pipeline(required(request.PipelineName, 'pipelineName'));
    checkParameters(pipeline.definition, request.PipelineParameters ?? []);
    const id = `fake${String(++this.executionCount).padStart(8, '0')}`;
    const now = this.now();
    const execution: FakeExecution = {
      arn: executionArn(this.region, pipeline.arn.split(':')[4] ?? this.accountId, pipeline.name, id),
      pipelineArn: pipeline.arn,
      creationTime: now,
      lastModifiedTime: now,
      status: 'Executing',
      steps: [],
    };
    this.executions.set(execution.arn, execution);
    this.run(execution, definedSteps(pipeline.definition));
    return { PipelineExecutionArn: execution.arn };
  }

  async describePipelineExecution(arn: string): Promise<DescribePipelineExecutionResponse> {
    const execution = this.execution(arn);
    // A stop takes effect between two looks, as in the cloud: Stopping is seen once.
    const seen = { ...execution };
    if (execution.status === 'Stopping') this.finishStop(execution);
    return {
      PipelineArn: seen.pipelineArn,
      PipelineExecutionArn: seen.arn,
      PipelineExecutionStatus: seen.status,
      CreationTime: seen.creationTime,
      LastModifiedTime: seen.lastModifiedTime,
      ...(seen.failureReason === undefined ? {} : { FailureReason: seen.failureReason }),
    };
  }

  async listPipelineExecutionSteps(arn: string): Promise<ListPipelineExecutionStepsResponse> {
    // Every step in one page, in the order they started (the adapter asks for Ascending).
    return { PipelineExecutionSteps: this.execution(arn).steps.map((step) => ({ ...step })) };
  }

  async stopPipelineExecution(arn: string): Promise<void> {
    const execution = this.execution(arn);
    if (execution.status !== 'Executing') {
      throw new ControlPlaneError('ConflictException', `Pipeline execution ${arn} is ${execution.status} and cannot be stopped.`);
    }
    execution.status = 'Stopping';
    execution.lastModifiedTime = this.now();
  }

  /**
   * Steps start in the order of the definition: each succeeds at once, a Fail step fails the
   * execution, a Callback step waits (Executing) for an answer this fake never gets, until stopped.
   */
  private run(execution: FakeExecution, steps: readonly DefinedStep[]): void {
    const now = this.now();
    for (const step of steps) {
      const status: StepStatus = step.Type === 'Callback' ? 'Executing' : step.Type === 'Fail' ? 'Failed' : 'Succeeded';
      const message = step.Arguments?.ErrorMessage;
      execution.steps.push({
        StepName: step.Name,
        StepStatus: status,
        StartTime: now,
        ...(status === 'Executing' ? {} : { EndTime: now }),
        ...(status === 'Failed' ? { FailureReason: typeof message === 'string' ? message : '' } : {}),
        AttemptCount: 1,
      });
      if (status === 'Executing') return;
      if (status === 'Failed') {
        // The execution's reason is the cloud's general one; the step's says what failed.
        execution.failureReason = STEP_FAILURE_REASON;
        execution.status = 'Failed';
        return;
      }
    }
    execution.status = 'Succeeded';
  }

  private finishStop(execution: FakeExecution): void {
    execution.status = 'Stopped';
    execution.lastModifiedTime = this.now();
    for (const step of execution.steps) {
      if (step.StepStatus === 'Executing') Object.assign(step, { StepStatus: 'Stopped', EndTime: execution.lastModifiedTime });
    }
  }

  private pipeline(nameOrArn: string): FakePipeline {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? '') : nameOrArn;
    const pipeline = this.pipelines.get(name.toLowerCase());
    if (!pipeline) throw new ControlPlaneError('ResourceNotFound', `Pipeline '${pipelineArn(this.region, this.accountId, name)}' does not exist.`);
    return pipeline;
  }

  private execution(arn: string): FakeExecution {
    const execution = this.executions.get(arn);
    if (!execution) throw new ControlPlaneError('ResourceNotFound', `Pipeline execution '${arn}' does not exist.`);
    return execution;
  }
}

function required(value: string | undefined, member: string): string {
  if (value === undefined || value === '') {
    throw new ControlPlaneError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** The definition's top-level steps; a text that is not a definition is refused as the emulator does. */
function definedSteps(definition: string): DefinedStep[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new ControlPlaneError('ValidationException', `Invalid pipeline definition: not JSON (${(error as Error).message})`);
  }
  const steps = (parsed as { Steps?: unknown } | null)?.Steps;
  if (!Array.isArray(steps) || !steps.every((step) => typeof (step as DefinedStep | null)?.Name === 'string' && typeof (step as DefinedStep).Type === 'string')) {
    throw new ControlPlaneError('ValidationException', 'Invalid pipeline definition: Steps must be a list of steps, each with a Name and a Type');
  }
  return steps as DefinedStep[];
}

/** Every parameter given must be declared; values are not checked against their types. */
function checkParameters(definition: string, given: readonly { readonly Name?: string | undefined }[]): void {
  const declared = new Set(((JSON.parse(definition) as { Parameters?: { Name?: unknown }[] }).Parameters ?? []).map((p) => p.Name));
  const unknown = given.map((p) => p.Name ?? '').filter((name) => !declared.has(name));
  if (unknown.length > 0) {
    throw new ControlPlaneError('ValidationException', `Invalid PipelineParameters: ${unknown.map((name) => `parameter "${name}" is not declared by the pipeline`).join('; ')}`);
  }
}
