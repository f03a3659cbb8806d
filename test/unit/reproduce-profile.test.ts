// `sagesim reproduce --no-mock --profile`: the named profile's credentials sign what the
// reproduction sends to SageMaker (ListPipelineExecutionSteps, Describe*) and to S3, as under
// `run --no-mock --profile`. A loopback server stands in for both and records who signed each call;
// Docker is pointed at a socket that does not exist, so nothing runs after the S3 probe.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/housing/execution/abcdef123456';
const JOB = 'pipelines-abcdef123456-Evaluate-x1';

interface SignedCall {
  /** `SageMaker.<Action>`, or `S3 <method> <path>`. */
  readonly call: string;
  /** The access key id of the Authorization header's Credential. */
  readonly accessKeyId: string | undefined;
}

/** Answers the SageMaker calls of a reproduction of one Processing step, and any S3 call with an empty 200. */
function answer(target: string | undefined, response: ServerResponse): void {
  const json = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  };
  switch (target) {
    case 'SageMaker.ListPipelineExecutionSteps':
      return json(200, { PipelineExecutionSteps: [{ StepName: 'Evaluate', StepStatus: 'Failed', Metadata: { ProcessingJob: { Arn: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${JOB.toLowerCase()}` } } }] });
    case 'SageMaker.DescribeProcessingJob':
      return json(200, {
        ProcessingJobName: JOB,
        AppSpecification: { ImageUri: 'my/evaluator:1' },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
        ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://bucket/data/', LocalPath: '/opt/ml/processing/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
        RoleArn: 'arn:aws:iam::111122223333:role/r',
      });
    case undefined:
      response.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>');
      return;
    default:
      return json(400, { __type: 'ValidationException', message: `not answered here: ${target}` });
  }
}

describe('sagesim reproduce --no-mock --profile', () => {
  let server: Server;
  let endpoint: string;
  let work: string;
  const calls: SignedCall[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-reproduce-profile-'));
    writeFileSync(path.join(work, 'credentials'), '[repro]\naws_access_key_id = AKIAREPROPROFILE\naws_secret_access_key = secret\n');
    writeFileSync(path.join(work, 'config'), '[profile repro]\nregion = us-east-1\n');
    // The SDK reads the shared files' paths from the process's environment.
    for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) saved[name] = process.env[name];
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = path.join(work, 'credentials');
    process.env['AWS_CONFIG_FILE'] = path.join(work, 'config');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete process.env[name];
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const target = request.headers['x-amz-target'] as string | undefined;
      const credential = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
      calls.push({ call: target ?? `S3 ${request.method} ${request.url}`, accessKeyId: credential });
      request.resume().on('end', () => answer(target, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(work, { recursive: true, force: true });
  });

  it("signs the SageMaker and S3 calls with the profile's credentials, not the dummy ones a loopback endpoint gets", async () => {
    const io = captureIo(work, { DOCKER_HOST: `unix://${path.join(work, 'no-docker.sock')}` });
    const code = await runCli(['reproduce', ARN, 'evaluate', '--no-mock', '--endpoint-url', endpoint, '--profile', 'repro', '--dir', path.join(work, 'repro'), '--home', path.join(work, 'home')], io);

    // It got as far as Docker, which is not there.
    expect(code, io.err()).not.toBe(0);
    expect(io.err()).toContain('cannot reach the Docker engine');
    expect(io.out()).toContain(`Reproducing Evaluate (Processing) of ${ARN}`);
    const made = calls.map((c) => c.call);
    expect(made).toEqual(expect.arrayContaining(['SageMaker.ListPipelineExecutionSteps', 'SageMaker.DescribeProcessingJob', 'S3 GET /?x-id=ListBuckets']));
    expect(calls.map((c) => c.accessKeyId)).toEqual(calls.map(() => 'AKIAREPROPROFILE'));
  });

  it('refuses --profile for an execution of the local store', async () => {
    const io = captureIo(work);
    const code = await runCli(['reproduce', 'abc', 'Evaluate', '--profile', 'repro', '--home', path.join(work, 'home')], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('--profile names the AWS credentials of a cloud execution: it goes with --no-mock');
  });
});
