// The input shapes of the operations the emulator serves, transcribed from the SageMaker service
// model (botocore `sagemaker/2017-07-24/service-2.json`): member names, required members, lengths,
// patterns and enums. Free-text patterns such as `.*` are left out: they constrain nothing and
// would cost a regex run over megabyte-sized definitions.
import { type StructureShape, int, list, long, map, str, struct, timestamp } from './validation.js';

const NAME_PATTERN = '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}';
const PIPELINE_ARN_PATTERN = 'arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:([0-9]{12}|aws):pipeline/.*';
const EXECUTION_ARN_PATTERN = 'arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:pipeline\\/.*\\/execution\\/.*';

const pipelineName = str({ min: 1, max: 256, pattern: NAME_PATTERN });
const pipelineNameOrArn = str({ min: 1, max: 2048, pattern: `(${PIPELINE_ARN_PATTERN})?(${NAME_PATTERN})` });
const executionArn = str({ min: 0, max: 2048, pattern: EXECUTION_ARN_PATTERN });
const executionDisplayName = str({ min: 1, max: 82, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}' });
const pipelineDefinition = str({ min: 1, max: 1_048_576 });
const description3072 = str({ min: 0, max: 3072 });
const idempotencyToken = str({ min: 32, max: 128 });
const roleArn = str({ min: 20, max: 2048, pattern: 'arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+' });
const nextToken = str({ min: 0, max: 8192 });
const maxResults = int({ min: 1, max: 100 });
const sortOrder = str({ enum: ['Ascending', 'Descending'] });
const callbackToken = str({ min: 10, max: 10, pattern: '[a-zA-Z0-9]+' });
const jobName = str({ min: 1, max: 63, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
const tuningJobName = str({ min: 1, max: 32, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}' });
const entityName = str({ min: 1, max: 63, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
const modelApprovalStatus = str({ enum: ['Approved', 'Rejected', 'PendingManualApproval'] });
const trainingJobStatus = str({ enum: ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped', 'Deleting'] });
const tagValuePattern = '([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)';
const tagList = list(struct({ Key: str({ min: 1, max: 128, pattern: tagValuePattern }), Value: str({ min: 0, max: 256, pattern: tagValuePattern }) }, ['Key', 'Value']), { min: 0, max: 50 });
const parallelismConfiguration = struct({ MaxParallelExecutionSteps: int({ min: 1 }) }, ['MaxParallelExecutionSteps']);
const definitionS3Location = struct(
  {
    Bucket: str({ min: 3, max: 63, pattern: '[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9]' }),
    ObjectKey: str({ min: 1, max: 1024 }),
    VersionId: str({ min: 1, max: 1024 }),
  },
  ['Bucket', 'ObjectKey'],
);
const outputParameters = list(struct({ Name: str({ min: 0, max: 256 }), Value: str({ min: 0, max: 1024 }) }, ['Name', 'Value']), { min: 0, max: 50 });
const modelPackageArn = str({ min: 1, max: 2048, pattern: 'arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]{9,16}:[0-9]{12}:model-package/[\\S]{1,2048}' });
const arnOrName = str({ min: 1, max: 170, pattern: '(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)' });
const versionedArnOrName = str({
  min: 1,
  max: 176,
  pattern: '(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\\/[0-9]{1,9})?',
});

/** Operation name -> input shape. Every operation the router serves has an entry. */
export const OPERATION_SHAPES: Readonly<Record<string, StructureShape>> = {
  CreatePipeline: struct(
    {
      PipelineName: pipelineName,
      PipelineDisplayName: pipelineName,
      PipelineDefinition: pipelineDefinition,
      PipelineDefinitionS3Location: definitionS3Location,
      PipelineDescription: description3072,
      ClientRequestToken: idempotencyToken,
      RoleArn: roleArn,
      Tags: tagList,
      ParallelismConfiguration: parallelismConfiguration,
    },
    ['PipelineName', 'ClientRequestToken', 'RoleArn'],
  ),
  UpdatePipeline: struct(
    {
      PipelineName: pipelineName,
      PipelineDisplayName: pipelineName,
      PipelineDefinition: pipelineDefinition,
      PipelineDefinitionS3Location: definitionS3Location,
      PipelineDescription: description3072,
      RoleArn: roleArn,
      ParallelismConfiguration: parallelismConfiguration,
    },
    ['PipelineName'],
  ),
  DescribePipeline: struct({ PipelineName: pipelineNameOrArn, PipelineVersionId: long({ min: 1 }) }, ['PipelineName']),
  DeletePipeline: struct({ PipelineName: pipelineName, ClientRequestToken: idempotencyToken }, ['PipelineName', 'ClientRequestToken']),
  ListPipelines: struct({
    PipelineNamePrefix: pipelineName,
    CreatedAfter: timestamp,
    CreatedBefore: timestamp,
    SortBy: str({ enum: ['Name', 'CreationTime'] }),
    SortOrder: sortOrder,
    NextToken: nextToken,
    MaxResults: maxResults,
  }),
  StartPipelineExecution: struct(
    {
      PipelineName: pipelineNameOrArn,
      PipelineExecutionDisplayName: executionDisplayName,
      PipelineParameters: list(struct({ Name: str({ min: 1, max: 256, pattern: '[A-Za-z0-9\\-_]*' }), Value: str({ min: 0, max: 1024 }) }, ['Name', 'Value']), {
        min: 0,
        max: 200,
      }),
      PipelineExecutionDescription: description3072,
      ClientRequestToken: idempotencyToken,
      ParallelismConfiguration: parallelismConfiguration,
      SelectiveExecutionConfig: struct(
        {
          SourcePipelineExecutionArn: executionArn,
          SelectedSteps: list(struct({ StepName: str({ min: 0, max: 256 }) }, ['StepName']), { min: 1, max: 50 }),
        },
        ['SelectedSteps'],
      ),
      PipelineVersionId: long({ min: 1 }),
    },
    ['PipelineName', 'ClientRequestToken'],
  ),
  DescribePipelineExecution: struct({ PipelineExecutionArn: executionArn }, ['PipelineExecutionArn']),
  ListPipelineExecutions: struct(
    {
      PipelineName: pipelineNameOrArn,
      CreatedAfter: timestamp,
      CreatedBefore: timestamp,
      SortBy: str({ enum: ['CreationTime', 'PipelineExecutionArn'] }),
      SortOrder: sortOrder,
      NextToken: nextToken,
      MaxResults: maxResults,
    },
    ['PipelineName'],
  ),
  ListPipelineExecutionSteps: struct({ PipelineExecutionArn: executionArn, NextToken: nextToken, MaxResults: maxResults, SortOrder: sortOrder }),
  ListPipelineParametersForExecution: struct({ PipelineExecutionArn: executionArn, NextToken: nextToken, MaxResults: maxResults }, ['PipelineExecutionArn']),
  DescribePipelineDefinitionForExecution: struct({ PipelineExecutionArn: executionArn }, ['PipelineExecutionArn']),
  StopPipelineExecution: struct({ PipelineExecutionArn: executionArn, ClientRequestToken: idempotencyToken }, ['PipelineExecutionArn', 'ClientRequestToken']),
  RetryPipelineExecution: struct(
    { PipelineExecutionArn: executionArn, ClientRequestToken: idempotencyToken, ParallelismConfiguration: parallelismConfiguration },
    ['PipelineExecutionArn', 'ClientRequestToken'],
  ),
  UpdatePipelineExecution: struct(
    {
      PipelineExecutionArn: executionArn,
      PipelineExecutionDescription: description3072,
      PipelineExecutionDisplayName: executionDisplayName,
      ParallelismConfiguration: parallelismConfiguration,
    },
    ['PipelineExecutionArn'],
  ),
  SendPipelineExecutionStepSuccess: struct({ CallbackToken: callbackToken, OutputParameters: outputParameters, ClientRequestToken: idempotencyToken }, ['CallbackToken']),
  SendPipelineExecutionStepFailure: struct({ CallbackToken: callbackToken, FailureReason: str({ min: 0, max: 256 }), ClientRequestToken: idempotencyToken }, ['CallbackToken']),
  DescribeProcessingJob: struct({ ProcessingJobName: jobName }, ['ProcessingJobName']),
  DescribeTrainingJob: struct({ TrainingJobName: jobName }, ['TrainingJobName']),
  DescribeTransformJob: struct({ TransformJobName: jobName }, ['TransformJobName']),
  DescribeHyperParameterTuningJob: struct({ HyperParameterTuningJobName: tuningJobName }, ['HyperParameterTuningJobName']),
  ListTrainingJobsForHyperParameterTuningJob: struct(
    {
      HyperParameterTuningJobName: tuningJobName,
      NextToken: nextToken,
      MaxResults: maxResults,
      StatusEquals: trainingJobStatus,
      SortBy: str({ enum: ['Name', 'CreationTime', 'Status', 'FinalObjectiveMetricValue'] }),
      SortOrder: sortOrder,
    },
    ['HyperParameterTuningJobName'],
  ),
  DescribeModel: struct({ ModelName: str({ min: 0, max: 63, pattern: '[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?' }) }, ['ModelName']),
  CreateModelPackageGroup: struct(
    { ModelPackageGroupName: entityName, ModelPackageGroupDescription: str({ min: 0, max: 1024 }), Tags: tagList },
    ['ModelPackageGroupName'],
  ),
  DescribeModelPackageGroup: struct({ ModelPackageGroupName: arnOrName }, ['ModelPackageGroupName']),
  ListModelPackageGroups: struct({
    CreationTimeAfter: timestamp,
    CreationTimeBefore: timestamp,
    MaxResults: maxResults,
    NameContains: str({ min: 0, max: 63, pattern: '[a-zA-Z0-9\\-]+' }),
    NextToken: nextToken,
    SortBy: str({ enum: ['Name', 'CreationTime'] }),
    SortOrder: sortOrder,
  }),
  DescribeModelPackage: struct({ ModelPackageName: versionedArnOrName }, ['ModelPackageName']),
  ListModelPackages: struct({
    CreationTimeAfter: timestamp,
    CreationTimeBefore: timestamp,
    MaxResults: maxResults,
    NameContains: str({ min: 0, max: 63, pattern: '[a-zA-Z0-9\\-]+' }),
    ModelApprovalStatus: modelApprovalStatus,
    ModelPackageGroupName: arnOrName,
    ModelPackageType: str({ enum: ['Versioned', 'Unversioned', 'Both'] }),
    NextToken: nextToken,
    SortBy: str({ enum: ['Name', 'CreationTime'] }),
    SortOrder: sortOrder,
  }),
  UpdateModelPackage: struct(
    {
      ModelPackageArn: modelPackageArn,
      ModelApprovalStatus: modelApprovalStatus,
      ApprovalDescription: str({ min: 0, max: 1024 }),
      CustomerMetadataProperties: map(str({ min: 0, max: 256 }), { min: 1, max: 50 }),
      CustomerMetadataPropertiesToRemove: list(str({ min: 1, max: 128 })),
      ClientToken: str({ min: 1, max: 36, pattern: '[a-zA-Z0-9-]+' }),
    },
    ['ModelPackageArn'],
  ),
  ListTags: struct({ ResourceArn: str({ min: 0, max: 256 }), NextToken: nextToken, MaxResults: int({ min: 50 }) }, ['ResourceArn']),
  AddTags: struct({ ResourceArn: str({ min: 0, max: 256 }), Tags: tagList }, ['ResourceArn', 'Tags']),
};
