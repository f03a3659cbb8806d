// What the engine asks of the code that runs a step. The engine defines the contract and never
// imports an implementation: job executors live in steps/, stubs and fault injection wrap them in
// app/, and Condition and Fail are the scheduler's own control flow (control-steps.ts).
import type { ConditionStep, FailStep, PipelineStep, StepType } from './definition-types.js';
import type { StepMetadata } from './execution-record.js';
import type { JsonObject, JsonValue } from './json.js';
import type { ExecutionIdentity } from './resolve-context.js';
import type { Warning } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';

/** Step types the scheduler runs itself: they decide the flow of the execution, not a job. */
export type ControlStepType = Extract<StepType, 'Condition' | 'Fail'>;
/** Step types an executor (or a stub) runs. */
export type RunnableStepType = Exclude<StepType, ControlStepType>;
export type ControlStep = ConditionStep | FailStep;
export type RunnableStep = Exclude<PipelineStep, ControlStep>;

export function isControlStep(step: PipelineStep): step is ControlStep {
  return step.Type === 'Condition' || step.Type === 'Fail';
}

export interface StepContext {
  readonly execution: ExecutionIdentity;
  /** The step as declared in the definition. */
  readonly step: PipelineStep;
  /** Arguments with every expression resolved. */
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

/** Runs steps: the part of an executor the engine calls. */
export interface StepRunner {
  execute(context: StepContext): Promise<StepResult>;
}

/**
 * Runs one step type. Throw `StepFailure` for a failed job (with `exceptionType` for failures
 * SageMaker would retry), `StoppedError` when `signal` aborts.
 */
export interface StepExecutor<T extends RunnableStepType = RunnableStepType> extends StepRunner {
  readonly stepType: T;
}

/** One executor for every runnable step type: a type without one does not compile. */
export type ExecutorTable = { readonly [T in RunnableStepType]: StepExecutor };

/** How one runnable step runs, as the application decided (its executor, or a stub). */
export interface StepAssignment {
  readonly runner: StepRunner;
  /**
   * Set when the step runs as a stub: it creates no scratch folder, reads nothing for the cache,
   * and its results are cached apart, keyed by this spec (they never serve a real run).
   */
  readonly stub?: { readonly spec: JsonValue };
}

/** Chooses how each runnable step of an execution runs; called once per step start. */
export type AssignStep = (step: RunnableStep) => StepAssignment;
