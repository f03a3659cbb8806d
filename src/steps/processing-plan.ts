// The plan of a processing job (CreateProcessingJob arguments): inputs staged from S3 to their
// LocalPath, /opt/ml/config/processingjobconfig.json and resourceconfig.json, the image run with
// ContainerEntrypoint/ContainerArguments, outputs uploaded from their LocalPath after exit 0.
// Pure: the Processing executor runs it through job-runner.ts.
import path from 'node:path';
import { sagemakerArn } from '../engine/identity.js';
import type { JsonObject } from '../engine/json.js';
import type { Warning } from '../errors.js';
import { FAILURE_FILE, MESSAGE_FILE } from './failure-reason.js';
import { ArgumentReader } from './job-arguments.js';
import { describedRoleArn, describedStoppingCondition, resolveJobImage, singleInstanceWarnings, unsupported } from './job-container.js';
import type { JobEnd, JobMount, JobPlan, JobPlanFacts, JobRunFacts } from './job-plan.js';
import { PROCESSING_CONFIG_PATH, resourceConfig } from './opt-ml.js';
import type { S3DataType } from './staging.js';

/** Where a processing container may leave its exit message (`message`) or `failure` file. */
const MESSAGE_DIR = '/opt/ml/output';

interface ProcessingInput {
  readonly name: string;
  readonly s3Uri: string;
  readonly localPath: string;
  readonly dataType: S3DataType;
}

interface ProcessingOutput {
  readonly name: string;
  readonly s3Uri: string;
  readonly localPath: string;
}

/** Plans a processing job; throws StepFailure (source user) for arguments that cannot run locally. */
export function planProcessingJob(argumentsValue: JsonObject, facts: JobPlanFacts): JobPlan {
  const { stepName, jobName } = facts;
  const args = new ArgumentReader(stepName, argumentsValue);
  const arn = sagemakerArn(facts.execution, 'processing-job', jobName);
  const app = args.object('AppSpecification');
  const imageUri = app.string('ImageUri');
  const entrypoint = app.optionalStrings('ContainerEntrypoint');
  const containerArguments = app.optionalStrings('ContainerArguments');
  const cluster = args.object('ProcessingResources').object('ClusterConfig');
  const warnings = singleInstanceWarnings(stepName, cluster.optionalNumber('InstanceCount'));
  const maxRuntimeSeconds = args.object('StoppingCondition').optionalNumber('MaxRuntimeInSeconds');
  const networkIsolation = args.object('NetworkConfig').optionalBoolean('EnableNetworkIsolation') === true;
  const inputs = processingInputs(stepName, args, warnings);
  const outputConfig = args.object('ProcessingOutputConfig');
  const outputs = processingOutputs(stepName, outputConfig);
  const image = resolveJobImage(facts, stepName, imageUri);
  const environment = args.stringMap('Environment');
  const instanceType = cluster.optionalString('InstanceType');
  const request: JsonObject = {
    ProcessingJobArn: arn,
    ProcessingJobName: jobName,
    AppSpecification: app.value,
    Environment: environment,
    ProcessingInputs: args.objects('ProcessingInputs').map((input) => withInputDefaults(input.value)),
    ProcessingOutputConfig: outputConfig.value,
    ProcessingResources: args.object('ProcessingResources').value,
    RoleArn: describedRoleArn(args, facts.execution),
    StoppingCondition: describedStoppingCondition(args),
    ...(args.has('NetworkConfig') ? { NetworkConfig: args.object('NetworkConfig').value } : {}),
  };
  const { mounts, messageDir } = processingMounts(inputs, outputs);
  return {
    jobName,
    arn,
    metadata: { ProcessingJob: { Arn: arn } },
    imageUri,
    localImage: image.localTag,
    ...(instanceType === undefined ? {} : { instanceType }),
    warnings,
    folder: 'opt-ml',
    folders: [],
    mounts,
    configFiles: [
      { hostPath: 'config/processingjobconfig.json', content: request },
      { hostPath: 'config/resourceconfig.json', content: resourceConfig(instanceType) },
    ],
    inputs: inputs.map((input, index) => ({ name: input.name, s3Uri: input.s3Uri, dataType: input.dataType, hostPath: `inputs/${index}` })),
    outputs: outputs.map((output, index) => ({ name: output.name, hostPath: `outputs/${index}`, s3Uri: output.s3Uri, upload: 'files' as const })),
    container: {
      ...(entrypoint === undefined ? {} : { entrypoint }),
      ...(containerArguments === undefined ? {} : { command: containerArguments }),
      environment,
      jobVariables: { PROCESSING_JOB_NAME: jobName, PROCESSING_JOB_ARN: arn },
      networkIsolation,
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
      pipWheels: false,
      gpuEnvironment: false,
    },
    metricDefinitions: [],
    messageFiles: [
      { hostPath: path.posix.join(messageDir, 'message'), containerPath: MESSAGE_FILE },
      { hostPath: path.posix.join(messageDir, 'failure'), containerPath: FAILURE_FILE },
    ],
    readMessage: 'always',
    describe: (run, end) => describeProcessingJob({ ...argumentsValue, ...request }, run, end),
  };
}

function processingInputs(stepName: string, args: ArgumentReader, warnings: Warning[]): ProcessingInput[] {
  return args.objects('ProcessingInputs').map((input, index) => {
    const name = input.optionalString('InputName') ?? `input-${index + 1}`;
    if (!input.has('S3Input')) {
      throw unsupported(stepName, `input "${name}" (DatasetDefinition: Athena or Redshift)`, 'Stage the data in S3 and use an S3Input instead.');
    }
    const s3 = input.object('S3Input');
    const dataType = s3.optionalString('S3DataType') ?? 'S3Prefix';
    if (dataType !== 'S3Prefix' && dataType !== 'ManifestFile') {
      throw unsupported(stepName, `input "${name}" with S3DataType ${dataType}`, 'Use S3Prefix or ManifestFile.');
    }
    if (s3.optionalString('S3InputMode') === 'Pipe') warnings.push({ code: 'PIPE_MODE_AS_FILE', message: `step "${stepName}": input "${name}" uses S3InputMode Pipe; it is staged as File locally` });
    return { name, s3Uri: s3.string('S3Uri'), localPath: s3.string('LocalPath'), dataType };
  });
}

function processingOutputs(stepName: string, outputConfig: ArgumentReader): ProcessingOutput[] {
  return outputConfig.objects('Outputs').map((output, index) => {
    const name = output.optionalString('OutputName') ?? `output-${index + 1}`;
    if (!output.has('S3Output')) {
      throw unsupported(stepName, `output "${name}" (FeatureStoreOutput)`, 'Use an S3Output instead.');
    }
    const s3 = output.object('S3Output');
    return { name, s3Uri: s3.string('S3Uri'), localPath: s3.string('LocalPath') };
  });
}

/**
 * /opt/ml/config, one folder per input and output LocalPath and, unless an output already claims
 * it, /opt/ml/output (where the container may leave `message` or `failure`). Parents mount first.
 */
function processingMounts(inputs: readonly ProcessingInput[], outputs: readonly ProcessingOutput[]): { mounts: JobMount[]; messageDir: string } {
  const localPaths = [...inputs, ...outputs].map((item) => path.posix.normalize(item.localPath).replace(/\/$/, ''));
  const claimedAt = localPaths.indexOf(MESSAGE_DIR);
  const messageMount = claimedAt === -1 ? [{ hostPath: `outputs/${outputs.length}`, containerPath: MESSAGE_DIR }] : [];
  // A folder an input claims is not one the container writes to: the message is looked for at the job's root, and not found.
  const messageDir = claimedAt === -1 ? `outputs/${outputs.length}` : claimedAt >= inputs.length ? `outputs/${claimedAt - inputs.length}` : '';
  const mounts: JobMount[] = [
    { hostPath: 'config', containerPath: PROCESSING_CONFIG_PATH },
    ...inputs.map((input, index) => ({ hostPath: `inputs/${index}`, containerPath: input.localPath })),
    ...outputs.map((output, index) => ({ hostPath: `outputs/${index}`, containerPath: output.localPath })),
    ...messageMount,
  ];
  mounts.sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
  return { mounts, messageDir };
}

function depth(containerPath: string): number {
  return path.posix.normalize(containerPath).split('/').filter(Boolean).length;
}

/** DescribeProcessingJob fills in the defaults of each S3Input. */
function withInputDefaults(input: JsonObject): JsonObject {
  const s3 = input['S3Input'];
  if (s3 === null || typeof s3 !== 'object' || Array.isArray(s3)) return input;
  return {
    ...input,
    AppManaged: input['AppManaged'] ?? false,
    S3Input: { S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None', ...s3 },
  };
}

/** DescribeProcessingJob as the job ended. */
function describeProcessingJob(request: JsonObject, run: JobRunFacts, end: JobEnd): JsonObject {
  const properties: JsonObject = {
    ...request,
    ProcessingJobStatus: 'Completed',
    ExitMessage: run.exitMessage?.trim() ?? '',
    CreationTime: run.creationTime.toISOString(),
    ProcessingStartTime: run.startTime.toISOString(),
    ProcessingEndTime: run.endTime.toISOString(),
    LastModifiedTime: run.endTime.toISOString(),
  };
  return end.status === 'Completed' ? properties : { ...properties, ProcessingJobStatus: 'Failed', FailureReason: end.reason };
}
