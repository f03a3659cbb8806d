// DescribeModel and the model registry: package groups, packages, approval.
import type {
  CreateModelPackageGroupInput,
  CreateModelPackageGroupOutput,
  DescribeModelInput,
  DescribeModelPackageGroupInput,
  DescribeModelPackageInput,
  ListModelPackageGroupsInput,
  ListModelPackagesInput,
  UpdateModelPackageInput,
  UpdateModelPackageOutput,
} from '@aws-sdk/client-sagemaker';
import { sagemakerArn } from '../../../engine/identity.js';
import type { JsonObject } from '../../../engine/json.js';
import { isSagesimError } from '../../../errors.js';
import { ApiError, validationError } from '../api-error.js';
import type { SageMakerApiBackend } from '../api-backend.js';
import type { ModelApprovalStatus } from '../../model-registry.js';
import type { ListOptions } from '../../model-registry-listing.js';
import { parseTimestamp } from '../validation.js';

export async function describeModel(input: DescribeModelInput, backend: SageMakerApiBackend): Promise<JsonObject> {
  const name = input.ModelName as string;
  const model = await backend.findModel(name);
  if (!model) throw validationError(`Could not find model "${arnOf(backend, 'model', name)}".`);
  return model as unknown as JsonObject;
}

export async function createModelPackageGroup(input: CreateModelPackageGroupInput, backend: SageMakerApiBackend): Promise<CreateModelPackageGroupOutput> {
  const group = await registry(() =>
    backend.registry.createModelPackageGroup({
      ModelPackageGroupName: input.ModelPackageGroupName as string,
      ...(input.ModelPackageGroupDescription === undefined ? {} : { ModelPackageGroupDescription: input.ModelPackageGroupDescription }),
    }),
  );
  return { ModelPackageGroupArn: group.ModelPackageGroupArn };
}

export async function describeModelPackageGroup(input: DescribeModelPackageGroupInput, backend: SageMakerApiBackend): Promise<JsonObject> {
  const group = await registry(() => backend.registry.describeModelPackageGroup(input.ModelPackageGroupName as string));
  return { ...group, CreatedBy: {} } as unknown as JsonObject;
}

export async function listModelPackageGroups(input: ListModelPackageGroupsInput, backend: SageMakerApiBackend): Promise<JsonObject> {
  const options = listOptionsOf(input);
  const result = await registry(() => backend.registry.listModelPackageGroups(options));
  return result as unknown as JsonObject;
}

export async function describeModelPackage(input: DescribeModelPackageInput, backend: SageMakerApiBackend): Promise<JsonObject> {
  const modelPackage = await registry(() => backend.registry.describeModelPackage(input.ModelPackageName as string));
  return modelPackage as unknown as JsonObject;
}

export async function listModelPackages(input: ListModelPackagesInput, backend: SageMakerApiBackend): Promise<JsonObject> {
  if (input.ModelPackageType === 'Unversioned') return { ModelPackageSummaryList: [] };
  const options = listOptionsOf(input);
  const result = await registry(() =>
    backend.registry.listModelPackages({
      ...(input.ModelPackageGroupName === undefined ? {} : { groupName: input.ModelPackageGroupName }),
      ...(input.ModelApprovalStatus === undefined ? {} : { approvalStatus: input.ModelApprovalStatus as ModelApprovalStatus }),
      ...options,
    }),
  );
  return result as unknown as JsonObject;
}

export async function updateModelPackage(input: UpdateModelPackageInput, backend: SageMakerApiBackend): Promise<UpdateModelPackageOutput> {
  const updated = await registry(() =>
    backend.registry.updateModelPackage(input.ModelPackageArn as string, {
      ...(input.ModelApprovalStatus === undefined ? {} : { ModelApprovalStatus: input.ModelApprovalStatus as ModelApprovalStatus }),
      ...(input.ApprovalDescription === undefined ? {} : { ApprovalDescription: input.ApprovalDescription }),
      ...(input.CustomerMetadataProperties === undefined ? {} : { CustomerMetadataProperties: input.CustomerMetadataProperties }),
      ...(input.CustomerMetadataPropertiesToRemove === undefined ? {} : { CustomerMetadataPropertiesToRemove: input.CustomerMetadataPropertiesToRemove }),
    }),
  );
  return { ModelPackageArn: updated.ModelPackageArn };
}

/** The members both registry listings take, from either List request. Timestamps are parsed before the registry runs. */
function listOptionsOf(input: ListModelPackageGroupsInput | ListModelPackagesInput): ListOptions {
  const after = parseTimestamp(input.CreationTimeAfter);
  const before = parseTimestamp(input.CreationTimeBefore);
  return {
    ...(input.NameContains === undefined ? {} : { nameContains: input.NameContains }),
    ...(after === undefined ? {} : { creationTimeAfter: after }),
    ...(before === undefined ? {} : { creationTimeBefore: before }),
    ...(input.SortBy === undefined ? {} : { sortBy: input.SortBy }),
    ...(input.SortOrder === undefined ? {} : { sortOrder: input.SortOrder }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
  };
}

/**
 * The registry speaks sagesim errors; the cloud answers these operations (which declare no
 * not-found error) with ValidationException carrying the same sentence.
 */
async function registry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (isSagesimError(error) && error.source === 'user') throw validationError(error.message);
    throw error;
  }
}

function arnOf(backend: SageMakerApiBackend, kind: string, name: string): string {
  return name.startsWith('arn:') ? name : sagemakerArn(backend, kind, name);
}
