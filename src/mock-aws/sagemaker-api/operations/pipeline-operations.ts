// CreatePipeline, UpdatePipeline, DescribePipeline, DeletePipeline, ListPipelines.
import type {
  CreatePipelineRequest,
  CreatePipelineResponse,
  DeletePipelineRequest,
  DeletePipelineResponse,
  DescribePipelineRequest,
  DescribePipelineResponse,
  ListPipelinesRequest,
  ListPipelinesResponse,
  PipelineDefinitionS3Location,
  UpdatePipelineRequest,
  UpdatePipelineResponse,
} from '@aws-sdk/client-sagemaker';
import { accountOfArn, pipelineArn } from '../../../engine/identity.js';
import { DefinitionError, isSagesimError } from '../../../errors.js';
import type { PipelineDefinition } from '../../../engine/definition-types.js';
import { resourceNotFound, validationError } from '../api-error.js';
import type { SageMakerApiBackend } from '../api-backend.js';
import { paginate } from '../pagination.js';
import { type PipelineRecord, pipelineNameFrom } from '../pipeline-store.js';
import { parseTimestamp } from '../validation.js';
import { compareBy, optionalDate } from './shared.js';

/**
 * The text the SageMaker Python SDK's `Pipeline.upsert()` looks for in a CreatePipeline
 * ValidationException before it falls back to UpdatePipeline: keep it word for word.
 */
export const PIPELINE_EXISTS_PREFIX = 'Pipeline names must be unique within an AWS account and region.';

export async function createPipeline(input: CreatePipelineRequest, backend: SageMakerApiBackend): Promise<CreatePipelineResponse> {
  const name = input.PipelineName as string;
  const text = await definitionText(input, backend);
  checkDefinition(text, backend);
  const now = backend.now().toISOString();
  const record: PipelineRecord = {
    PipelineName: name,
    PipelineArn: pipelineArn(backend.region, accountOfArn(input.RoleArn) ?? backend.accountId, name),
    PipelineDisplayName: input.PipelineDisplayName ?? name,
    ...(input.PipelineDescription === undefined ? {} : { PipelineDescription: input.PipelineDescription }),
    RoleArn: input.RoleArn as string,
    PipelineDefinition: text,
    PipelineStatus: 'Active',
    CreationTime: now,
    LastModifiedTime: now,
    ...(input.ParallelismConfiguration?.MaxParallelExecutionSteps === undefined
      ? {}
      : { ParallelismConfiguration: { MaxParallelExecutionSteps: input.ParallelismConfiguration.MaxParallelExecutionSteps } }),
    Tags: (input.Tags ?? []).map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' })),
    PipelineVersionId: 1,
  };
  if (!(await backend.pipelines.create(record))) {
    throw validationError(`${PIPELINE_EXISTS_PREFIX} Pipeline with name (${name}) already exists.`);
  }
  return { PipelineArn: record.PipelineArn };
}

export async function updatePipeline(input: UpdatePipelineRequest, backend: SageMakerApiBackend): Promise<UpdatePipelineResponse> {
  const current = await requirePipeline(backend, input.PipelineName as string);
  let text = current.PipelineDefinition;
  if (input.PipelineDefinition !== undefined || input.PipelineDefinitionS3Location !== undefined) {
    text = await definitionText(input, backend);
    checkDefinition(text, backend);
  }
  const next: PipelineRecord = {
    ...current,
    PipelineDefinition: text,
    ...(input.PipelineDisplayName === undefined ? {} : { PipelineDisplayName: input.PipelineDisplayName }),
    ...(input.PipelineDescription === undefined ? {} : { PipelineDescription: input.PipelineDescription }),
    ...(input.RoleArn === undefined ? {} : { RoleArn: input.RoleArn }),
    ...(input.ParallelismConfiguration?.MaxParallelExecutionSteps === undefined
      ? {}
      : { ParallelismConfiguration: { MaxParallelExecutionSteps: input.ParallelismConfiguration.MaxParallelExecutionSteps } }),
    LastModifiedTime: backend.now().toISOString(),
    PipelineVersionId: current.PipelineVersionId + 1,
  };
  await backend.pipelines.put(next);
  return { PipelineArn: next.PipelineArn, PipelineVersionId: next.PipelineVersionId };
}

export async function describePipeline(input: DescribePipelineRequest, backend: SageMakerApiBackend): Promise<DescribePipelineResponse> {
  const record = await requirePipeline(backend, input.PipelineName as string);
  if (input.PipelineVersionId !== undefined && input.PipelineVersionId !== record.PipelineVersionId) {
    throw resourceNotFound(
      `Pipeline version ${input.PipelineVersionId} of ${record.PipelineArn} does not exist (sagesim keeps only the latest version, ${record.PipelineVersionId}).`,
    );
  }
  return {
    PipelineArn: record.PipelineArn,
    PipelineName: record.PipelineName,
    PipelineDisplayName: record.PipelineDisplayName,
    PipelineDefinition: record.PipelineDefinition,
    PipelineDescription: record.PipelineDescription,
    RoleArn: record.RoleArn,
    PipelineStatus: record.PipelineStatus,
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
    LastRunTime: optionalDate(record.LastRunTime),
    ParallelismConfiguration: record.ParallelismConfiguration,
    PipelineVersionId: record.PipelineVersionId,
  } as DescribePipelineResponse;
}

export async function deletePipeline(input: DeletePipelineRequest, backend: SageMakerApiBackend): Promise<DeletePipelineResponse> {
  const record = await requirePipeline(backend, input.PipelineName as string);
  await backend.pipelines.delete(record.PipelineName);
  return { PipelineArn: record.PipelineArn };
}

export async function listPipelines(input: ListPipelinesRequest, backend: SageMakerApiBackend): Promise<ListPipelinesResponse> {
  const after = parseTimestamp(input.CreatedAfter);
  const before = parseTimestamp(input.CreatedBefore);
  const prefix = input.PipelineNamePrefix?.toLowerCase();
  const selected = (await backend.pipelines.list()).filter(
    (p) =>
      (prefix === undefined || p.PipelineName.toLowerCase().startsWith(prefix)) &&
      (after === undefined || Date.parse(p.CreationTime) > after.getTime()) &&
      (before === undefined || Date.parse(p.CreationTime) < before.getTime()),
  );
  const sortBy = input.SortBy ?? 'CreationTime';
  selected.sort(compareBy((p) => (sortBy === 'Name' ? p.PipelineName : p.CreationTime), input.SortOrder ?? 'Descending'));
  const page = paginate(selected, input, `ListPipelines:${prefix ?? ''}:${sortBy}:${input.SortOrder ?? ''}`);
  return {
    PipelineSummaries: page.items.map((p) => ({
      PipelineArn: p.PipelineArn,
      PipelineName: p.PipelineName,
      PipelineDisplayName: p.PipelineDisplayName,
      PipelineDescription: p.PipelineDescription,
      RoleArn: p.RoleArn,
      CreationTime: new Date(p.CreationTime),
      LastModifiedTime: new Date(p.LastModifiedTime),
      LastExecutionTime: optionalDate(p.LastRunTime),
    })),
    NextToken: page.nextToken,
  };
}

/** The pipeline of that name or ARN, or the cloud's ResourceNotFound. */
export async function requirePipeline(backend: SageMakerApiBackend, nameOrArn: string): Promise<PipelineRecord> {
  const record = await backend.pipelines.get(nameOrArn);
  if (!record) {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn : pipelineArn(backend.region, backend.accountId, pipelineNameFrom(nameOrArn));
    throw resourceNotFound(`Pipeline '${arn}' does not exist.`);
  }
  return record;
}

async function definitionText(
  input: { readonly PipelineDefinition?: string | undefined; readonly PipelineDefinitionS3Location?: PipelineDefinitionS3Location | undefined },
  backend: SageMakerApiBackend,
): Promise<string> {
  if (input.PipelineDefinition !== undefined && input.PipelineDefinitionS3Location !== undefined) {
    throw validationError('Provide either PipelineDefinition or PipelineDefinitionS3Location, not both.');
  }
  if (input.PipelineDefinition !== undefined) return input.PipelineDefinition;
  const location = input.PipelineDefinitionS3Location;
  if (location === undefined) throw validationError('Either PipelineDefinition or PipelineDefinitionS3Location must be provided.');
  const uri = `s3://${location.Bucket}/${location.ObjectKey}`;
  if (!backend.objectStore) throw validationError(`Cannot read the pipeline definition at ${uri}: this endpoint serves no S3.`);
  try {
    return (await backend.objectStore.get(uri)).toString('utf8');
  } catch (error) {
    throw validationError(`Cannot read the pipeline definition at ${uri}: ${isSagesimError(error) ? error.message : String(error)}`);
  }
}

/** Rejects a definition the engine could not run, listing every problem with its JSON path. */
export function checkDefinition(text: string, backend: SageMakerApiBackend): PipelineDefinition {
  try {
    return backend.parseDefinition(text, 'PipelineDefinition');
  } catch (error) {
    if (error instanceof DefinitionError) {
      const problems = error.problems.map((p) => `${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
      throw validationError(
        `Invalid pipeline definition: ${problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`}`,
      );
    }
    if (isSagesimError(error) && error.source === 'user') throw validationError(`Invalid pipeline definition: ${error.message}`);
    throw error;
  }
}
