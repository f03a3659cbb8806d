import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { RegisterModelExecutor } from '../../src/steps/register-model-executor.js';
import { executorContext } from './support/executor-context.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-register-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function registerStep(args: JobStep['Arguments']): JobStep {
  return { Name: 'RegisterModel', Type: 'RegisterModel', Arguments: args };
}

const args = {
  ModelPackageGroupName: 'HousingModels',
  InferenceSpecification: {
    Containers: [{ Image: 'sagesim/xgboost', ModelDataUrl: 's3://b/train/output/model.tar.gz' }],
    SupportedContentTypes: ['text/csv'],
    SupportedResponseMIMETypes: ['text/csv'],
    SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
    SupportedTransformInstanceTypes: ['ml.m5.large'],
  },
  ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://b/evaluation.json' } } },
};

describe('RegisterModel step', () => {
  it('marks what it registers when steps of its execution ran as stubs', async () => {
    const registry = new ModelRegistry({ home, region: 'us-east-1', accountId: '111122223333' });
    const executor = new RegisterModelExecutor(registry);
    const context = { ...(await executorContext(registerStep(args))), stubbedSteps: ['TrainModel'] };
    const result = await executor.execute(context);
    expect(result.properties['CustomerMetadataProperties']).toEqual({ 'sagesim:stubbed-steps': 'TrainModel' });
    const real = await executor.execute(await executorContext(registerStep(args)));
    expect(real.properties['CustomerMetadataProperties']).toBeUndefined();
  });

  it('registers version 1 then 2 with DescribeModelPackage properties', async () => {
    const registry = new ModelRegistry({ home, region: 'us-east-1', accountId: '111122223333' });
    const executor = new RegisterModelExecutor(registry);
    const first = await executor.execute(await executorContext(registerStep(args)));
    const second = await executor.execute(await executorContext(registerStep({ ...args, ModelApprovalStatus: 'Approved' })));
    expect(first.properties).toMatchObject({
      ModelPackageGroupName: 'HousingModels',
      ModelPackageVersion: 1,
      ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/housingmodels/1',
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      InferenceSpecification: args.InferenceSpecification,
      ModelMetrics: args.ModelMetrics,
    });
    expect(first.metadata).toEqual({ RegisterModel: { Arn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/housingmodels/1' } });
    expect(second.properties).toMatchObject({ ModelPackageVersion: 2, ModelApprovalStatus: 'Approved' });
    const listed = await registry.listModelPackages({ groupName: 'HousingModels' });
    expect(listed.ModelPackageSummaryList.map((p) => p.ModelPackageVersion)).toEqual([1, 2]);
  });

  it('fails the step with the registry message on bad arguments', async () => {
    const executor = new RegisterModelExecutor(new ModelRegistry({ home, region: 'us-east-1', accountId: '111122223333' }));
    await expect(executor.execute(await executorContext(registerStep({ ...args, ModelApprovalStatus: 'Maybe' })))).rejects.toMatchObject({
      name: 'StepFailure',
      code: 'INVALID_APPROVAL_STATUS',
      message: expect.stringContaining('step "RegisterModel"'),
    });
    await expect(executor.execute(await executorContext(registerStep({ InferenceSpecification: {} })))).rejects.toMatchObject({
      name: 'StepFailure',
      code: 'UNVERSIONED_MODEL_PACKAGE',
    });
  });
});
