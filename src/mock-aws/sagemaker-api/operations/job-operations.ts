// Describe*Job for the jobs pipeline steps ran. A step's properties already are the Describe*
// response (that is what `Steps.X.*` references read), so a job is found by the name in its step's
// properties or metadata ARN, and served with the status the step has now.
import type {
  DescribeHyperParameterTuningJobRequest,
  DescribeProcessingJobRequest,
  DescribeTrainingJobRequest,
  DescribeTransformJobRequest,
  HyperParameterTrainingJobSummary,
  ListTrainingJobsForHyperParameterTuningJobRequest,
  ListTrainingJobsForHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import type { ExecutionRecord, StepRecord, StepStatus } from '../../../engine/execution-record.js';
import { sagemakerArn } from '../../../engine/identity.js';
import { type JsonObject, type JsonValue, isJsonObject } from '../../../engine/json.js';
import { assertNever } from '../../../errors.js';
import { resourceNotFound, validationError } from '../api-error.js';
import type { SageMakerApiBackend } from '../api-backend.js';
import { paginate } from '../pagination.js';
import { compareBy } from './shared.js';

/** How each job kind names itself in Describe* responses and in step metadata. */
interface JobKind {
  readonly stepType: StepRecord['stepType'];
  readonly label: string;
  readonly nameKey: string;
  readonly arnKey: string;
  readonly statusKey: string;
  readonly metadataKey: string;
  readonly arnSegment: string;
}

const PROCESSING: JobKind = {
  stepType: 'Processing',
  label: 'Processing job',
  nameKey: 'ProcessingJobName',
  arnKey: 'ProcessingJobArn',
  statusKey: 'ProcessingJobStatus',
  metadataKey: 'ProcessingJob',
  arnSegment: 'processing-job',
};
const TRAINING: JobKind = {
  stepType: 'Training',
  label: 'Training job',
  nameKey: 'TrainingJobName',
  arnKey: 'TrainingJobArn',
  statusKey: 'TrainingJobStatus',
  metadataKey: 'TrainingJob',
  arnSegment: 'training-job',
};
const TRANSFORM: JobKind = {
  stepType: 'Transform',
  label: 'Transform job',
  nameKey: 'TransformJobName',
  arnKey: 'TransformJobArn',
  statusKey: 'TransformJobStatus',
  metadataKey: 'TransformJob',
  arnSegment: 'transform-job',
};
const TUNING: JobKind = {
  stepType: 'Tuning',
  label: 'Amazon SageMaker HyperParameterTuningJob',
  nameKey: 'HyperParameterTuningJobName',
  arnKey: 'HyperParameterTuningJobArn',
  statusKey: 'HyperParameterTuningJobStatus',
  metadataKey: 'TuningJob',
  arnSegment: 'hyper-parameter-tuning-job',
};

export async function describeProcessingJob(input: DescribeProcessingJobRequest, backend: SageMakerApiBackend): Promise<JsonObject> {
  return describeJob(PROCESSING, input.ProcessingJobName as string, backend);
}

export async function describeTrainingJob(input: DescribeTrainingJobRequest, backend: SageMakerApiBackend): Promise<JsonObject> {
  return describeJob(TRAINING, input.TrainingJobName as string, backend);
}

export async function describeTransformJob(input: DescribeTransformJobRequest, backend: SageMakerApiBackend): Promise<JsonObject> {
  return describeJob(TRANSFORM, input.TransformJobName as string, backend);
}

export async function describeHyperParameterTuningJob(input: DescribeHyperParameterTuningJobRequest, backend: SageMakerApiBackend): Promise<JsonObject> {
  return describeJob(TUNING, input.HyperParameterTuningJobName as string, backend);
}

/**
 * The training jobs of a tuning step: the executor's `TrainingJobSummaries` when it recorded them,
 * else the best training job, which every tuning step reports.
 */
export async function listTrainingJobsForHyperParameterTuningJob(
  input: ListTrainingJobsForHyperParameterTuningJobRequest,
  backend: SageMakerApiBackend,
): Promise<ListTrainingJobsForHyperParameterTuningJobResponse> {
  const name = input.HyperParameterTuningJobName as string;
  const found = await findJob(TUNING, name, backend);
  const description = jobDescription(TUNING, found.step, found.record);
  const recorded = description['TrainingJobSummaries'];
  const best = description['BestTrainingJob'];
  let summaries: JsonObject[] = Array.isArray(recorded) ? recorded.filter(isJsonObject) : isJsonObject(best) ? [best] : [];
  if (input.StatusEquals !== undefined) summaries = summaries.filter((s) => s['TrainingJobStatus'] === input.StatusEquals);
  const sortBy = input.SortBy ?? 'CreationTime';
  const key = (s: JsonObject): string | number => {
    switch (sortBy) {
      case 'Name':
        return String(s['TrainingJobName'] ?? '');
      case 'Status':
        return String(s['TrainingJobStatus'] ?? '');
      case 'FinalObjectiveMetricValue': {
        const metric = s['FinalHyperParameterTuningJobObjectiveMetric'];
        return isJsonObject(metric) && typeof metric['Value'] === 'number' ? metric['Value'] : Number.NEGATIVE_INFINITY;
      }
      case 'CreationTime':
        return Date.parse(String(s['CreationTime'] ?? '')) || 0;
      default:
        throw validationError(`Unknown SortBy ${String(sortBy)}`);
    }
  };
  summaries.sort(compareBy(key, input.SortOrder ?? 'Descending'));
  const page = paginate(summaries, input, `ListTrainingJobsForHyperParameterTuningJob:${name}:${input.StatusEquals ?? ''}:${sortBy}:${input.SortOrder ?? ''}`);
  return { TrainingJobSummaries: page.items as unknown as HyperParameterTrainingJobSummary[], NextToken: page.nextToken };
}

async function describeJob(kind: JobKind, name: string, backend: SageMakerApiBackend): Promise<JsonObject> {
  const found = await findJob(kind, name, backend);
  return jobDescription(kind, found.step, found.record);
}

async function findJob(kind: JobKind, name: string, backend: SageMakerApiBackend): Promise<{ record: ExecutionRecord; step: StepRecord }> {
  const wanted = name.toLowerCase();
  for (const record of await backend.executions.list()) {
    for (const step of record.steps) {
      if (step.stepType !== kind.stepType) continue;
      if (jobNameOf(kind, step)?.toLowerCase() === wanted) return { record, step };
    }
  }
  throw kind === TUNING ? resourceNotFound(`${kind.label} ${name} does not exist.`) : validationError(`Requested resource not found: ${kind.label} ${name} does not exist.`);
}

function jobNameOf(kind: JobKind, step: StepRecord): string | undefined {
  const fromProperties = step.properties?.[kind.nameKey];
  if (typeof fromProperties === 'string') return fromProperties;
  const arn = (step.metadata[kind.metadataKey] as { Arn?: unknown } | undefined)?.Arn;
  return typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
}

/** The step's properties with the job's status as it is now (a running step has few properties yet). */
function jobDescription(kind: JobKind, step: StepRecord, record: ExecutionRecord): JsonObject {
  const properties: JsonObject = { ...(step.properties ?? {}) };
  const name = jobNameOf(kind, step) as string;
  properties[kind.nameKey] ??= name;
  const arn = (step.metadata[kind.metadataKey] as { Arn?: unknown } | undefined)?.Arn;
  properties[kind.arnKey] ??= typeof arn === 'string' ? arn : sagemakerArn({ region: regionOf(record), accountId: accountOf(record) }, kind.arnSegment, name);
  const status = jobStatus(step.status);
  if (status !== undefined) properties[kind.statusKey] = status;
  if (kind === TRAINING && properties['SecondaryStatus'] === undefined && status !== undefined) {
    properties['SecondaryStatus'] = status === 'InProgress' ? 'Training' : status;
  }
  if (step.failureReason !== undefined) properties['FailureReason'] ??= step.failureReason;
  if (step.startTime !== undefined) properties['CreationTime'] ??= step.startTime;
  properties['LastModifiedTime'] ??= step.endTime ?? record.lastModifiedTime;
  return properties;
}

function jobStatus(status: StepStatus): JsonValue | undefined {
  switch (status) {
    case 'Starting':
    case 'Executing':
      return 'InProgress';
    case 'Succeeded':
      return 'Completed';
    case 'Failed':
      return 'Failed';
    case 'Stopping':
      return 'Stopping';
    case 'Stopped':
      return 'Stopped';
    case 'Skipped':
      return undefined;
    default:
      return assertNever(status, 'step status');
  }
}

function regionOf(record: ExecutionRecord): string {
  return record.executionArn.split(':')[3] ?? 'us-east-1';
}

function accountOf(record: ExecutionRecord): string {
  return record.executionArn.split(':')[4] ?? '111122223333';
}
