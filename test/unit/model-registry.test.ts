import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { findModel, getModel, listModels, modelArn, saveModel } from '../../src/mock-aws/model-store.js';

let home: string;
let clock: number;
const now = (): Date => new Date(clock++ * 1000 + Date.parse('2024-05-01T00:00:00Z'));

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-registry-'));
  clock = 0;
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function registry(): ModelRegistry {
  return new ModelRegistry({ home, region: 'eu-west-1', accountId: '123456789012', now });
}

const inference = {
  Containers: [{ Image: 'sagesim/sklearn', ModelDataUrl: 's3://b/model.tar.gz' }],
  SupportedContentTypes: ['text/csv'],
  SupportedResponseMIMETypes: ['text/csv'],
};

describe('model registry', () => {
  it('creates the group on first use and numbers versions from 1', async () => {
    const reg = registry();
    const first = await reg.createModelPackage({ ModelPackageGroupName: 'Housing', InferenceSpecification: inference });
    const second = await reg.createModelPackage({ ModelPackageGroupName: 'Housing', ModelApprovalStatus: 'Approved' });
    expect(first.ModelPackageVersion).toBe(1);
    expect(second.ModelPackageVersion).toBe(2);
    expect(first.ModelPackageArn).toBe('arn:aws:sagemaker:eu-west-1:123456789012:model-package/housing/1');
    expect(first.ModelPackageName).toBe('Housing');
    expect(first.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(second.ModelApprovalStatus).toBe('Approved');
    expect(first.InferenceSpecification).toEqual(inference);
    const group = await reg.describeModelPackageGroup('Housing');
    expect(group.ModelPackageGroupArn).toBe('arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/housing');
  });

  it('gives distinct versions to concurrent registrations, across registry instances', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? registry() : registry()).createModelPackage({ ModelPackageGroupName: 'G' })),
    );
    expect(results.map((r) => r.ModelPackageVersion).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const files = await readdir(path.join(home, 'registry', 'g', 'versions'));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the arguments DescribeModelPackage reports and drops request-only ones', async () => {
    const pkg = await registry().createModelPackage({
      ModelPackageGroupName: 'G',
      ModelPackageDescription: 'first',
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://b/eval.json' } } },
      CustomerMetadataProperties: { team: 'ml' },
      Tags: [{ Key: 'a', Value: 'b' }],
      ClientToken: 'x',
    });
    const described = await registry().describeModelPackage(pkg.ModelPackageArn);
    expect(described).toEqual(pkg);
    expect(described.ModelMetrics).toEqual({ ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://b/eval.json' } } });
    expect(described.CustomerMetadataProperties).toEqual({ team: 'ml' });
    expect(described).not.toHaveProperty('Tags');
    expect(described).not.toHaveProperty('ClientToken');
    expect(described.ModelPackageStatus).toBe('Completed');
  });

  it('describes a package by ARN or group/version and rejects unknown ones', async () => {
    await registry().createModelPackage({ ModelPackageGroupName: 'G' });
    expect((await registry().describeModelPackage('G/1')).ModelPackageVersion).toBe(1);
    await expect(registry().describeModelPackage('G/2')).rejects.toMatchObject({ code: 'MODEL_PACKAGE_NOT_FOUND' });
    await expect(registry().describeModelPackage('../../etc/1')).rejects.toMatchObject({ code: 'MODEL_PACKAGE_NOT_FOUND' });
  });

  it('approves and rejects with a description', async () => {
    const reg = registry();
    const pkg = await reg.createModelPackage({ ModelPackageGroupName: 'G' });
    const approved = await reg.updateModelPackage(pkg.ModelPackageArn, { ModelApprovalStatus: 'Approved', ApprovalDescription: 'looks good' });
    expect(approved.ModelApprovalStatus).toBe('Approved');
    expect(approved.ApprovalDescription).toBe('looks good');
    expect(approved.LastModifiedTime).toBeDefined();
    expect((await reg.describeModelPackage(pkg.ModelPackageArn)).ModelApprovalStatus).toBe('Approved');
    await expect(reg.updateModelPackage(pkg.ModelPackageArn, { ModelApprovalStatus: 'Yes' as never })).rejects.toMatchObject({
      code: 'INVALID_APPROVAL_STATUS',
    });
  });

  it('rejects an invalid approval status at registration', async () => {
    await expect(registry().createModelPackage({ ModelPackageGroupName: 'G', ModelApprovalStatus: 'approved' })).rejects.toMatchObject({
      code: 'INVALID_APPROVAL_STATUS',
    });
  });

  it('refuses to create a group twice, but RegisterModel-style creation reuses it', async () => {
    const reg = registry();
    await reg.createModelPackageGroup({ ModelPackageGroupName: 'G', ModelPackageGroupDescription: 'd' });
    await expect(reg.createModelPackageGroup({ ModelPackageGroupName: 'G' })).rejects.toMatchObject({ code: 'MODEL_PACKAGE_GROUP_EXISTS' });
    expect((await reg.ensureModelPackageGroup('G')).ModelPackageGroupDescription).toBe('d');
    await expect(reg.createModelPackageGroup({ ModelPackageGroupName: 'bad name' })).rejects.toMatchObject({
      code: 'INVALID_MODEL_PACKAGE_GROUP_NAME',
    });
  });

  it('accepts a group ARN as ModelPackageGroupName', async () => {
    const reg = registry();
    const group = await reg.createModelPackageGroup({ ModelPackageGroupName: 'Churn' });
    const pkg = await reg.createModelPackage({ ModelPackageGroupName: group.ModelPackageGroupArn });
    expect(pkg.ModelPackageGroupName).toBe('Churn');
  });

  it('lists packages filtered by group and status, sorted and paginated', async () => {
    const reg = registry();
    await reg.createModelPackage({ ModelPackageGroupName: 'A' });
    await reg.createModelPackage({ ModelPackageGroupName: 'B', ModelApprovalStatus: 'Approved' });
    await reg.createModelPackage({ ModelPackageGroupName: 'A', ModelApprovalStatus: 'Approved' });
    const all = await reg.listModelPackages();
    expect(all.ModelPackageSummaryList.map((p) => `${p.ModelPackageGroupName}/${p.ModelPackageVersion}`)).toEqual(['A/1', 'B/1', 'A/2']);
    const approvedA = await reg.listModelPackages({ groupName: 'A', approvalStatus: 'Approved' });
    expect(approvedA.ModelPackageSummaryList.map((p) => p.ModelPackageVersion)).toEqual([2]);
    const desc = await reg.listModelPackages({ groupName: 'A', sortOrder: 'Descending' });
    expect(desc.ModelPackageSummaryList.map((p) => p.ModelPackageVersion)).toEqual([2, 1]);
    const page1 = await reg.listModelPackages({ maxResults: 2 });
    expect(page1.ModelPackageSummaryList).toHaveLength(2);
    expect(page1.NextToken).toBeDefined();
    const page2 = await reg.listModelPackages({ maxResults: 2, nextToken: page1.NextToken });
    expect(page2.ModelPackageSummaryList.map((p) => p.ModelPackageVersion)).toEqual([2]);
    expect(page2.NextToken).toBeUndefined();
    await expect(reg.listModelPackages({ groupName: 'Nope' })).rejects.toMatchObject({ code: 'MODEL_PACKAGE_GROUP_NOT_FOUND' });
  });

  it('lists groups by name filter', async () => {
    const reg = registry();
    await reg.createModelPackageGroup({ ModelPackageGroupName: 'housing-prices' });
    await reg.createModelPackageGroup({ ModelPackageGroupName: 'churn' });
    const found = await reg.listModelPackageGroups({ nameContains: 'HOUS' });
    expect(found.ModelPackageGroupSummaryList.map((g) => g.ModelPackageGroupName)).toEqual(['housing-prices']);
    expect((await reg.listModelPackageGroups({ sortBy: 'Name' })).ModelPackageGroupSummaryList.map((g) => g.ModelPackageGroupName)).toEqual([
      'churn',
      'housing-prices',
    ]);
  });
});

describe('model store', () => {
  const location = { region: 'us-east-1', accountId: '111122223333' };

  it('saves, finds by name or ARN, and lists models', async () => {
    const record = {
      ModelName: 'MyModel',
      ModelArn: modelArn(location, 'MyModel'),
      CreationTime: '2024-05-01T00:00:00.000Z',
      PrimaryContainer: { Image: 'sagesim/sklearn', ModelDataUrl: 's3://b/m.tar.gz' },
    };
    expect(record.ModelArn).toBe('arn:aws:sagemaker:us-east-1:111122223333:model/mymodel');
    expect(await saveModel(home, record)).toBe(false);
    expect(await saveModel(home, record)).toBe(true);
    expect(await findModel(home, 'MyModel')).toEqual(record);
    expect(await findModel(home, record.ModelArn)).toEqual(record);
    expect(await listModels(home)).toEqual([record]);
    await expect(getModel(home, 'Other')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(await findModel(home, '../x')).toBeUndefined();
  });
});
