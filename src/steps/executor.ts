// One executor per step type. The scheduler resolves a step's arguments, then hands them to the
// executor registered for the step's type (or a stub). Executors get their own dependencies
// (container runtime, image map, model registry) through their constructors, built at the edge.
import type { PipelineStep, StepType } from '../engine/definition-types.js';
import type { StepMetadata } from '../engine/execution-record.js';
import type { JsonObject, JsonValue } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import type { Warning } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';

export interface StepContext {
  readonly execution: ExecutionIdentity;
  /** The step as declared in the definition. */
  readonly step: PipelineStep;
  /**
   * Arguments with every expression resolved. For Condition steps only `Conditions` is resolved
   * (IfSteps/ElseSteps are left as declared).
   */
  readonly arguments: JsonObject;
  /** Job name the cloud would give this step, e.g. `pipelines-a1b2c3d4e5f6-TrainModel-Xy12Ab34Cd`. */
  readonly jobName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted on SIGINT / StopPipelineExecution: executors stop their work and throw StoppedError. */
  readonly signal: AbortSignal;
  readonly objectStore: ObjectStore;
  /** A line of the step's output: goes to the step's log file and to the reporter. */
  readonly log: (line: string) => void;
  /** Absolute path of this step's log file. */
  readonly logFile: string;
  /** A scratch folder for this step attempt inside the execution's folder in the store. */
  readonly workDir: string;
  /** Report a warning the user should see (not an error). */
  readonly warn: (warning: Warning) => void;
  /**
   * Steps of this execution that ran as stubs before this one started: what this step builds on
   * may be stand-ins (a RegisterModel step says so in what it registers).
   */
  readonly stubbedSteps?: readonly string[];
  /**
   * The job exists: its metadata (e.g. `{TrainingJob: {Arn}}`) is shown from now on, while the job
   * runs and after a stop, as ListPipelineExecutionSteps shows it in the cloud. @default ignored
   */
  readonly reportMetadata?: (metadata: StepMetadata) => void;
}

export interface StepResult {
  /** Describe*-shaped properties that `Steps.<name>.*` references read. */
  readonly properties: JsonObject;
  readonly metadata?: StepMetadata;
  /** Lambda / Callback output parameters. */
  readonly outputParameters?: Readonly<Record<string, JsonValue>>;
}

/**
 * Runs one step type. Throw `StepFailure` for a failed job (with `exceptionType` for failures
 * SageMaker would retry), `StoppedError` when `signal` aborts.
 */
export interface StepExecutor {
  readonly stepType: StepType;
  execute(context: StepContext): Promise<StepResult>;
}

export type ExecutorRegistry = ReadonlyMap<StepType, StepExecutor>;

export function createRegistry(executors: readonly StepExecutor[]): ExecutorRegistry {
  return new Map(executors.map((executor) => [executor.stepType, executor]));
}
