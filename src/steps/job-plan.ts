// What a container job (Training, Processing, Transform) will do, decided from its arguments alone
// (and, for Transform, the model it names): a JobPlan. Planning is pure (no file, network or
// container), so each job type's reading of its Create*Job arguments is tested without I/O;
// job-runner.ts carries out any plan.
import type { JsonObject, JsonValue } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import type { Warning } from '../errors.js';
import type { ImageResolver } from './job-container.js';
import type { MetricDatum, MetricDefinition } from './metrics.js';
import type { S3DataType } from './staging.js';

/** What a plan may depend on besides the arguments: who runs it and how images map. */
export interface JobPlanFacts {
  readonly stepName: string;
  readonly jobName: string;
  readonly execution: Pick<ExecutionIdentity, 'executionId' | 'region' | 'accountId'>;
  /** A lookup in the image map (no engine call). */
  readonly resolveImage: ImageResolver;
}

/** A host folder of the job (relative to its folder) bind-mounted at `containerPath`. */
export interface JobMount {
  readonly hostPath: string;
  readonly containerPath: string;
}

/** An S3 input downloaded into a host folder before the container starts. */
export interface JobInput {
  /** InputName / ChannelName, for messages. */
  readonly name: string;
  readonly s3Uri: string;
  readonly dataType: S3DataType;
  /** Relative to the job's folder. */
  readonly hostPath: string;
  /** Checkpoints from an earlier attempt: an empty prefix is the normal first run. @default false */
  readonly optional?: boolean;
}

/** A model's artifacts (ModelDataUrl) staged before a serving container starts (model-artifacts.ts). */
export interface JobModelArtifacts {
  readonly s3Uri: string;
  /** The folder a model.tar.gz is extracted into, relative to the job's folder. */
  readonly hostPath: string;
}

/** A host folder uploaded after the container exits 0: file by file, or packed into one archive. */
export interface JobOutput {
  readonly name: string;
  /** Relative to the job's folder. */
  readonly hostPath: string;
  /** The prefix (files) or the exact object URI (archive). */
  readonly s3Uri: string;
  /**
   * `files`: each file under the prefix; `archive`: a tar.gz of the folder's entries, even when it
   * is empty (model.tar.gz); `archive-if-any`: only when the folder holds something (output.tar.gz).
   */
  readonly upload: 'files' | 'archive' | 'archive-if-any';
}

/** A JSON file SageMaker writes before the container starts (hyperparameters.json, ...). */
export interface JobConfigFile {
  /** Relative to the job's folder. */
  readonly hostPath: string;
  readonly content: JsonValue;
}

/** A file the container may leave to say why it ended (`failure`, processing's `message`). */
export interface JobMessageFile {
  /** Relative to the job's folder. */
  readonly hostPath: string;
  /** Where the container wrote it; names the file in a FailureReason. */
  readonly containerPath: string;
}

/** How the container is started. */
export interface JobContainerPlan {
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** The step's Environment (overrides sagesim's region/endpoint defaults). */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables SageMaker sets (job name, ARN), which the step cannot override. */
  readonly jobVariables: Readonly<Record<string, string>>;
  readonly networkIsolation: boolean;
  readonly maxRuntimeSeconds?: number;
  /** The configured `pipWheels` folder is mounted and pip pointed at it (training containers). */
  readonly pipWheels: boolean;
  /** SM_NUM_GPUS is set from the instance type, as SageMaker sets it for training. */
  readonly gpuEnvironment: boolean;
}

/** A `@step` function training job: the user's SDK is mounted (remote-function-job.ts). */
export interface JobRemoteFunction {
  readonly containerArguments: readonly string[] | undefined;
  readonly stepEnvironment: Readonly<Record<string, string>>;
}

/** The metadata of a job step (a type, not an interface, so a failure carries it as JSON). */
export type JobMetadata =
  | { readonly TrainingJob: { readonly Arn: string } }
  | { readonly ProcessingJob: { readonly Arn: string } }
  | { readonly TransformJob: { readonly Arn: string } };

/** What the runner observed, for the Describe-shaped properties. */
export interface JobRunFacts {
  readonly creationTime: Date;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly finalMetrics: readonly MetricDatum[];
  /** The message file's text (processing ExitMessage). */
  readonly exitMessage?: string;
}

/** How the job ended, for its properties. */
export type JobEnd = { readonly status: 'Completed' } | { readonly status: 'Failed'; readonly reason: string; readonly timedOut: boolean };

export interface JobPlan {
  readonly jobName: string;
  readonly arn: string;
  /** The step's metadata, e.g. `{TrainingJob: {Arn}}`. */
  readonly metadata: JobMetadata;
  /** As the definition names it. */
  readonly imageUri: string;
  readonly localImage: string;
  readonly instanceType?: string;
  /** Warnings to show before the job runs (InstanceCount > 1, Pipe mode). */
  readonly warnings: readonly Warning[];
  /** The job's folder, relative to the step's work folder ('' for the folder itself). */
  readonly folder: string;
  /** Host folders to create (relative to the job's folder) besides the mounted ones. */
  readonly folders: readonly string[];
  /** Parents before children, so nested container paths mount in the right order. */
  readonly mounts: readonly JobMount[];
  readonly configFiles: readonly JobConfigFile[];
  readonly inputs: readonly JobInput[];
  /** The model a serving container loads. @default none */
  readonly modelArtifacts?: JobModelArtifacts;
  readonly outputs: readonly JobOutput[];
  readonly container: JobContainerPlan;
  /** Searched in every log line; the last values become FinalMetricDataList. */
  readonly metricDefinitions: readonly MetricDefinition[];
  /** The first of these the container wrote explains its exit. */
  readonly messageFiles: readonly JobMessageFile[];
  /** `always`: read after every exit (processing ExitMessage); `on-failure`: only to explain a failure. */
  readonly readMessage: 'always' | 'on-failure';
  readonly remoteFunction?: JobRemoteFunction;
  /** The Describe*-shaped properties of the job as it ended. */
  describe(facts: JobRunFacts, end: JobEnd): JsonObject;
}

/** What a finished job gives its step. */
export interface JobOutcome {
  readonly jobName: string;
  readonly arn: string;
  readonly properties: JsonObject;
  readonly finalMetrics: readonly MetricDatum[];
}
