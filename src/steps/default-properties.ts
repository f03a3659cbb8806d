// The properties a real job would report, built from a step's resolved arguments: Describe*-shaped
// objects with SageMaker's S3 layout, job names and ARNs, so `Steps.X.*` references downstream of a
// stub resolve to what they would in the cloud.
import type { OutputParameterDeclaration, PipelineStep } from '../engine/definition-types.js';
import type { StepMetadata } from '../engine/execution-record.js';
import { sagemakerArn } from '../engine/identity.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import { assertNever } from '../errors.js';
import { joinS3 } from '../ports/object-store.js';

export interface DefaultPropertiesInput {
  readonly step: PipelineStep;
  /** The step's arguments with every expression resolved. */
  readonly arguments: JsonObject;
  readonly jobName: string;
  readonly execution: ExecutionIdentity;
  readonly now: Date;
  /** Version given to a RegisterModel step's model package. @default 1 */
  readonly modelPackageVersion?: number;
  /**
   * The metric definitions SageMaker applies implicitly to a built-in algorithm's image
   * (containers/images.json), by image URI. @default none
   */
  readonly implicitMetricDefinitions?: (imageUri: string) => readonly { readonly Name: string }[];
}

export interface DefaultResult {
  readonly properties: JsonObject;
  readonly metadata: StepMetadata;
  readonly outputParameters: Record<string, JsonValue>;
}

/** The bucket the SDK falls back to when a job names no output location. */
export function defaultBucketUri(execution: Pick<ExecutionIdentity, 'region' | 'accountId'>): string {
  return `s3://sagemaker-${execution.region}-${execution.accountId}`;
}

/** Where a job writes its model: `<S3OutputPath>/<TrainingJobName>/output/model.tar.gz`. */
export function modelArtifactsUri(s3OutputPath: string, trainingJobName: string): string {
  return joinS3(s3OutputPath, trainingJobName, 'output', 'model.tar.gz');
}

export function defaultProperties(input: DefaultPropertiesInput): DefaultResult {
  const { step, jobName, execution } = input;
  const args = input.arguments;
  const iso = input.now.toISOString();
  switch (step.Type) {
    case 'Training': {
      const arn = sagemakerArn(execution, 'training-job', jobName);
      return job({ ...args, ...trainingJob(args, jobName, arn, iso, execution, input.implicitMetricDefinitions) }, { TrainingJob: { Arn: arn } });
    }
    case 'Processing':
      return processingJob(args, jobName, execution, iso);
    case 'Transform':
      return transformJob(args, jobName, execution, iso);
    case 'Model': {
      const arn = sagemakerArn(execution, 'model', jobName);
      return job({ ...args, ModelName: jobName, ModelArn: arn, CreationTime: iso }, { Model: { Arn: arn } });
    }
    case 'RegisterModel':
      return registerModel(args, jobName, execution, iso, input.modelPackageVersion ?? 1);
    case 'Tuning':
      return tuning(args, jobName, execution, iso);
    case 'AutoML':
      return autoMlJob(args, jobName, execution, iso);
    case 'EMR':
      return emrStep(step.Name, args, jobName);
    case 'QualityCheck':
    case 'ClarifyCheck':
      return check(step.Type, step, args, jobName, execution);
    case 'Lambda': {
      const outputs = declaredOutputs(step.OutputParameters);
      return { properties: {}, outputParameters: outputs, metadata: { Lambda: { Arn: step.FunctionArn, OutputParameters: metadataOutputs(outputs) } } };
    }
    case 'Callback': {
      const outputs = declaredOutputs(step.OutputParameters);
      return { properties: {}, outputParameters: outputs, metadata: { Callback: { CallbackToken: fakeId(jobName, 10), OutputParameters: metadataOutputs(outputs) } } };
    }
    case 'Condition':
    case 'Fail':
      // These never run as jobs; their executors build their own results.
      return { properties: {}, metadata: {}, outputParameters: {} };
    default:
      return assertNever(step, 'step type');
  }
}

/** DescribeProcessingJob of a job that completed at once. */
function processingJob(args: JsonObject, jobName: string, execution: ExecutionIdentity, iso: string): DefaultResult {
  const arn = sagemakerArn(execution, 'processing-job', jobName);
  return job(
    {
      ...args,
      ProcessingJobName: jobName,
      ProcessingJobArn: arn,
      ProcessingJobStatus: 'Completed',
      ExitMessage: '',
      CreationTime: iso,
      ProcessingStartTime: iso,
      ProcessingEndTime: iso,
      LastModifiedTime: iso,
    },
    { ProcessingJob: { Arn: arn } },
  );
}

/** DescribeTransformJob of a job that completed at once. */
function transformJob(args: JsonObject, jobName: string, execution: ExecutionIdentity, iso: string): DefaultResult {
  const arn = sagemakerArn(execution, 'transform-job', jobName);
  return job(
    {
      ...args,
      TransformJobName: jobName,
      TransformJobArn: arn,
      TransformJobStatus: 'Completed',
      CreationTime: iso,
      TransformStartTime: iso,
      TransformEndTime: iso,
    },
    { TransformJob: { Arn: arn } },
  );
}

/** DescribeAutoMLJob with one best candidate, its model where SageMaker would write it. */
function autoMlJob(args: JsonObject, jobName: string, execution: ExecutionIdentity, iso: string): DefaultResult {
  // AutoML job names are at most 32 characters.
  const name = shortName(jobName, 32);
  const arn = sagemakerArn(execution, 'automl-job', name);
  const candidate = `${name}-candidate-1`;
  const outputPath = str(objectAt(args, 'OutputDataConfig')['S3OutputPath']) ?? defaultBucketUri(execution);
  return job(
    {
      ...args,
      AutoMLJobName: name,
      AutoMLJobArn: arn,
      AutoMLJobStatus: 'Completed',
      AutoMLJobSecondaryStatus: 'Completed',
      CreationTime: iso,
      EndTime: iso,
      LastModifiedTime: iso,
      BestCandidate: {
        CandidateName: candidate,
        CandidateStatus: 'Completed',
        ObjectiveStatus: 'Succeeded',
        InferenceContainers: [{ Image: 'automl-inference', ModelDataUrl: joinS3(outputPath, name, 'data-processor-models', candidate, 'output', 'model.tar.gz'), Environment: {} }],
        FinalAutoMLJobObjectiveMetric: { MetricName: str(objectAt(args, 'AutoMLJobObjective')['MetricName']) ?? 'Accuracy', Value: 0 },
        CreationTime: iso,
        EndTime: iso,
        LastModifiedTime: iso,
      },
    },
    { AutoMLJob: { Arn: arn } },
  );
}

/** An EMR step that completed, on the cluster named (or a made-up one). */
function emrStep(stepName: string, args: JsonObject, jobName: string): DefaultResult {
  const stepId = `s-${fakeId(jobName, 13).toUpperCase()}`;
  const clusterId = str(args['ClusterId']) ?? `j-${fakeId(jobName, 13).toUpperCase()}`;
  return job(
    {
      ...args,
      ClusterId: clusterId,
      Step: { Id: stepId, Name: stepName, Config: args['StepConfig'] ?? {}, ActionOnFailure: 'CONTINUE', Status: { State: 'COMPLETED' } },
    },
    { EMR: { ClusterId: clusterId, StepId: stepId, StepName: stepName, LogFilePath: '' } },
  );
}

/** Scores where higher is better (after the `channel:` prefix), as SageMaker's built-ins name them. */
const HIGHER_IS_BETTER = /^(?:auc|aucpr|accuracy|acc|balanced_accuracy|f1|f1_weighted|f1_macro|precision|recall|r2|ndcg|map|pre|score|iou|bleu|roc_auc)(?:@|$)/i;
/** Errors and losses, where lower is better. */
const LOWER_IS_BETTER = /(?:error|loss|rmse|mse|mae|mape|rmsle|mphe|logloss|deviance|cox|gamma|poisson|tweedie|aft|cross_entropy|objective_loss|quantile)/i;

/**
 * The value a stub reports for a metric: small for errors and losses (0.1), high for scores (0.9),
 * 0.5 otherwise; deterministic, so conditions downstream of a stub behave the same every run. A stubs
 * file sets real ones: `{"TrainModel": {"metrics": {"validation:rmse": 3.1}}}`.
 */
export function plausibleMetricValue(metricName: string): number {
  const measure = metricName.slice(metricName.lastIndexOf(':') + 1);
  if (HIGHER_IS_BETTER.test(measure)) return 0.9;
  if (LOWER_IS_BETTER.test(measure)) return 0.1;
  return 0.5;
}

function job(properties: JsonObject, metadata: StepMetadata): DefaultResult {
  return { properties, metadata, outputParameters: {} };
}

function trainingJob(
  args: JsonObject,
  jobName: string,
  arn: string,
  iso: string,
  execution: ExecutionIdentity,
  implicit: DefaultPropertiesInput['implicitMetricDefinitions'],
): JsonObject {
  const outputPath = str(objectAt(args, 'OutputDataConfig')['S3OutputPath']) ?? defaultBucketUri(execution);
  const algorithm = objectAt(args, 'AlgorithmSpecification');
  const declared = Array.isArray(algorithm['MetricDefinitions']) ? algorithm['MetricDefinitions'].filter(isJsonObject).map((d) => str(d['Name']) ?? '') : [];
  const image = str(algorithm['TrainingImage']);
  // As a real job does: the definition's own metrics, then the image's implicit ones it did not name.
  const names = [...new Set([...declared, ...(image === undefined || implicit === undefined ? [] : implicit(image).map((d) => d.Name))])].filter((name) => name !== '');
  const metrics: JsonValue[] = names.map((name) => ({ MetricName: name, Value: plausibleMetricValue(name), Timestamp: iso }));
  return {
    TrainingJobName: jobName,
    TrainingJobArn: arn,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: modelArtifactsUri(outputPath, jobName) },
    FinalMetricDataList: metrics,
    CreationTime: iso,
    TrainingStartTime: iso,
    TrainingEndTime: iso,
    LastModifiedTime: iso,
    TrainingTimeInSeconds: 0,
    BillableTimeInSeconds: 0,
  };
}

function registerModel(args: JsonObject, jobName: string, execution: ExecutionIdentity, iso: string, version: number): DefaultResult {
  const group = str(args['ModelPackageGroupName']);
  const name = group ?? str(args['ModelPackageName']) ?? jobName;
  const arn = group ? `${sagemakerArn(execution, 'model-package', group)}/${version}` : sagemakerArn(execution, 'model-package', name);
  const properties: JsonObject = {
    ...args,
    ModelPackageName: name,
    ModelPackageArn: arn,
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: str(args['ModelApprovalStatus']) ?? 'PendingManualApproval',
    CreationTime: iso,
    LastModifiedTime: iso,
  };
  if (group) {
    properties['ModelPackageGroupName'] = group;
    properties['ModelPackageVersion'] = version;
  }
  return job(properties, { RegisterModel: { Arn: arn } });
}

function tuning(args: JsonObject, jobName: string, execution: ExecutionIdentity, iso: string): DefaultResult {
  // Tuning job names hold at most 32 characters; its training jobs are `<tuning>-<nnn>-<hex8>`.
  const name = shortName(jobName, 32);
  const arn = sagemakerArn(execution, 'hyper-parameter-tuning-job', name);
  const definition = objectAt(args, 'TrainingJobDefinition');
  const objective = objectAt(objectAt(args, 'HyperParameterTuningJobConfig'), 'HyperParameterTuningJobObjective');
  const trainingName = `${name}-001-${fakeId(jobName, 8)}`;
  const best: JsonObject = {
    TrainingJobName: trainingName,
    TrainingJobArn: sagemakerArn(execution, 'training-job', trainingName),
    TuningJobName: name,
    TrainingJobStatus: 'Completed',
    CreationTime: iso,
    TrainingStartTime: iso,
    TrainingEndTime: iso,
    TunedHyperParameters: { ...objectAt(definition, 'StaticHyperParameters') },
    FinalHyperParameterTuningJobObjectiveMetric: { Type: objective['Type'] ?? 'Minimize', MetricName: objective['MetricName'] ?? '', Value: 0 },
    ObjectiveStatus: 'Succeeded',
  };
  return job(
    {
      ...args,
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: arn,
      HyperParameterTuningJobStatus: 'Completed',
      CreationTime: iso,
      HyperParameterTuningEndTime: iso,
      LastModifiedTime: iso,
      TrainingJobStatusCounters: { Completed: 1, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
      ObjectiveStatusCounters: { Succeeded: 1, Pending: 0, Failed: 0 },
      BestTrainingJob: best,
      // ListTrainingJobsForHyperParameterTuningJob, best first: what get_top_model_s3_uri reads.
      TrainingJobSummaries: [best],
    },
    { TuningJob: { Arn: arn } },
  );
}

function check(type: 'QualityCheck' | 'ClarifyCheck', step: PipelineStep, args: JsonObject, jobName: string, execution: ExecutionIdentity): DefaultResult {
  const fields = step as unknown as Readonly<Record<string, unknown>>;
  const outputs = objectAt(args, 'ProcessingOutputConfig')['Outputs'];
  const first = Array.isArray(outputs) ? outputs.find(isJsonObject) : undefined;
  const outputUri = str(objectAt(first ? objectAt(first, 'S3Output') : {}, 'S3Uri')) ?? joinS3(defaultBucketUri(execution), jobName, 'output');
  const constraints = joinS3(outputUri, 'constraints.json');
  const statistics = joinS3(outputUri, 'statistics.json');
  const arn = sagemakerArn(execution, 'processing-job', jobName);
  const properties: JsonObject = {
    CalculatedBaselineConstraints: constraints,
    BaselineUsedForDriftCheckConstraints: str(fields['SuppliedBaselineConstraints']) ?? constraints,
  };
  const metadata: Record<string, JsonValue> = {
    CheckType: str(fields['CheckType']) ?? '',
    CalculatedBaselineConstraints: constraints,
    BaselineUsedForDriftCheckConstraints: properties['BaselineUsedForDriftCheckConstraints'] as JsonValue,
    ModelPackageGroupName: str(fields['ModelPackageGroupName']) ?? '',
    CheckJobArn: arn,
    SkipCheck: fields['SkipCheck'] === true,
    RegisterNewBaseline: fields['RegisterNewBaseline'] === true,
  };
  if (type === 'QualityCheck') {
    properties['CalculatedBaselineStatistics'] = statistics;
    properties['BaselineUsedForDriftCheckStatistics'] = str(fields['SuppliedBaselineStatistics']) ?? statistics;
    metadata['CalculatedBaselineStatistics'] = statistics;
    metadata['BaselineUsedForDriftCheckStatistics'] = properties['BaselineUsedForDriftCheckStatistics'] as JsonValue;
  }
  return job(properties, { [type]: metadata });
}

/** Lambda / Callback outputs a stub returns when told nothing: the declared names with empty values. */
function declaredOutputs(declarations: readonly OutputParameterDeclaration[] | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const declaration of declarations ?? []) {
    const type = declaration.OutputType ?? 'String';
    out[declaration.OutputName] = type === 'String' ? '' : type === 'Boolean' ? false : 0;
  }
  return out;
}

/** ListPipelineExecutionSteps shows output parameters as `{Name, Value}` with string values. */
export function metadataOutputs(outputs: Readonly<Record<string, JsonValue>>): { Name: string; Value: string }[] {
  return Object.entries(outputs).map(([Name, value]) => ({ Name, Value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

function objectAt(value: JsonObject, key: string): JsonObject {
  const child = value[key];
  return isJsonObject(child) ? child : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function shortName(jobName: string, max: number): string {
  return jobName.slice(0, max).replace(/-+$/, '');
}

/** A stable pseudo-random id derived from the job name (which already holds random characters). */
function fakeId(seed: string, length: number): string {
  let hash = 2166136261;
  let out = '';
  while (out.length < length) {
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 16777619) >>> 0;
    out += hash.toString(36);
    seed += out;
  }
  return out.slice(0, length);
}
