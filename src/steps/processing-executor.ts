// Processing steps (CreateProcessingJob) in a real container: inputs staged from S3 to their
// LocalPath, /opt/ml/config/processingjobconfig.json and resourceconfig.json written, the image run
// with ContainerEntrypoint/ContainerArguments, outputs uploaded from their LocalPath after exit 0.
import path from 'node:path';
import type { JsonObject } from '../engine/json.js';
import { sagemakerArn } from '../engine/identity.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { readContainerTextFile } from './container-text-file.js';
import { FAILURE_FILE, MESSAGE_FILE } from './failure-reason.js';
import { jobGpus } from './job-gpus.js';
import { ArgumentReader } from './job-arguments.js';
import {
  containerJobFailure,
  describedRoleArn,
  describedStoppingCondition,
  jobContextOf,
  jobEnvironment,
  resolveJobImage,
  runJobContainer,
  stageInputs,
  throwIfStopped,
  unsupported,
  uploadOutput,
  warnSingleInstance,
  type JobDeps,
  type StageInput,
} from './job-container.js';
import { prepareProcessingLayout, resourceConfig, writeJson } from './opt-ml.js';

/** Where a processing container may leave its exit message. */
const MESSAGE_DIR = '/opt/ml/output';

export class ProcessingExecutor implements StepExecutor {
  readonly stepType = 'Processing' as const;

  constructor(private readonly deps: JobDeps) {}

  async execute(context: StepContext): Promise<StepResult> {
    const { deps } = this;
    const job = jobContextOf(context);
    const stepName = context.step.Name;
    const args = new ArgumentReader(stepName, context.arguments);
    const jobName = context.jobName;
    const arn = sagemakerArn(context.execution, 'processing-job', jobName);
    context.reportMetadata?.({ ProcessingJob: { Arn: arn } });
    const creationTime = deps.now();

    const app = args.object('AppSpecification');
    const imageUri = app.string('ImageUri');
    const entrypoint = app.optionalStrings('ContainerEntrypoint');
    const containerArguments = app.optionalStrings('ContainerArguments');
    const cluster = args.object('ProcessingResources').object('ClusterConfig');
    warnSingleInstance(job, cluster.optionalNumber('InstanceCount'));
    const maxRuntimeSeconds = args.object('StoppingCondition').optionalNumber('MaxRuntimeInSeconds');
    const networkIsolation = args.object('NetworkConfig').optionalBoolean('EnableNetworkIsolation') === true;

    const inputs = args.objects('ProcessingInputs').map((input, index) => {
      const name = input.optionalString('InputName') ?? `input-${index + 1}`;
      if (!input.has('S3Input')) {
        throw unsupported(stepName, `input "${name}" (DatasetDefinition: Athena or Redshift)`, 'Stage the data in S3 and use an S3Input instead.');
      }
      const s3 = input.object('S3Input');
      const dataType = s3.optionalString('S3DataType') ?? 'S3Prefix';
      if (dataType !== 'S3Prefix' && dataType !== 'ManifestFile') {
        throw unsupported(stepName, `input "${name}" with S3DataType ${dataType}`, 'Use S3Prefix or ManifestFile.');
      }
      if (s3.optionalString('S3InputMode') === 'Pipe') {
        context.warn(`step "${stepName}": input "${name}" uses S3InputMode Pipe; it is staged as File locally`);
      }
      return { name, s3Uri: s3.string('S3Uri'), localPath: s3.string('LocalPath'), dataType } as const;
    });
    const outputConfig = args.object('ProcessingOutputConfig');
    const outputs = outputConfig.objects('Outputs').map((output, index) => {
      const name = output.optionalString('OutputName') ?? `output-${index + 1}`;
      if (!output.has('S3Output')) {
        throw unsupported(stepName, `output "${name}" (FeatureStoreOutput)`, 'Use an S3Output instead.');
      }
      const s3 = output.object('S3Output');
      return { name, s3Uri: s3.string('S3Uri'), localPath: s3.string('LocalPath') };
    });

    const image = resolveJobImage(deps, stepName, imageUri);
    // /opt/ml/output is mounted too, to read the `message` (ExitMessage) or `failure` file a
    // container may write there, unless an output already claims that very folder.
    const localPaths = [...inputs, ...outputs].map((item) => path.posix.normalize(item.localPath).replace(/\/$/, ''));
    const messagePath = localPaths.includes(MESSAGE_DIR) ? undefined : MESSAGE_DIR;
    const layout = await prepareProcessingLayout(
      context.workDir,
      inputs.map((input) => input.localPath),
      [...outputs.map((output) => output.localPath), ...(messagePath === undefined ? [] : [messagePath])],
    );
    const messageDir =
      messagePath === undefined
        ? (layout.outputDirs[localPaths.indexOf(MESSAGE_DIR) - inputs.length] ?? layout.root)
        : (layout.outputDirs[outputs.length] ?? layout.root);

    const staging: StageInput[] = inputs.map((input, index) => ({
      name: input.name,
      s3Uri: input.s3Uri,
      dataType: input.dataType,
      hostDir: layout.inputDirs[index] ?? '',
    }));
    await stageInputs(job, staging);

    const environment = args.stringMap('Environment');
    const describedInputs = args.objects('ProcessingInputs').map((input) => withInputDefaults(input.value));
    const request: JsonObject = {
      ProcessingJobArn: arn,
      ProcessingJobName: jobName,
      AppSpecification: app.value,
      Environment: environment,
      ProcessingInputs: describedInputs,
      ProcessingOutputConfig: outputConfig.value,
      ProcessingResources: args.object('ProcessingResources').value,
      RoleArn: describedRoleArn(args, context.execution),
      StoppingCondition: describedStoppingCondition(args),
      ...(args.has('NetworkConfig') ? { NetworkConfig: args.object('NetworkConfig').value } : {}),
    };
    await writeJson(path.join(layout.configDir, 'processingjobconfig.json'), request);
    await writeJson(path.join(layout.configDir, 'resourceconfig.json'), resourceConfig(cluster.optionalString('InstanceType')));

    const memoryBytes = deps.memoryLimit?.(cluster.optionalString('InstanceType'));
    const { gpus } = await jobGpus(deps, job, cluster.optionalString('InstanceType'));
    const startTime = deps.now();
    const exit = await runJobContainer(deps, job, {
      ...(memoryBytes === undefined ? {} : { memoryBytes }),
      ...(gpus === undefined ? {} : { gpus }),
      jobName,
      localImage: image.localTag,
      ...(entrypoint === undefined ? {} : { entrypoint }),
      ...(containerArguments === undefined ? {} : { command: containerArguments }),
      env: jobEnvironment(deps, environment, { PROCESSING_JOB_NAME: jobName, PROCESSING_JOB_ARN: arn }),
      mounts: layout.mounts,
      networkIsolation,
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
    });
    const endTime = deps.now();
    const skipped = (reason: string): void => context.log(`[sagesim] ${reason.replace(messageDir, '/opt/ml/output')}`);
    const exitMessage = await readContainerTextFile(path.join(messageDir, 'message'), skipped);
    const failureFileText = exitMessage === undefined ? await readContainerTextFile(path.join(messageDir, 'failure'), skipped) : undefined;
    const message = exitMessage ?? failureFileText;

    const properties: JsonObject = {
      ...context.arguments,
      ...request,
      ProcessingJobStatus: 'Completed',
      ExitMessage: message?.trim() ?? '',
      CreationTime: creationTime.toISOString(),
      ProcessingStartTime: startTime.toISOString(),
      ProcessingEndTime: endTime.toISOString(),
      LastModifiedTime: endTime.toISOString(),
    };
    const metadata = { ProcessingJob: { Arn: arn } };

    if (exit.exitCode !== 0 || exit.timedOut) {
      throw containerJobFailure(
        {
          stepName,
          executionId: context.execution.executionId,
          imageUri,
          localImage: image.localTag,
          exit,
          ...(message === undefined ? {} : { failureText: message, failureFile: exitMessage === undefined ? FAILURE_FILE : MESSAGE_FILE }),
          ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
          ...(memoryBytes === undefined ? {} : { memoryBytes }),
        },
        metadata,
        (reason) => ({ ...properties, ProcessingJobStatus: 'Failed', FailureReason: reason }),
      );
    }

    throwIfStopped(context.signal);
    await Promise.all(outputs.map((output, index) => uploadOutput(job, output.name, layout.outputDirs[index] ?? '', output.s3Uri)));
    return { properties, metadata };
  }
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
