// Operation name -> input shape and handler. Validation runs before every handler, so handlers
// trust the members the shape marks as required.
import type { SageMakerApiBackend } from './api-backend.js';
import { ApiError } from './api-error.js';
import { OPERATION_SHAPES } from './operation-shapes.js';
import { validateInput } from './validation.js';
import * as callbacks from './operations/callback-operations.js';
import * as executions from './operations/execution-operations.js';
import * as jobs from './operations/job-operations.js';
import * as models from './operations/model-operations.js';
import * as pipelines from './operations/pipeline-operations.js';
import * as tags from './operations/tag-operations.js';

// Handlers take their SDK-typed request; the router hands them the validated JSON body.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (input: any, backend: SageMakerApiBackend) => Promise<unknown>;

const HANDLERS: Readonly<Record<string, Handler>> = {
  CreatePipeline: pipelines.createPipeline,
  UpdatePipeline: pipelines.updatePipeline,
  DescribePipeline: pipelines.describePipeline,
  DeletePipeline: pipelines.deletePipeline,
  ListPipelines: pipelines.listPipelines,
  StartPipelineExecution: executions.startPipelineExecution,
  DescribePipelineExecution: executions.describePipelineExecution,
  ListPipelineExecutions: executions.listPipelineExecutions,
  ListPipelineExecutionSteps: executions.listPipelineExecutionSteps,
  ListPipelineParametersForExecution: executions.listPipelineParametersForExecution,
  DescribePipelineDefinitionForExecution: executions.describePipelineDefinitionForExecution,
  StopPipelineExecution: executions.stopPipelineExecution,
  RetryPipelineExecution: executions.retryPipelineExecution,
  UpdatePipelineExecution: executions.updatePipelineExecution,
  SendPipelineExecutionStepSuccess: callbacks.sendPipelineExecutionStepSuccess,
  SendPipelineExecutionStepFailure: callbacks.sendPipelineExecutionStepFailure,
  DescribeProcessingJob: jobs.describeProcessingJob,
  DescribeTrainingJob: jobs.describeTrainingJob,
  DescribeTransformJob: jobs.describeTransformJob,
  DescribeHyperParameterTuningJob: jobs.describeHyperParameterTuningJob,
  ListTrainingJobsForHyperParameterTuningJob: jobs.listTrainingJobsForHyperParameterTuningJob,
  DescribeModel: models.describeModel,
  CreateModelPackageGroup: models.createModelPackageGroup,
  DescribeModelPackageGroup: models.describeModelPackageGroup,
  ListModelPackageGroups: models.listModelPackageGroups,
  DescribeModelPackage: models.describeModelPackage,
  ListModelPackages: models.listModelPackages,
  UpdateModelPackage: models.updateModelPackage,
  AddTags: tags.addTags,
  ListTags: tags.listTags,
};

/** The operations the emulator serves, for BEHAVIOUR.md and error messages. */
export const SUPPORTED_OPERATIONS: readonly string[] = Object.keys(HANDLERS).sort();

/** Runs one operation on a parsed JSON body. Throws ApiError for anything the client did wrong. */
export async function dispatch(operation: string, input: unknown, backend: SageMakerApiBackend): Promise<unknown> {
  const handler = Object.hasOwn(HANDLERS, operation) ? HANDLERS[operation] : undefined;
  const shape = Object.hasOwn(OPERATION_SHAPES, operation) ? OPERATION_SHAPES[operation] : undefined;
  if (!handler || !shape) {
    throw new ApiError(
      'UnknownOperationException',
      `Operation SageMaker.${operation} is not supported by sagesim (it serves: ${SUPPORTED_OPERATIONS.join(', ')}).`,
    );
  }
  validateInput(shape, input);
  return handler(input, backend);
}
