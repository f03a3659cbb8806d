// `sagesim serve` driven by Debian's python3-boto3, unchanged apart from endpoint_url: the client
// most SageMaker users script against.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABALONE_FILE, ABALONE_GROUP, ABALONE_REGISTER_STEP, ABALONE_TRAIN_STEP, ROLE_ARN, type ServeFixture, startTestServe } from './serve-helpers.js';

const run = promisify(execFile);
/** Debian's interpreter: the one `apt-get install python3-boto3` serves (a pyenv python may lack it). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const SCRIPT = String.raw`
import json, sys, time
import boto3
from botocore.exceptions import ClientError

endpoint, definition_file, role = sys.argv[1], sys.argv[2], sys.argv[3]
sm = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
out = {}

def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None

definition = open(definition_file).read()
out["create"] = sm.create_pipeline(PipelineName="abalone-boto3", PipelineDefinition=definition, RoleArn=role)["PipelineArn"]
# What the SageMaker Python SDK's upsert() checks before it falls back to update_pipeline.
out["create_again"] = error_of(lambda: sm.create_pipeline(PipelineName="abalone-boto3", PipelineDefinition=definition, RoleArn=role))
# Debian's botocore predates PipelineVersionId: older clients drop members they do not know.
out["update"] = sm.update_pipeline(PipelineName="abalone-boto3", PipelineDefinition=definition)["PipelineArn"]
arn = sm.start_pipeline_execution(PipelineName="abalone-boto3", PipelineParameters=[{"Name": "MseThreshold", "Value": "7"}])["PipelineExecutionArn"]
out["arn"] = arn
for _ in range(300):
    described = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    if described["PipelineExecutionStatus"] not in ("Executing", "Stopping"):
        break
    time.sleep(0.1)
out["status"] = described["PipelineExecutionStatus"]
out["creation_time_type"] = type(described["CreationTime"]).__name__
steps = []
for page in sm.get_paginator("list_pipeline_execution_steps").paginate(PipelineExecutionArn=arn, PaginationConfig={"PageSize": 2}):
    steps.extend(page["PipelineExecutionSteps"])
out["steps"] = {s["StepName"]: {"status": s["StepStatus"], "metadata": s.get("Metadata", {})} for s in steps}
train_arn = out["steps"]["${ABALONE_TRAIN_STEP}"]["metadata"]["TrainingJob"]["Arn"]
job = sm.describe_training_job(TrainingJobName=train_arn.split("/")[-1])
out["training_status"] = job["TrainingJobStatus"]
out["model_artifacts"] = job["ModelArtifacts"]["S3ModelArtifacts"]
out["parameters"] = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
package_arn = out["steps"]["${ABALONE_REGISTER_STEP}"]["metadata"]["RegisterModel"]["Arn"]
pending = sm.list_model_packages(ModelPackageGroupName="${ABALONE_GROUP}", ModelApprovalStatus="PendingManualApproval")["ModelPackageSummaryList"]
out["pending"] = [p["ModelPackageArn"] for p in pending]
sm.update_model_package(ModelPackageArn=package_arn, ModelApprovalStatus="Approved", ApprovalDescription="looks good")
out["approval"] = sm.describe_model_package(ModelPackageName=package_arn)["ModelApprovalStatus"]
out["package_arn"] = package_arn
out["missing_pipeline"] = error_of(lambda: sm.describe_pipeline(PipelineName="no-such-pipeline"))
out["bad_parameter"] = error_of(lambda: sm.start_pipeline_execution(PipelineName="abalone-boto3", PipelineParameters=[{"Name": "ProcessingInstanceCount", "Value": "many"}]))
out["bad_definition"] = error_of(lambda: sm.create_pipeline(PipelineName="broken", PipelineDefinition="{}", RoleArn=role))
try:
    sm.describe_pipeline(PipelineName="no-such-pipeline")
except sm.exceptions.ResourceNotFound:
    out["modeled_exception"] = True
print(json.dumps(out))
`;

describe('sagesim serve with boto3 (Debian python3-boto3)', { timeout: 120_000 }, () => {
  let fixture: ServeFixture;

  beforeAll(async () => {
    try {
      await run(PYTHON, ['-c', 'import boto3']);
    } catch {
      throw new Error(`boto3 is not installed for ${PYTHON}: apt-get install -y python3-boto3 (.ci/run does)`);
    }
    fixture = await startTestServe();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('drives a pipeline through create, start, poll, steps, training job and model approval', async () => {
    const { stdout } = await run(PYTHON, ['-c', SCRIPT, fixture.serve.endpoint, ABALONE_FILE, ROLE_ARN], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out['create']).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone-boto3');
    expect(out['create_again']).toMatchObject({ code: 'ValidationException', status: 400, message: expect.stringContaining('Pipeline names must be unique within') });
    expect(out['update']).toBe(out['create']);
    expect(out['status']).toBe('Succeeded');
    expect(out['creation_time_type']).toBe('datetime');
    const steps = out['steps'] as Record<string, { status: string; metadata: Record<string, unknown> }>;
    expect(steps['AbaloneMSECond']).toEqual({ status: 'Succeeded', metadata: { Condition: { Outcome: 'True' } } });
    expect(steps[ABALONE_TRAIN_STEP]?.status).toBe('Succeeded');
    expect(out['training_status']).toBe('Completed');
    expect(out['model_artifacts']).toMatch(/^s3:\/\/.+model\.tar\.gz$/);
    expect(out['parameters']).toContainEqual({ Name: 'MseThreshold', Value: '7' });
    expect(out['pending']).toEqual([out['package_arn']]);
    expect(out['approval']).toBe('Approved');
    expect(out['missing_pipeline']).toMatchObject({ code: 'ResourceNotFound', status: 400 });
    expect(out['modeled_exception']).toBe(true);
    expect(out['bad_parameter']).toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/ProcessingInstanceCount.*not an Integer/) });
    expect(out['bad_definition']).toMatchObject({ code: 'ValidationException', message: expect.stringContaining('Invalid pipeline definition') });
  });
});
