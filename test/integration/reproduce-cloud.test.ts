// `sagesim reproduce --no-mock` against `sagesim serve` standing in for SageMaker: the job is read
// through ListPipelineExecutionSteps and Describe*Job, its inputs downloaded from that endpoint's
// S3, its image mapped, and it runs locally; outputs stay in the reproduction folder.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListPipelineExecutionsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';
import { captureIo } from '../unit/support/capture-io.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

interface ReproductionJson {
  status: string;
  exitCode?: number;
  failureReason?: string;
  dir: string;
  source: { origin: string; jobName: string; stepType: string; execution: { executionArn: string } };
  container: { image: string; env: Record<string, string> };
  outputs: { uri: string; file: string }[];
  propertyFiles: Record<string, unknown>;
}

describe('sagesim reproduce of a cloud execution (sagesim serve as the cloud)', { timeout: 900_000 }, () => {
  let fixture: ServeFixture;
  let work: string;
  let executionArn: string;
  let good: string;

  async function sagesim(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    // No AWS credentials: a loopback endpoint gets dummy ones.
    const io = captureIo(work);
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  const script = (): string => path.join(work, 'step-scripts/housing/evaluate.py');
  const pipeline = (): string => path.join(work, 'fixtures/housing/pipeline.json');

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-reproduce-cloud-'));
    cpSync(path.join(REPO, 'fixtures/housing'), path.join(work, 'fixtures/housing'), { recursive: true });
    cpSync(path.join(REPO, 'step-scripts/housing'), path.join(work, 'step-scripts/housing'), { recursive: true });
    good = readFileSync(script(), 'utf8');
    writeFileSync(script(), good.replace('mse = float(np.mean(squared))', 'mse = float(np.mean(squard))'));

    fixture = await startTestServe({ stubs: undefined });
    const run = await sagesim('run', pipeline(), '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--role', ROLE_ARN, '--pipeline-name', 'housing');
    expect(run.code, run.err).toBe(1);
    const client = new SageMakerClient({ endpoint: fixture.serve.endpoint, region: 'us-east-1', credentials });
    try {
      const listed = await client.send(new ListPipelineExecutionsCommand({ PipelineName: 'housing' }));
      executionArn = listed.PipelineExecutionSummaries?.[0]?.PipelineExecutionArn as string;
    } finally {
      client.destroy();
    }
    expect(executionArn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:pipeline\/housing\/execution\/[a-z0-9]{12}$/);
  });

  afterAll(async () => {
    await fixture?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reproduces the failed processing step from DescribeProcessingJob, with the fixed script seeded, without touching the outputs in S3', async () => {
    writeFileSync(script(), good);
    const dir = path.join(work, 'evaluate-repro');
    const run = await sagesim('reproduce', executionArn, 'EvaluateModel', '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--seed', pipeline(), '--dir', dir, '--json');
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out) as ReproductionJson;
    expect(result.status).toBe('Succeeded');
    expect(result.source).toMatchObject({ origin: 'cloud', stepType: 'Processing', execution: { executionArn } });
    expect(result.source.jobName).toMatch(/^pipelines-[a-z0-9]{12}-EvaluateModel-/);
    expect(result.container.image).toMatch(/^sagesim\/xgboost/);
    expect(result.container.env['PROCESSING_JOB_NAME']).toBe(result.source.jobName);
    expect(result.container.env['AWS_ENDPOINT_URL']).toBe(fixture.serve.endpoint);
    expect(result.propertyFiles).toHaveProperty('EvaluationReport.regression_metrics.mse.value');
    expect(run.err).toContain('evaluated 3097 test rows');
    const [output] = result.outputs;
    expect(output?.file.startsWith(dir)).toBe(true);
    expect(existsSync(output?.file ?? '')).toBe(true);

    const { hostname, pathname } = new URL((output?.uri ?? '').replace(/^s3:\/\//, 'http://'));
    const s3 = new S3Client({ endpoint: fixture.serve.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      await expect(s3.send(new HeadObjectCommand({ Bucket: hostname, Key: pathname.slice(1) }))).rejects.toMatchObject({ name: 'NotFound' });
    } finally {
      s3.destroy();
    }
  });

  it('reproduces the training step from DescribeTrainingJob: the model is packed locally', async () => {
    const dir = path.join(work, 'train-repro');
    const run = await sagesim('reproduce', executionArn, 'trainmodel', '--no-mock', '--endpoint-url', fixture.serve.endpoint, '--dir', dir, '--json', '--quiet');
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out) as ReproductionJson;
    expect(result.status).toBe('Succeeded');
    expect(result.source.stepType).toBe('Training');
    expect(result.container.env['TRAINING_JOB_NAME']).toBe(result.source.jobName);
    const model = result.outputs.find((o) => o.uri.endsWith(`/${result.source.jobName}/output/model.tar.gz`));
    expect(model && existsSync(model.file)).toBe(true);
  });

  it('names the steps that started when the step is not one of them', async () => {
    const missing = await sagesim('reproduce', executionArn, 'Nope', '--no-mock', '--endpoint-url', fixture.serve.endpoint);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('steps are:');
    expect(missing.err).toContain('EvaluateModel');
  });
});
