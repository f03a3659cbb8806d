// What the execution store persists for each execution, shaped after DescribePipelineExecution
// and ListPipelineExecutionSteps so that the API emulator and `run --json` can serve it as is.
import type { PipelineDefinition, ParameterValue, StepType } from './definition-types.js';
import type { JsonObject, JsonValue } from './json.js';

export type ExecutionStatus = 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded';

/** SageMaker's step statuses, plus `Skipped` for steps of a branch not taken (the cloud omits them). */
export type StepStatus = 'Starting' | 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded' | 'Skipped';

/** Metadata keyed by type, as ListPipelineExecutionSteps returns it. */
export interface StepMetadata {
  readonly TrainingJob?: { readonly Arn: string };
  readonly ProcessingJob?: { readonly Arn: string };
  readonly TransformJob?: { readonly Arn: string };
  readonly TuningJob?: { readonly Arn: string };
  readonly Model?: { readonly Arn: string };
  readonly RegisterModel?: { readonly Arn: string };
  readonly Condition?: { readonly Outcome: 'True' | 'False' };
  readonly Fail?: { readonly ErrorMessage: string };
  readonly Lambda?: { readonly Arn: string; OutputParameters?: { Name: string; Value: string }[] };
  readonly Callback?: { readonly CallbackToken: string; OutputParameters?: { Name: string; Value: string }[] };
  readonly [other: string]: unknown;
}

export interface StepRecord {
  readonly stepName: string;
  readonly stepType: StepType;
  readonly displayName?: string;
  status: StepStatus;
  /** ISO-8601. */
  startTime?: string;
  endTime?: string;
  attemptCount: number;
  failureReason?: string;
  /** Why a step did not run: the condition branch not taken, or an upstream step that did not run. */
  skipReason?: string;
  metadata: StepMetadata;
  cacheHit?: { readonly sourcePipelineExecutionArn: string; readonly sourceStepName: string };
  /** Arguments after every expression was resolved: what the job was really given. */
  resolvedArguments?: JsonValue;
  /** Describe*-shaped properties that `Steps.<name>.*` references read. */
  properties?: JsonObject;
  /** Parsed property files, by PropertyFileName. */
  propertyFiles?: Record<string, JsonValue>;
  outputParameters?: Record<string, JsonValue>;
  /** Path of the step's container log, relative to the execution's folder. */
  logFile?: string;
  /** When a step's result was taken from another execution (selective execution, retry). */
  reusedFrom?: string;
  /** The step ran as a stub: its properties are stand-ins, no job ran. */
  stubbed?: true;
  /** Why a cache entry the cloud would have reused was not (an input changed since, ...). */
  cacheMissReason?: string;
}

/**
 * The sagesim process running a local execution (for `sagesim serve`, the server). A process
 * killed with SIGKILL, or a reboot, cannot record how its executions ended; a later process that
 * finds the owner gone records them Failed instead of leaving them Executing forever.
 */
export interface ExecutionOwner {
  readonly pid: number;
  readonly hostname: string;
  /**
   * When the process started, as the kernel counts it (Linux: /proc/<pid>/stat starttime), so a
   * reused pid is not taken for the owner. Absent where that is not cheap to read.
   */
  readonly processStart?: string;
  /**
   * Its PID namespace (`pid:[inode]`): a pid means nothing to a process of another namespace that
   * shares the host name (a host-network container) and the home folder. Absent where unreadable.
   */
  readonly pidNamespace?: string;
}

export interface ExecutionRecord {
  readonly executionId: string;
  readonly executionArn: string;
  readonly pipelineName: string;
  readonly pipelineArn: string;
  readonly displayName?: string;
  status: ExecutionStatus;
  failureReason?: string;
  readonly startTime: string;
  endTime?: string;
  lastModifiedTime: string;
  readonly parameters: Record<string, ParameterValue>;
  readonly definition: PipelineDefinition;
  /** Steps in the order they were first recorded. */
  steps: StepRecord[];
  /** Where the execution ran: locally, or a cloud (or `sagesim serve`) execution being followed. */
  readonly mode: 'local' | 'remote';
  /** Set for selective executions and retries. */
  readonly sourceExecutionArn?: string;
  readonly selectedSteps?: readonly string[];
  /** The process running the execution (local mode); absent in records of older sagesim versions. */
  readonly owner?: ExecutionOwner;
}

/** Steps of an execution that ran as stubs, in record order. */
export function stubbedSteps(record: Pick<ExecutionRecord, 'steps'>): string[] {
  return record.steps.filter((step) => step.stubbed === true).map((step) => step.stepName);
}
