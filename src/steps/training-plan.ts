// The plan of a training job (CreateTrainingJob arguments): channels staged at
// /opt/ml/input/data/<channel>, the config files SageMaker writes, the image run with `train`,
// metrics searched in the log, /opt/ml/model packed to <S3OutputPath>/<job>/output/model.tar.gz.
// Pure: the Training executor and each training job of a Tuning step run it through job-runner.ts.
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import { StepFailure, type Warning, isSagesimError } from '../errors.js';
import { joinS3 } from '../ports/object-store.js';
import { defaultBucketUri, modelArtifactsUri } from './default-properties.js';
import { FAILURE_FILE } from './failure-reason.js';
import { ArgumentReader } from './job-arguments.js';
import { describedRoleArn, describedStoppingCondition, resolveJobImage, singleInstanceWarnings, unsupported } from './job-container.js';
import type { JobConfigFile, JobEnd, JobInput, JobOutput, JobPlan, JobPlanFacts, JobRunFacts } from './job-plan.js';
import { compileMetricRegex, mergeMetricDefinitions, type MetricDefinition } from './metrics.js';
import { resourceConfig, TRAINING_PATHS } from './opt-ml.js';
import { isRemoteFunctionJob } from './remote-function/remote-function-job.js';
import type { S3DataType } from './staging.js';

export interface TrainingPlanOptions {
  /** Extra fields of the Describe output (e.g. TuningJobArn). */
  readonly extraProperties?: JsonObject;
}

/** One InputDataConfig channel as read from the arguments. */
interface Channel {
  readonly name: string;
  readonly s3Uri: string;
  readonly dataType: S3DataType;
  /** Its entry of inputdataconfig.json. */
  readonly config: JsonObject;
}

/** Host folders of a training job, relative to its folder `<job>/opt-ml`. */
const HOST = { input: 'input', config: 'input/config', data: 'input/data', model: 'model', output: 'output', outputData: 'output/data', checkpoints: 'checkpoints' } as const;

/** Plans a training job; throws StepFailure (source user) for arguments that cannot run locally. */
export function planTrainingJob(argumentsValue: JsonObject, facts: JobPlanFacts, options: TrainingPlanOptions = {}): JobPlan {
  const { stepName, jobName } = facts;
  const args = new ArgumentReader(stepName, argumentsValue);
  const arn = sagemakerArn(facts.execution, 'training-job', jobName);
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
  const warnings = singleInstanceWarnings(stepName, resources.optionalNumber('InstanceCount'));
  const maxRuntimeSeconds = args.object('StoppingCondition').optionalNumber('MaxRuntimeInSeconds');
  const networkIsolation = args.optionalBoolean('EnableNetworkIsolation') === true;
  const outputPath = args.object('OutputDataConfig').optionalString('S3OutputPath') ?? defaultBucketUri(facts.execution);
  const checkpoint = args.has('CheckpointConfig') ? args.object('CheckpointConfig') : undefined;
  const checkpointUri = checkpoint?.string('S3Uri');
  const checkpointLocalPath = checkpoint === undefined ? undefined : (checkpoint.optionalString('LocalPath') ?? TRAINING_PATHS.checkpoints);
  const channels = trainingChannels(stepName, args, defaultInputMode, warnings);
  const image = resolveJobImage(facts, stepName, imageUri);
  const metricDefinitions = trainingMetricDefinitions(stepName, algorithm, image.builtin?.metricDefinitions ?? []);

  const described: JsonObject = {
    ...argumentsValue,
    TrainingJobName: jobName,
    TrainingJobArn: arn,
    AlgorithmSpecification: { TrainingInputMode: defaultInputMode, ...algorithm.value, MetricDefinitions: metricDefinitions.map((d) => ({ ...d })) },
    HyperParameters: hyperParameters,
    OutputDataConfig: { ...args.object('OutputDataConfig').value, S3OutputPath: outputPath },
    StoppingCondition: describedStoppingCondition(args),
    RoleArn: describedRoleArn(args, facts.execution),
    EnableNetworkIsolation: networkIsolation,
    ...options.extraProperties,
  };
  const checkpoints = checkpointUri === undefined || checkpointLocalPath === undefined ? undefined : { s3Uri: checkpointUri, localPath: checkpointLocalPath };
  const instanceType = resources.optionalString('InstanceType');
  const modelUri = modelArtifactsUri(outputPath, jobName);
  return {
    jobName,
    arn,
    metadata: { TrainingJob: { Arn: arn } },
    imageUri,
    localImage: image.localTag,
    ...(instanceType === undefined ? {} : { instanceType }),
    warnings,
    folder: `${jobWorkDirName(jobName)}/opt-ml`,
    folders: [HOST.config, HOST.data, HOST.outputData],
    mounts: [
      { hostPath: HOST.input, containerPath: TRAINING_PATHS.input },
      { hostPath: HOST.model, containerPath: TRAINING_PATHS.model },
      { hostPath: HOST.output, containerPath: TRAINING_PATHS.output },
      ...(checkpoints === undefined ? [] : [{ hostPath: HOST.checkpoints, containerPath: checkpoints.localPath }]),
    ],
    configFiles: trainingConfigFiles(hyperParameters, channels, instanceType, described, checkpoints),
    inputs: trainingInputs(channels, checkpoints),
    outputs: trainingOutputs(outputPath, jobName, modelUri, checkpoints),
    container: {
      ...(entrypoint === undefined ? { command: containerArguments ?? ['train'] } : { entrypoint, ...(containerArguments === undefined ? {} : { command: containerArguments }) }),
      environment,
      jobVariables: { TRAINING_JOB_NAME: jobName, TRAINING_JOB_ARN: arn },
      networkIsolation,
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
      pipWheels: true,
      gpuEnvironment: true,
    },
    metricDefinitions,
    messageFiles: [{ hostPath: `${HOST.output}/failure`, containerPath: FAILURE_FILE }],
    readMessage: 'on-failure',
    ...(isRemoteFunctionJob(entrypoint) ? { remoteFunction: { containerArguments, stepEnvironment: environment } } : {}),
    describe: (run, end) => describeTrainingJob(described, modelUri, run, end),
  };
}

function trainingChannels(stepName: string, args: ArgumentReader, defaultInputMode: string, warnings: Warning[]): Channel[] {
  return args.objects('InputDataConfig').map((channel) => {
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
    if (declaredMode === 'Pipe') warnings.push({ code: 'PIPE_MODE_AS_FILE', message: `step "${stepName}": channel "${name}" uses Pipe mode; it is staged as File locally` });
    const config: JsonObject = {
      ...(channel.has('ContentType') ? { ContentType: channel.string('ContentType') } : {}),
      TrainingInputMode: declaredMode === 'Pipe' ? 'File' : declaredMode,
      S3DistributionType: s3.optionalString('S3DataDistributionType') ?? 'FullyReplicated',
      RecordWrapperType: channel.optionalString('RecordWrapperType') ?? 'None',
    };
    return { name, s3Uri: s3.string('S3Uri'), dataType, config };
  });
}

/** The definition's MetricDefinitions, then the image's built-in ones; a regex that does not compile fails the step. */
function trainingMetricDefinitions(stepName: string, algorithm: ArgumentReader, builtin: readonly MetricDefinition[]): MetricDefinition[] {
  const user = algorithm.objects('MetricDefinitions').map((definition) => ({ Name: definition.string('Name'), Regex: definition.string('Regex') }));
  const definitions = mergeMetricDefinitions(user, builtin);
  try {
    for (const definition of definitions) compileMetricRegex(definition);
  } catch (error) {
    if (!isSagesimError(error)) throw error;
    throw new StepFailure(`ValidationException: step "${stepName}": ${error.message}`, { code: 'INVALID_METRIC_DEFINITION', source: 'user', cause: error });
  }
  return definitions;
}

function trainingConfigFiles(
  hyperParameters: Readonly<Record<string, string>>,
  channels: readonly Channel[],
  instanceType: string | undefined,
  described: JsonObject,
  checkpoints: { readonly s3Uri: string; readonly localPath: string } | undefined,
): JobConfigFile[] {
  return [
    { hostPath: `${HOST.config}/hyperparameters.json`, content: { ...hyperParameters } },
    { hostPath: `${HOST.config}/inputdataconfig.json`, content: Object.fromEntries(channels.map((channel) => [channel.name, channel.config])) },
    { hostPath: `${HOST.config}/resourceconfig.json`, content: resourceConfig(instanceType) },
    { hostPath: `${HOST.config}/trainingjobconfig.json`, content: described },
    ...(checkpoints === undefined ? [] : [{ hostPath: `${HOST.config}/checkpointconfig.json`, content: { LocalPath: checkpoints.localPath, S3Uri: checkpoints.s3Uri } }]),
  ];
}

function trainingInputs(channels: readonly Channel[], checkpoints: { readonly s3Uri: string } | undefined): JobInput[] {
  return [
    ...channels.map((channel) => ({ name: channel.name, s3Uri: channel.s3Uri, dataType: channel.dataType, hostPath: `${HOST.data}/${channel.name}` })),
    ...(checkpoints === undefined ? [] : [{ name: 'checkpoints', s3Uri: checkpoints.s3Uri, dataType: 'S3Prefix' as const, hostPath: HOST.checkpoints, optional: true }]),
  ];
}

function trainingOutputs(outputPath: string, jobName: string, modelUri: string, checkpoints: { readonly s3Uri: string } | undefined): JobOutput[] {
  return [
    { name: 'model', hostPath: HOST.model, s3Uri: modelUri, upload: 'archive' },
    { name: 'output', hostPath: HOST.outputData, s3Uri: joinS3(outputPath, jobName, 'output', 'output.tar.gz'), upload: 'archive-if-any' },
    ...(checkpoints === undefined ? [] : [{ name: 'checkpoints', hostPath: HOST.checkpoints, s3Uri: checkpoints.s3Uri, upload: 'files' as const }]),
  ];
}

/** DescribeTrainingJob as the job ended. */
function describeTrainingJob(described: JsonObject, modelUri: string, run: JobRunFacts, end: JobEnd): JsonObject {
  const seconds = Math.max(1, Math.round((run.endTime.getTime() - run.startTime.getTime()) / 1000));
  const [creation, start, finish] = [run.creationTime.toISOString(), run.startTime.toISOString(), run.endTime.toISOString()];
  const properties: JsonObject = {
    ...described,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    FinalMetricDataList: run.finalMetrics.map((datum) => ({ ...datum })),
    CreationTime: creation,
    TrainingStartTime: start,
    TrainingEndTime: finish,
    LastModifiedTime: finish,
    TrainingTimeInSeconds: seconds,
    BillableTimeInSeconds: seconds,
    SecondaryStatusTransitions: [
      { Status: 'Starting', StartTime: creation, EndTime: start, StatusMessage: 'Preparing the instances for training' },
      { Status: 'Training', StartTime: start, EndTime: finish, StatusMessage: 'Training image download completed. Training in progress.' },
    ],
  };
  if (end.status === 'Completed') return { ...properties, ModelArtifacts: { S3ModelArtifacts: modelUri } };
  return {
    ...properties,
    TrainingJobStatus: end.timedOut ? 'Stopped' : 'Failed',
    SecondaryStatus: end.timedOut ? 'MaxRuntimeExceeded' : 'Failed',
    FailureReason: end.reason,
  };
}

/** A folder name for a job's files that is safe whatever the name holds. */
function jobWorkDirName(jobName: string): string {
  return jobName.replace(/[^A-Za-z0-9._-]/g, '_');
}
