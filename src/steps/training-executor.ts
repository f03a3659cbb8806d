// Training steps (CreateTrainingJob) in a real container: channels staged at
// /opt/ml/input/data/<channel>, the config files SageMaker writes, the image run with `train`,
// metrics parsed from the log, /opt/ml/model packed to <S3OutputPath>/<job>/output/model.tar.gz.
// `runTrainingJob` is the core the Tuning executor runs once per training job.
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import { Stats } from 'node:fs';
import { create as createTar, type ReadEntry } from 'tar';
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import { isSagesimError, SagesimError, StepFailure } from '../errors.js';
import { joinS3 } from '../mock-aws/object-store.js';
import { defaultBucketUri, modelArtifactsUri } from './default-properties.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { ArgumentReader } from './job-arguments.js';
import {
  containerJobFailure,
  describedRoleArn,
  describedStoppingCondition,
  infrastructureFailure,
  jobContextOf,
  jobEnvironment,
  pipWheelsSetup,
  resolveJobImage,
  runJobContainer,
  stageInputs,
  throwIfStopped,
  unsupported,
  uploadFileTo,
  uploadOutput,
  warnSingleInstance,
  type JobContext,
  type JobDeps,
  type StageInput,
} from './job-container.js';
import { jobGpus } from './job-gpus.js';
import { MetricCollector, mergeMetricDefinitions, type MetricDatum, type MetricDefinition } from './metrics.js';
import { prepareTrainingLayout, resourceConfig, TRAINING_PATHS, writeJson } from './opt-ml.js';
import { explainRemoteFunctionFailure, isRemoteFunctionJob, prepareRemoteFunction, type RemoteFunctionSetup } from './remote-function/remote-function-job.js';
import { SDK_HINT } from './remote-function/sdk-locator.js';
import { readContainerTextFile } from './container-text-file.js';
import { downloadPrefix } from './staging.js';

export interface TrainingJobOptions {
  /** Extra fields of the Describe output (e.g. TuningJobArn). */
  readonly extraProperties?: JsonObject;
  /** Prefix of each log line (tuning runs several jobs into one step log). */
  readonly logPrefix?: string;
}

export interface TrainingJobOutcome {
  readonly jobName: string;
  readonly arn: string;
  /** DescribeTrainingJob-shaped. */
  readonly properties: JsonObject;
  readonly finalMetrics: readonly MetricDatum[];
}

export class TrainingExecutor implements StepExecutor {
  readonly stepType = 'Training' as const;

  constructor(private readonly deps: JobDeps) {}

  async execute(context: StepContext): Promise<StepResult> {
    context.reportMetadata?.({ TrainingJob: { Arn: sagemakerArn(context.execution, 'training-job', context.jobName) } });
    const outcome = await runTrainingJob(this.deps, jobContextOf(context), context.jobName, context.arguments);
    return { properties: outcome.properties, metadata: { TrainingJob: { Arn: outcome.arn } } };
  }
}

/**
 * Runs one training job from CreateTrainingJob arguments. Throws StepFailure (with the Describe
 * properties of the failed job) when the container fails, StoppedError when the signal aborts.
 */
export async function runTrainingJob(
  deps: JobDeps,
  baseContext: JobContext,
  jobName: string,
  argumentsValue: JsonObject,
  options: TrainingJobOptions = {},
): Promise<TrainingJobOutcome> {
  const prefix = options.logPrefix ?? '';
  const context: JobContext = prefix === '' ? baseContext : { ...baseContext, log: (line) => baseContext.log(`${prefix}${line}`) };
  const { stepName } = context;
  const args = new ArgumentReader(stepName, argumentsValue);
  const arn = sagemakerArn(context.execution, 'training-job', jobName);
  const creationTime = deps.now();

  const algorithm = args.object('AlgorithmSpecification');
  if (!algorithm.has('TrainingImage')) {
    const name = algorithm.optionalString('AlgorithmName');
    throw unsupported(stepName, name === undefined ? 'a training job without TrainingImage' : `algorithm resource ${name}`, 'Give AlgorithmSpecification.TrainingImage (a local tag or a mapped image URI).');
  }
  const imageUri = algorithm.string('TrainingImage');
  const defaultInputMode = algorithm.optionalString('TrainingInputMode') ?? 'File';
  const entrypoint = algorithm.optionalStrings('ContainerEntrypoint');
  const containerArguments = algorithm.optionalStrings('ContainerArguments');
  const hyperParameters = args.stringMap('HyperParameters');
  const environment = args.stringMap('Environment');
  const resources = args.object('ResourceConfig');
  warnSingleInstance(context, resources.optionalNumber('InstanceCount'));
  const maxRuntimeSeconds = args.object('StoppingCondition').optionalNumber('MaxRuntimeInSeconds');
  const networkIsolation = args.optionalBoolean('EnableNetworkIsolation') === true;
  const outputPath = args.object('OutputDataConfig').optionalString('S3OutputPath') ?? defaultBucketUri(context.execution);
  const checkpoint = args.has('CheckpointConfig') ? args.object('CheckpointConfig') : undefined;
  const checkpointUri = checkpoint?.string('S3Uri');
  const checkpointLocalPath = checkpoint === undefined ? undefined : (checkpoint.optionalString('LocalPath') ?? TRAINING_PATHS.checkpoints);

  const channels = args.objects('InputDataConfig').map((channel) => {
    const name = channel.string('ChannelName');
    const source = channel.object('DataSource');
    if (!source.has('S3DataSource')) {
      throw unsupported(stepName, `channel "${name}" (FileSystemDataSource: EFS or FSx)`, 'Stage the data in S3 and use an S3DataSource instead.');
    }
    const s3 = source.object('S3DataSource');
    const dataType = s3.optionalString('S3DataType') ?? 'S3Prefix';
    if (dataType !== 'S3Prefix' && dataType !== 'ManifestFile') {
      throw unsupported(stepName, `channel "${name}" with S3DataType ${dataType}`, 'Use S3Prefix or ManifestFile.');
    }
    const declaredMode = channel.optionalString('InputMode') ?? defaultInputMode;
    if (declaredMode === 'Pipe') context.warn(`step "${stepName}": channel "${name}" uses Pipe mode; it is staged as File locally`);
    const config: JsonObject = {
      ...(channel.has('ContentType') ? { ContentType: channel.string('ContentType') } : {}),
      TrainingInputMode: declaredMode === 'Pipe' ? 'File' : declaredMode,
      S3DistributionType: s3.optionalString('S3DataDistributionType') ?? 'FullyReplicated',
      RecordWrapperType: channel.optionalString('RecordWrapperType') ?? 'None',
    };
    return { name, s3Uri: s3.string('S3Uri'), dataType, config } as const;
  });

  let metricDefinitions: MetricDefinition[] = algorithm.objects('MetricDefinitions').map((definition) => ({
    Name: definition.string('Name'),
    Regex: definition.string('Regex'),
  }));
  const image = resolveJobImage(deps, stepName, imageUri);
  metricDefinitions = mergeMetricDefinitions(metricDefinitions, image.builtin?.metricDefinitions ?? []);
  let metrics: MetricCollector;
  try {
    metrics = new MetricCollector(metricDefinitions, deps.now);
  } catch (error) {
    throw new StepFailure(`ValidationException: step "${stepName}": ${(error as Error).message}`, { code: 'INVALID_METRIC_DEFINITION', source: 'user', cause: error });
  }

  const layout = await prepareTrainingLayout(path.join(context.workDir, jobWorkDirName(jobName)), checkpointLocalPath);
  const remoteFunction = isRemoteFunctionJob(entrypoint) ? await remoteFunctionSetup(deps, context, layout.root, containerArguments, environment) : undefined;
  const staging: StageInput[] = channels.map((channel) => ({
    name: channel.name,
    s3Uri: channel.s3Uri,
    dataType: channel.dataType,
    hostDir: layout.channelDir(channel.name),
  }));
  await stageInputs(context, staging);
  if (checkpointUri !== undefined && layout.checkpointDir !== undefined) {
    await restoreCheckpoints(context, checkpointUri, layout.checkpointDir);
  }

  const describedRequest: JsonObject = {
    ...argumentsValue,
    TrainingJobName: jobName,
    TrainingJobArn: arn,
    AlgorithmSpecification: { TrainingInputMode: defaultInputMode, ...algorithm.value, MetricDefinitions: metricDefinitions.map((d) => ({ ...d })) },
    HyperParameters: hyperParameters,
    OutputDataConfig: { ...args.object('OutputDataConfig').value, S3OutputPath: outputPath },
    StoppingCondition: describedStoppingCondition(args),
    RoleArn: describedRoleArn(args, context.execution),
    EnableNetworkIsolation: networkIsolation,
    ...options.extraProperties,
  };
  await writeJson(path.join(layout.configDir, 'hyperparameters.json'), hyperParameters);
  await writeJson(path.join(layout.configDir, 'inputdataconfig.json'), Object.fromEntries(channels.map((channel) => [channel.name, channel.config])));
  await writeJson(path.join(layout.configDir, 'resourceconfig.json'), resourceConfig(resources.optionalString('InstanceType')));
  await writeJson(path.join(layout.configDir, 'trainingjobconfig.json'), describedRequest);
  if (checkpointUri !== undefined && checkpointLocalPath !== undefined) {
    await writeJson(path.join(layout.configDir, 'checkpointconfig.json'), { LocalPath: checkpointLocalPath, S3Uri: checkpointUri });
  }

  const wheels = pipWheelsSetup(deps.config, environment);
  const gpus = await jobGpus(deps, context, resources.optionalString('InstanceType'));
  const memoryBytes = deps.memoryLimit?.(resources.optionalString('InstanceType'));
  const startTime = deps.now();
  const exit = await runJobContainer(deps, context, {
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    jobName,
    localImage: image.localTag,
    ...(entrypoint === undefined ? { command: containerArguments ?? ['train'] } : { entrypoint, ...(containerArguments === undefined ? {} : { command: containerArguments }) }),
    ...(gpus.gpus === undefined ? {} : { gpus: gpus.gpus }),
    env: jobEnvironment(deps, { ...wheels.env, ...environment, ...remoteFunction?.env }, { ...gpus.env, TRAINING_JOB_NAME: jobName, TRAINING_JOB_ARN: arn }),
    mounts: [...layout.mounts, ...wheels.mounts, ...(remoteFunction?.mounts ?? [])],
    networkIsolation,
    ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
    onLine: (line) => metrics.observe(line),
  });
  const endTime = deps.now();
  const seconds = Math.max(1, Math.round((endTime.getTime() - startTime.getTime()) / 1000));
  const finalMetrics = metrics.finalMetrics();
  const properties: JsonObject = {
    ...describedRequest,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    FinalMetricDataList: finalMetrics,
    CreationTime: creationTime.toISOString(),
    TrainingStartTime: startTime.toISOString(),
    TrainingEndTime: endTime.toISOString(),
    LastModifiedTime: endTime.toISOString(),
    TrainingTimeInSeconds: seconds,
    BillableTimeInSeconds: seconds,
    SecondaryStatusTransitions: [
      { Status: 'Starting', StartTime: creationTime.toISOString(), EndTime: startTime.toISOString(), StatusMessage: 'Preparing the instances for training' },
      { Status: 'Training', StartTime: startTime.toISOString(), EndTime: endTime.toISOString(), StatusMessage: 'Training image download completed. Training in progress.' },
    ],
  };

  if (exit.exitCode !== 0 || exit.timedOut) {
    const written = await readContainerTextFile(layout.failureFile, (reason) => context.log(`[sagesim] ${reason.replace(layout.outputDir, TRAINING_PATHS.output)}`));
    const failureText = remoteFunction === undefined || written === undefined ? written : explainRemoteFunctionFailure(written, imageUri, image.localTag);
    throw containerJobFailure(
      {
        stepName,
        executionId: context.execution.executionId,
        imageUri,
        localImage: image.localTag,
        exit,
        ...(failureText === undefined ? {} : { failureText }),
        ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
        ...(memoryBytes === undefined ? {} : { memoryBytes }),
      },
      { TrainingJob: { Arn: arn } },
      (reason) => ({
        ...properties,
        TrainingJobStatus: exit.timedOut ? 'Stopped' : 'Failed',
        SecondaryStatus: exit.timedOut ? 'MaxRuntimeExceeded' : 'Failed',
        FailureReason: reason,
      }),
    );
  }

  throwIfStopped(context.signal);
  const modelUri = modelArtifactsUri(outputPath, jobName);
  const uploads: Promise<void>[] = [packAndUpload(context, layout.modelDir, path.join(layout.root, 'model.tar.gz'), modelUri)];
  if (await hasEntries(context, layout.outputDataDir, 'output.tar.gz')) {
    uploads.push(packAndUpload(context, layout.outputDataDir, path.join(layout.root, 'output.tar.gz'), joinS3(outputPath, jobName, 'output', 'output.tar.gz')));
  }
  if (checkpointUri !== undefined && layout.checkpointDir !== undefined) {
    uploads.push(uploadOutput(context, 'checkpoints', layout.checkpointDir, checkpointUri));
  }
  await Promise.all(uploads);

  return {
    jobName,
    arn,
    finalMetrics,
    properties: { ...properties, ModelArtifacts: { S3ModelArtifacts: modelUri } },
  };
}

/** The user's SDK, checked and mounted, for a `@step` function step; a user error says what to do. */
async function remoteFunctionSetup(
  deps: JobDeps,
  context: JobContext,
  hostDir: string,
  containerArguments: readonly string[] | undefined,
  stepEnvironment: Readonly<Record<string, string>>,
): Promise<RemoteFunctionSetup> {
  try {
    if (deps.sdk === undefined) throw new SagesimError('SDK_NOT_FOUND', 'this run has no SageMaker Python SDK locator', { source: 'sagesim', hint: SDK_HINT });
    const sdk = await deps.sdk.locate();
    return await prepareRemoteFunction({ sdk, stepName: context.stepName, containerArguments, stepEnvironment, hostDir, mock: deps.config.mock });
  } catch (error) {
    if (!isSagesimError(error)) throw error;
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    const what = error.message.startsWith('step "') ? error.message : `step "${context.stepName}" is a @step function step: ${error.message}`;
    throw new StepFailure(`ClientError: ${what}${hint}`, { code: error.code, source: error.source, cause: error });
  }
}

/**
 * Packs a folder's contents (entries at the archive's root, as SageMaker does) and uploads it.
 * Links are packed as links, never followed (tar runs in the job's own filesystem in SageMaker);
 * FIFOs, sockets and devices are left out (reading a FIFO would hang the step) and logged.
 */
async function packAndUpload(context: JobContext, dir: string, tarball: string, s3Uri: string): Promise<void> {
  const what = path.basename(tarball);
  try {
    const entries = (await hasEntries(context, dir, what)) ? await readdir(dir) : [];
    if (entries.length === 0) {
      // An empty tar archive is 1024 zero bytes; node-tar refuses to write one.
      await writeFile(tarball, gzipSync(Buffer.alloc(1024)));
    } else {
      const packable = (entry: string, info: Stats | ReadEntry): boolean => {
        // Packing gets the lstat of each entry (a ReadEntry only when extracting).
        if (!(info instanceof Stats) || info.isFile() || info.isDirectory() || info.isSymbolicLink()) return true;
        context.log(`[sagesim] ${what}: not packed: ${entry}: not a regular file (a FIFO, socket or device)`);
        return false;
      };
      await createTar({ gzip: true, file: tarball, cwd: dir, portable: true, filter: packable }, entries);
    }
  } catch (error) {
    throw infrastructureFailure(context.stepName, `pack ${dir} into ${what}`, error);
  }
  await uploadFileTo(context, tarball, s3Uri);
}

/**
 * Whether a folder the container could have replaced holds anything to pack. A folder that is now
 * a link (`rm -r /opt/ml/output/data; ln -s / /opt/ml/output/data`) would make the host pack its
 * own files: it counts as empty, and the step's log says so.
 */
async function hasEntries(context: JobContext, dir: string, what: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  if (info === undefined) return false;
  if (info.isSymbolicLink()) {
    context.log(`[sagesim] ${what}: not packed: the folder ${path.basename(dir)} is a symbolic link (to ${await readlink(dir)})`);
    return false;
  }
  return info.isDirectory() && (await readdir(dir)).length > 0;
}

/** Checkpoints from an earlier attempt, if any: an empty prefix is the normal first run. */
async function restoreCheckpoints(context: JobContext, s3Uri: string, dir: string): Promise<void> {
  try {
    await downloadPrefix(context.objectStore, s3Uri, dir, { signal: context.signal });
  } catch (error) {
    throwIfStopped(context.signal);
    if (isSagesimError(error) && (error.code === 'S3_INPUT_NOT_FOUND' || error.code === 'S3_NOT_FOUND')) return;
    throw infrastructureFailure(context.stepName, `download checkpoints from ${s3Uri}`, error);
  }
}

/** A folder name for a job's files that is safe whatever the name holds. */
function jobWorkDirName(jobName: string): string {
  return jobName.replace(/[^A-Za-z0-9._-]/g, '_');
}
