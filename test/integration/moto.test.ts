// sagesim against an S3 and SageMaker API written elsewhere: moto's server (python3 -m moto.server).
// The LocalStack path (--s3-endpoint) runs the housing pipeline in real containers with its data
// in moto's S3; --no-mock creates and starts the pipeline in moto's SageMaker, which stores
// pipelines but runs nothing and has no ListPipelineExecutionSteps: sagesim says so clearly.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_MOTO, startMoto } from './support/moto-server.js';
import { REPO, ensureBuilt, removeContainersLabelled, runCli } from './support/real-cli.js';

const HOUSING = path.join(REPO, 'fixtures/housing/pipeline.json');
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';
const SKIPPED = HAS_MOTO ? '' : ' (skipped: the python3 on PATH has no moto server; pip install "moto[server]" to run these)';

/** What moto holds, read with boto3: an independent look at what sagesim wrote there. */
function boto3(endpoint: string, code: string): unknown {
  const script = `import boto3, json\nkw = dict(endpoint_url=${JSON.stringify(endpoint)}, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")\nsm = boto3.client("sagemaker", **kw)\ns3 = boto3.client("s3", **kw)\nprint(json.dumps(${code}, default=str))`;
  const result = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe.skipIf(!HAS_MOTO)(`sagesim against moto's S3 and SageMaker API${SKIPPED}`, { timeout: 900_000 }, () => {
  let moto: ChildProcess;
  let endpoint: string;
  let dir: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'sagesim-moto-'));
    const server = await startMoto();
    moto = server.process;
    endpoint = server.endpoint;
  });
  afterAll(() => {
    moto?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the housing fixture to Succeeded with its data in moto S3 (--s3-endpoint, the LocalStack path)', async () => {
    const home = path.join(dir, 'local-home');
    const result = await runCli(['run', HOUSING, '--s3-endpoint', endpoint, '--home', home, '--json'], { cwd: dir });
    const record = JSON.parse(result.stdout) as { PipelineExecutionStatus: string; PipelineExecutionArn: string };
    const id = record.PipelineExecutionArn.split('/').pop() ?? '';
    await removeContainersLabelled(`sagesim.execution-id=${id}`);
    expect(record.PipelineExecutionStatus, result.stderr).toBe('Succeeded');
    expect(result.code).toBe(0);
    const keys = boto3(endpoint, `[o["Key"] for o in s3.list_objects_v2(Bucket="sagesim-demo").get("Contents", [])]`) as string[];
    expect(keys).toContain('housing/input/housing.csv');
    expect(keys.some((key) => key.startsWith(`housing/transform/${id}/`))).toBe(true);
  });

  it('run --no-mock --no-wait creates and starts the pipeline in moto, with credentials from --profile', async () => {
    const credentials = path.join(dir, 'credentials');
    writeFileSync(credentials, '[moto]\naws_access_key_id = moto-key\naws_secret_access_key = moto-secret\n');
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: path.join(dir, 'no-config') };
    const result = await runCli(['run', HOUSING, '--no-mock', '--endpoint-url', endpoint, '--role', ROLE, '--pipeline-name', 'housing-moto', '--profile', 'moto', '--no-wait'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^arn:aws:sagemaker:us-east-1:\d+:pipeline\/housing-moto\/execution\/\S+$/);
    const pipelines = boto3(endpoint, `[p["PipelineName"] for p in sm.list_pipelines()["PipelineSummaries"]]`) as string[];
    expect(pipelines).toContain('housing-moto');
    const executions = boto3(endpoint, `[e["PipelineExecutionArn"] for e in sm.list_pipeline_executions(PipelineName="housing-moto")["PipelineExecutionSummaries"]]`) as string[];
    expect(executions).toContain(result.stdout.trim());

    const missing = await runCli(['run', HOUSING, '--no-mock', '--endpoint-url', endpoint, '--role', ROLE, '--profile', 'nobody', '--no-wait'], { cwd: dir, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no AWS credentials found/);
  });

  it('following an execution moto cannot list the steps of ends with a clear message, not a parse error', async () => {
    const result = await runCli(['run', HOUSING, '--no-mock', '--endpoint-url', endpoint, '--role', ROLE, '--pipeline-name', 'housing-moto-follow'], { cwd: dir });
    expect(result.stderr).toMatch(/started arn:aws:sagemaker:\S+housing-moto-follow\/execution\//);
    expect(result.stderr).toContain('the endpoint does not implement ListPipelineExecutionSteps');
    expect(result.stderr).toContain('pass --no-wait to create and start the execution only');
    expect(result.stderr).not.toMatch(/is not valid JSON|Deserialization/);
    expect(result.code).toBe(1);
  });
});
