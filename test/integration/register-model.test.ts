// A pipeline with Model and RegisterModel steps run twice against one home: the package group is
// created on first use, versions are 1 then 2, and the CLI lists and approves them from the store.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig, type SagesimConfig } from '../../src/config.js';
import { runDefinitionFile } from '../../src/app/run-definition.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { findModel } from '../../src/mock-aws/model-store.js';
import { ModelExecutor } from '../../src/steps/model-executor.js';
import { RegisterModelExecutor } from '../../src/steps/register-model-executor.js';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

const definition = {
  Version: '2020-12-01',
  Parameters: [
    { Name: 'ModelData', Type: 'String', DefaultValue: 's3://bucket/train/output/model.tar.gz' },
    { Name: 'ApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval' },
  ],
  Steps: [
    {
      Name: 'CreateModel',
      Type: 'Model',
      Arguments: { ExecutionRoleArn: 'arn:aws:iam::111122223333:role/r', PrimaryContainer: { Image: IMAGE, ModelDataUrl: { Get: 'Parameters.ModelData' } } },
    },
    {
      Name: 'Register',
      Type: 'RegisterModel',
      Arguments: {
        ModelPackageGroupName: 'HousingPriceModels',
        ModelApprovalStatus: { Get: 'Parameters.ApprovalStatus' },
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: { Get: 'Steps.CreateModel.PrimaryContainer.ModelDataUrl' } }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
          SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
          SupportedTransformInstanceTypes: ['ml.m5.large'],
        },
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://bucket/evaluation/evaluation.json' } } },
      },
    },
  ],
};

describe('RegisterModel step registers versions 1 then 2', { timeout: 120_000 }, () => {
  let root: string;
  let file: string;
  let config: SagesimConfig;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-register-it-'));
    file = path.join(root, 'pipeline.json');
    await writeFile(file, JSON.stringify(definition));
    config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim') });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, env: {}, cwd: root };
    return { code: await runCli(argv, io), stdout };
  }

  function run(parameters: Record<string, string> = {}) {
    const registry = new ModelRegistry({ home: config.home, region: config.region, accountId: config.accountId });
    return runDefinitionFile({
      file,
      config,
      parameters,
      environment: { store: 'memory', executors: [new ModelExecutor({ home: config.home }), new RegisterModelExecutor(registry)] },
    });
  }

  it('creates the group, numbers versions, exposes DescribeModelPackage properties and lets the CLI approve', async () => {
    const first = await run();
    const second = await run({ ApprovalStatus: 'Approved', ModelData: 's3://bucket/train2/output/model.tar.gz' });
    expect([first.status, second.status]).toEqual(['Succeeded', 'Succeeded']);
    const register = (record: typeof first) => record.steps.find((s) => s.stepName === 'Register');
    const arn = (version: number) => `arn:aws:sagemaker:us-east-1:111122223333:model-package/housingpricemodels/${version}`;
    expect(register(first)?.properties).toMatchObject({ ModelPackageVersion: 1, ModelPackageArn: arn(1), ModelApprovalStatus: 'PendingManualApproval' });
    expect(register(second)?.properties).toMatchObject({
      ModelPackageVersion: 2,
      ModelPackageArn: arn(2),
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: { Containers: [{ ModelDataUrl: 's3://bucket/train2/output/model.tar.gz' }] },
    });
    expect(register(second)?.metadata.RegisterModel).toEqual({ Arn: arn(2) });

    const modelName = first.steps.find((s) => s.stepName === 'CreateModel')?.properties?.['ModelName'] as string;
    expect(modelName).toMatch(new RegExp(`^pipelines-${first.executionId}-CreateModel-`));
    expect(await findModel(config.home, modelName)).toMatchObject({ PrimaryContainer: { Image: IMAGE } });

    const listed = await cli('models', 'ls', 'HousingPriceModels');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/HousingPriceModels\s+1\s+PendingManualApproval/);
    expect(listed.stdout).toMatch(/HousingPriceModels\s+2\s+Approved/);
    expect((await cli('models', 'approve', arn(1), '--description', 'ok')).code).toBe(0);
    expect((await cli('models', 'ls', '--status', 'Approved', '--json')).stdout).toContain(arn(1));
  });
});
