# A user's script, unchanged for sagesim: no endpoint, no credentials, no region. `sagesim exec`
# provides them through the standard AWS environment.
import json
import sys
import time

import boto3

definition_file, bucket = sys.argv[1], sys.argv[2]

s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="code/preprocess.py", Body=b"print('hello')\n")

sm = boto3.client("sagemaker")
with open(definition_file) as f:
    sm.create_pipeline(PipelineName="exec-housing", PipelineDefinition=f.read(), RoleArn="arn:aws:iam::111122223333:role/sagesim")
arn = sm.start_pipeline_execution(PipelineName="exec-housing")["PipelineExecutionArn"]

status = "Executing"
for _ in range(600):
    status = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    if status != "Executing":
        break
    time.sleep(0.5)

steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
print(json.dumps({
    "arn": arn,
    "status": status,
    "steps": {step["StepName"]: step["StepStatus"] for step in steps},
    "objects": [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])],
}))
sys.exit(0 if status == "Succeeded" else 3)
