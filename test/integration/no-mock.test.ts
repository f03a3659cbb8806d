// `sagesim run <file> --no-mock --endpoint-url <sagesim serve>`: the submitting process uploads the
// fixture's assets, upserts the pipeline, starts it, sees the steps progress and exits by the final
// status; the registered model package can then be listed and approved through the API.
import { EventEmitter } from 'node:events';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListModelPackagesCommand, SageMakerClient, UpdateModelPackageCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { HOUSING_FILE, HOUSING_GROUP, HOUSING_STUBS, ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function sagesim(args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    // No credentials at all: a loopback endpoint gets dummy ones.
    env: {},
    cwd: process.cwd(),
    signals: new EventEmitter() as never,
  });
  return { code, stdout, stderr };
}

describe('sagesim run --no-mock against sagesim serve (stubbed job steps)', { timeout: 120_000 }, () => {
  let fixture: ServeFixture;
  let client: SageMakerClient;

  beforeAll(async () => {
    fixture = await startTestServe({ stubs: HOUSING_STUBS });
    client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client?.destroy();
    await fixture?.close();
  });

  it('uploads the assets, creates the pipeline, follows the execution to Succeeded, and the package can be approved', async () => {
    const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--role', ROLE_ARN, '--pipeline-name', 'housing']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('created pipeline arn:aws:sagemaker:us-east-1:111122223333:pipeline/housing');
    // The same progress lines and summary as a local run.
    expect(run.stdout).toMatch(/TrainModel\s+Succeeded/);
    expect(run.stdout).toMatch(/CheckMseThreshold\s+Succeeded.*outcome True/);
    expect(run.stdout).toMatch(/MseAboveThreshold\s+Skipped/);
    expect(run.stdout).toMatch(/execution [a-z0-9]{12} Succeeded/);

    const s3 = new S3Client({ endpoint: fixture.serve.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'sagesim-demo', Key: 'housing/code/preprocess.py' }));
      expect(head.ContentLength).toBeGreaterThan(0);
    } finally {
      s3.destroy();
    }

    const packages = await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: HOUSING_GROUP }));
    const arn = packages.ModelPackageSummaryList?.[0]?.ModelPackageArn as string;
    expect(packages.ModelPackageSummaryList?.[0]?.ModelApprovalStatus).toBe('PendingManualApproval');
    await client.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }));
    expect((await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelApprovalStatus).toBe('Approved');
  });

  it('updates the existing pipeline and exits 1 when the execution fails', async () => {
    const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--role', ROLE_ARN, '--pipeline-name', 'housing', '--param', 'MseThreshold=0.1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('updated pipeline');
    expect(run.stdout).toMatch(/MseAboveThreshold\s+Failed/);
    expect(run.stdout).toMatch(/execution [a-z0-9]{12} Failed/);
  });

  it('--no-wait prints the execution ARN and returns at once', async () => {
    const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--no-wait', '--endpoint-url', fixture.serve.endpoint, '--pipeline-name', 'housing']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:pipeline\/housing\/execution\/[a-z0-9]{12}$/);
  });

  it('a wrong parameter type is reported before anything is submitted', async () => {
    const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--role', ROLE_ARN, '--param', 'MaxDepth=deep']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/MaxDepth.*not an Integer/);
  });

  it('an unreachable endpoint is one clear message with a hint', async () => {
    const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--endpoint-url', 'http://127.0.0.1:9', '--role', ROLE_ARN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*cannot reach the endpoint \(ECONNREFUSED\)/m);
    expect(run.stderr).toMatch(/^hint: is `sagesim serve`.*running at http:\/\/127\.0\.0\.1:9/m);
  });
});

describe('sagesim run fixtures/housing/pipeline.json --no-mock end to end (real containers)', { timeout: 900_000 }, async () => {

  it('runs every step in containers behind sagesim serve and registers a package that can be approved', async () => {
    const fixture = await startTestServe({ stubs: undefined });
    const client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials });
    try {
      const run = await sagesim(['run', HOUSING_FILE, '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--role', ROLE_ARN, '--param', 'MseThreshold=100']);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/TrainModel\s+Succeeded/);
      const packages = await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: HOUSING_GROUP }));
      const arn = packages.ModelPackageSummaryList?.[0]?.ModelPackageArn as string;
      await client.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }));
      expect((await client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelApprovalStatus).toBe('Approved');
    } finally {
      client.destroy();
      await fixture.close();
    }
  });
});
