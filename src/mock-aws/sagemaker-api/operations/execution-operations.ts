// StartPipelineExecution and everything that reads or steers executions afterwards.
import type {
  DescribePipelineDefinitionForExecutionRequest,
  DescribePipelineDefinitionForExecutionResponse,
  DescribePipelineExecutionRequest,
  DescribePipelineExecutionResponse,
  ListPipelineExecutionStepsRequest,
  ListPipelineExecutionStepsResponse,
  ListPipelineExecutionsRequest,
  ListPipelineExecutionsResponse,
  ListPipelineParametersForExecutionRequest,
  ListPipelineParametersForExecutionResponse,
  RetryPipelineExecutionRequest,
  RetryPipelineExecutionResponse,
  StartPipelineExecutionRequest,
  StartPipelineExecutionResponse,
  StopPipelineExecutionRequest,
  StopPipelineExecutionResponse,
  UpdatePipelineExecutionRequest,
  UpdatePipelineExecutionResponse,
} from '@aws-sdk/client-sagemaker';
import { type LaunchPlan, planLaunch } from '../../../app/plan-launch.js';
import type { PipelineDefinition } from '../../../engine/definition-types.js';
import type { ExecutionRecord } from '../../../engine/execution-record.js';
import { pipelineArn } from '../../../engine/identity.js';
import { resolveParameters } from '../../../engine/parameters.js';
import { ParameterError, isSagesimError } from '../../../errors.js';
import { conflict, resourceNotFound, validationError } from '../api-error.js';
import type { SageMakerApiBackend } from '../api-backend.js';
import { paginate } from '../pagination.js';
import { pipelineNameFrom } from '../pipeline-store.js';
import { parseTimestamp } from '../validation.js';
import { describeExecution, executionSteps, stepSortTime, summarizeExecution } from './execution-shapes.js';
import { checkDefinition, requirePipeline } from './pipeline-operations.js';
import { compareBy } from './shared.js';

export async function startPipelineExecution(
  input: StartPipelineExecutionRequest,
  backend: SageMakerApiBackend,
): Promise<StartPipelineExecutionResponse> {
  const token = input.ClientRequestToken;
  const tokenKey = token === undefined ? undefined : `StartPipelineExecution:${token}`;
  const earlier = tokenKey === undefined ? undefined : backend.requestTokens.get(tokenKey);
  if (earlier !== undefined) return { PipelineExecutionArn: earlier };

  const pipeline = await requirePipeline(backend, input.PipelineName as string);
  if (input.PipelineVersionId !== undefined && input.PipelineVersionId !== pipeline.PipelineVersionId) {
    throw resourceNotFound(`Pipeline version ${input.PipelineVersionId} of ${pipeline.PipelineArn} does not exist (sagesim keeps only the latest version, ${pipeline.PipelineVersionId}).`);
  }
  const definition = checkDefinition(pipeline.PipelineDefinition, backend);
  const parameters = resolveApiParameters(definition, input.PipelineParameters ?? []);
  const selective = input.SelectiveExecutionConfig
    ? {
        selectedSteps: (input.SelectiveExecutionConfig.SelectedSteps ?? []).map((s) => s.StepName ?? ''),
        ...(input.SelectiveExecutionConfig.SourcePipelineExecutionArn === undefined
          ? {}
          : { sourceExecutionArn: input.SelectiveExecutionConfig.SourcePipelineExecutionArn }),
      }
    : undefined;
  // The launcher's rules decide what runs; a refusal reaches the client as a ValidationException.
  const plan = planLaunch(
    definition,
    pipeline.PipelineName,
    selective === undefined
      ? { kind: 'fresh' }
      : {
          kind: 'selective',
          steps: selective.selectedSteps,
          ...(selective.sourceExecutionArn === undefined ? {} : { source: await requireExecution(backend, selective.sourceExecutionArn) }),
        },
  );
  const maxParallel = input.ParallelismConfiguration?.MaxParallelExecutionSteps ?? pipeline.ParallelismConfiguration?.MaxParallelExecutionSteps;

  const record = await backend.executions.start({
    pipeline,
    definition,
    parameters,
    ...(input.PipelineExecutionDisplayName === undefined ? {} : { displayName: input.PipelineExecutionDisplayName }),
    ...(maxParallel === undefined ? {} : { maxParallel }),
    ...(selective === undefined ? {} : { selective }),
    plan,
  });
  if (tokenKey !== undefined) backend.requestTokens.set(tokenKey, record.executionArn);
  await backend.executionNotes.put(record.executionId, {
    ...(input.PipelineExecutionDescription === undefined ? {} : { description: input.PipelineExecutionDescription }),
    ...(input.PipelineExecutionDisplayName === undefined ? {} : { displayName: input.PipelineExecutionDisplayName }),
    definitionText: pipeline.PipelineDefinition,
    pipelineVersionId: pipeline.PipelineVersionId,
    ...(maxParallel === undefined ? {} : { maxParallel }),
    ...(selective === undefined ? {} : { selective }),
    parameterValues: Object.fromEntries((input.PipelineParameters ?? []).map(({ Name, Value }) => [Name ?? '', Value ?? ''])),
  });
  // The pipeline may have been deleted meanwhile; LastRunTime is best effort.
  const latest = await backend.pipelines.get(pipeline.PipelineName);
  if (latest) await backend.pipelines.put({ ...latest, LastRunTime: record.startTime });
  return { PipelineExecutionArn: record.executionArn };
}

export async function describePipelineExecution(
  input: DescribePipelineExecutionRequest,
  backend: SageMakerApiBackend,
): Promise<DescribePipelineExecutionResponse> {
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  return describeExecution(record, await backend.executionNotes.get(record.executionId));
}

export async function listPipelineExecutions(
  input: ListPipelineExecutionsRequest,
  backend: SageMakerApiBackend,
): Promise<ListPipelineExecutionsResponse> {
  const nameOrArn = input.PipelineName as string;
  const name = pipelineNameFrom(nameOrArn).toLowerCase();
  const all = (await backend.executions.list()).filter((record) => record.pipelineName.toLowerCase() === name);
  // CLI runs of a definition never created through the API still list under their pipeline name.
  if (all.length === 0 && !(await backend.pipelines.get(nameOrArn))) {
    throw resourceNotFound(`Pipeline '${nameOrArn.startsWith('arn:') ? nameOrArn : pipelineArn(backend.region, backend.accountId, nameOrArn)}' does not exist.`);
  }
  const after = parseTimestamp(input.CreatedAfter);
  const before = parseTimestamp(input.CreatedBefore);
  const selected = all.filter(
    (r) => (after === undefined || Date.parse(r.startTime) > after.getTime()) && (before === undefined || Date.parse(r.startTime) < before.getTime()),
  );
  const sortBy = input.SortBy ?? 'CreationTime';
  selected.sort(compareBy((r) => (sortBy === 'PipelineExecutionArn' ? r.executionArn : Date.parse(r.startTime)), input.SortOrder ?? 'Descending'));
  const page = paginate(selected, input, `ListPipelineExecutions:${name}:${sortBy}:${input.SortOrder ?? ''}`);
  const summaries = await Promise.all(page.items.map(async (r) => summarizeExecution(r, await backend.executionNotes.get(r.executionId))));
  return { PipelineExecutionSummaries: summaries, NextToken: page.nextToken };
}

export async function listPipelineExecutionSteps(
  input: ListPipelineExecutionStepsRequest,
  backend: SageMakerApiBackend,
): Promise<ListPipelineExecutionStepsResponse> {
  if (input.PipelineExecutionArn === undefined) {
    throw validationError('1 validation error detected: Value null at \'pipelineExecutionArn\' failed to satisfy constraint: Member must not be null');
  }
  const record = await requireExecution(backend, input.PipelineExecutionArn);
  const steps = executionSteps(record);
  const order = input.SortOrder ?? 'Descending';
  steps.sort(compareBy(stepSortTime, order));
  const page = paginate(steps, input, `ListPipelineExecutionSteps:${record.executionArn}:${order}`);
  return { PipelineExecutionSteps: page.items, NextToken: page.nextToken };
}

export async function listPipelineParametersForExecution(
  input: ListPipelineParametersForExecutionRequest,
  backend: SageMakerApiBackend,
): Promise<ListPipelineParametersForExecutionResponse> {
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  // The cloud echoes what it was given: a Float sent as "1.0" is listed as "1.0", not "1".
  const given = (await backend.executionNotes.get(record.executionId))?.parameterValues ?? {};
  const parameters = Object.entries(record.parameters).map(([Name, value]) => ({ Name, Value: Object.hasOwn(given, Name) ? (given[Name] as string) : String(value) }));
  const page = paginate(parameters, input, `ListPipelineParametersForExecution:${record.executionArn}`);
  return { PipelineParameters: page.items, NextToken: page.nextToken };
}

export async function describePipelineDefinitionForExecution(
  input: DescribePipelineDefinitionForExecutionRequest,
  backend: SageMakerApiBackend,
): Promise<DescribePipelineDefinitionForExecutionResponse> {
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  const notes = await backend.executionNotes.get(record.executionId);
  return { PipelineDefinition: notes?.definitionText ?? JSON.stringify(record.definition), CreationTime: new Date(record.startTime) };
}

export async function stopPipelineExecution(input: StopPipelineExecutionRequest, backend: SageMakerApiBackend): Promise<StopPipelineExecutionResponse> {
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  if (record.status === 'Executing') await backend.executions.stop(record.executionArn);
  else if (record.status !== 'Stopping') {
    throw conflict(`Pipeline execution ${record.executionArn} is ${record.status} and cannot be stopped.`);
  }
  return { PipelineExecutionArn: record.executionArn };
}

export async function retryPipelineExecution(input: RetryPipelineExecutionRequest, backend: SageMakerApiBackend): Promise<RetryPipelineExecutionResponse> {
  const tokenKey = input.ClientRequestToken === undefined ? undefined : `RetryPipelineExecution:${input.ClientRequestToken}`;
  const earlier = tokenKey === undefined ? undefined : backend.requestTokens.get(tokenKey);
  if (earlier !== undefined) return { PipelineExecutionArn: earlier };
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  const plan = retryPlan(record);
  const maxParallel = input.ParallelismConfiguration?.MaxParallelExecutionSteps;
  const retried = await backend.executions.retry(record, { plan, ...(maxParallel === undefined ? {} : { maxParallel }) });
  if (tokenKey !== undefined) backend.requestTokens.set(tokenKey, retried.executionArn);
  return { PipelineExecutionArn: retried.executionArn };
}

export async function updatePipelineExecution(
  input: UpdatePipelineExecutionRequest,
  backend: SageMakerApiBackend,
): Promise<UpdatePipelineExecutionResponse> {
  const record = await requireExecution(backend, input.PipelineExecutionArn as string);
  const notes = (await backend.executionNotes.get(record.executionId)) ?? {};
  await backend.executionNotes.put(record.executionId, {
    ...notes,
    ...(input.PipelineExecutionDescription === undefined ? {} : { description: input.PipelineExecutionDescription }),
    ...(input.PipelineExecutionDisplayName === undefined ? {} : { displayName: input.PipelineExecutionDisplayName }),
    ...(input.ParallelismConfiguration?.MaxParallelExecutionSteps === undefined ? {} : { maxParallel: input.ParallelismConfiguration.MaxParallelExecutionSteps }),
  });
  return { PipelineExecutionArn: record.executionArn };
}

export async function requireExecution(backend: SageMakerApiBackend, executionArn: string): Promise<ExecutionRecord> {
  const record = await backend.executions.get(executionArn);
  if (!record) throw resourceNotFound(`Pipeline execution '${executionArn}' does not exist.`);
  return record;
}

/**
 * StartPipelineExecution's parameters are strings on the wire; each is converted to its declared
 * type, and every mismatch is reported at once.
 */
function resolveApiParameters(
  definition: PipelineDefinition,
  given: readonly { readonly Name?: string | undefined; readonly Value?: string | undefined }[],
): ReturnType<typeof resolveParameters> {
  const provided: Record<string, string> = {};
  for (const { Name, Value } of given) {
    const name = Name ?? '';
    if (Object.hasOwn(provided, name)) throw validationError(`Parameter '${name}' is given more than once in PipelineParameters.`);
    provided[name] = Value ?? '';
  }
  try {
    // A definition may leave Parameters out (the validator accepts it): none declared.
    return resolveParameters(definition.Parameters ?? [], provided);
  } catch (error) {
    if (error instanceof ParameterError) throw validationError(`Invalid PipelineParameters: ${error.message.replace(/\n\s*/g, ' ')}`);
    throw error;
  }
}

/** The launcher's retry plan; an execution that cannot be retried is the API's ConflictException. */
function retryPlan(record: ExecutionRecord): LaunchPlan {
  if (record.mode === 'remote') throw validationError(`Pipeline execution ${record.executionArn} ran elsewhere and cannot be retried here.`);
  try {
    return planLaunch(record.definition, record.pipelineName, { kind: 'retry', execution: record });
  } catch (error) {
    if (isSagesimError(error) && error.code === 'RETRY_NOT_ALLOWED') {
      throw conflict(`Pipeline execution ${record.executionArn} is ${record.status}: only Failed or Stopped executions can be retried.`);
    }
    throw error;
  }
}
