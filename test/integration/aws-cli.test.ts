// `sagesim serve` driven by the AWS CLI (Debian's awscli) with nothing but --endpoint-url changed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABALONE_FILE, ABALONE_GROUP, ABALONE_REGISTER_STEP, ABALONE_TRAIN_STEP, ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';

const execFileAsync = promisify(execFile);
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

describe('sagesim serve with the AWS CLI', { timeout: 180_000 }, () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    try {
      await execFileAsync(AWS, ['--version']);
    } catch {
      throw new Error('the AWS CLI is not installed: apt-get install -y awscli (.ci/run does)');
    }
    fixture = await startTestServe();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  });

  async function aws(...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await execFileAsync(AWS, ['sagemaker', ...args, '--endpoint-url', fixture.serve.endpoint, '--output', 'json'], { env: env() });
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  }

  async function awsFails(...args: string[]): Promise<{ code: number; stderr: string }> {
    try {
      await execFileAsync(AWS, ['sagemaker', ...args, '--endpoint-url', fixture.serve.endpoint], { env: env() });
    } catch (error) {
      const failure = error as { code: number; stderr: string };
      return { code: failure.code, stderr: failure.stderr };
    }
    throw new Error(`aws sagemaker ${args.join(' ')} succeeded`);
  }

  it('drives a pipeline through create, start, poll, steps, training job and model approval', async () => {
    const created = await aws('create-pipeline', '--pipeline-name', 'abalone-cli', '--pipeline-definition', `file://${ABALONE_FILE}`, '--role-arn', ROLE_ARN);
    expect(created['PipelineArn']).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone-cli');

    const started = await aws('start-pipeline-execution', '--pipeline-name', 'abalone-cli', '--pipeline-parameters', 'Name=MseThreshold,Value=6.5');
    const arn = started['PipelineExecutionArn'] as string;
    let status = 'Executing';
    for (let i = 0; i < 100 && (status === 'Executing' || status === 'Stopping'); i++) {
      status = (await aws('describe-pipeline-execution', '--pipeline-execution-arn', arn))['PipelineExecutionStatus'] as string;
    }
    expect(status).toBe('Succeeded');

    // The CLI follows NextToken itself; a small page size makes it do so.
    const listed = await aws('list-pipeline-execution-steps', '--pipeline-execution-arn', arn, '--page-size', '2');
    const steps = listed['PipelineExecutionSteps'] as { StepName: string; StepStatus: string; Metadata: Record<string, { Arn?: string }> }[];
    expect(steps.map((s) => s.StepName)).toContain('AbaloneMSECond');
    const trainArn = steps.find((s) => s.StepName === ABALONE_TRAIN_STEP)?.Metadata['TrainingJob']?.Arn as string;
    const job = await aws('describe-training-job', '--training-job-name', trainArn.split('/').pop() as string);
    expect(job['TrainingJobStatus']).toBe('Completed');

    const packageArn = steps.find((s) => s.StepName === ABALONE_REGISTER_STEP)?.Metadata['RegisterModel']?.Arn as string;
    const packages = await aws('list-model-packages', '--model-package-group-name', ABALONE_GROUP);
    expect((packages['ModelPackageSummaryList'] as { ModelPackageArn: string }[]).map((p) => p.ModelPackageArn)).toEqual([packageArn]);
    await aws('update-model-package', '--model-package-arn', packageArn, '--model-approval-status', 'Approved');
    expect((await aws('describe-model-package', '--model-package-name', packageArn))['ModelApprovalStatus']).toBe('Approved');
  });

  it('reports bad requests with the cloud error codes', async () => {
    const missing = await awsFails('describe-pipeline', '--pipeline-name', 'no-such-pipeline');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('(ResourceNotFound)');
    expect(missing.stderr).toContain('no-such-pipeline');

    const badName = await awsFails('create-pipeline', '--pipeline-name', 'bad_name', '--pipeline-definition', `file://${ABALONE_FILE}`, '--role-arn', ROLE_ARN);
    expect(badName.stderr).toContain('(ValidationException)');
    expect(badName.stderr).toContain("at 'pipelineName' failed to satisfy constraint");
  });
});
