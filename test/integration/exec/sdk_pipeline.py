# A SageMaker Python SDK pipeline as a user writes it: no endpoint, no credentials, no region.
# Only the default bucket is explicit (the SDK would otherwise ask STS for the account id).
import os

from sagemaker.processing import ProcessingOutput
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import ProcessingStep

ROLE = "arn:aws:iam::111122223333:role/SageMakerRole"
session = PipelineSession(default_bucket="my-ml-bucket")
processor = SKLearnProcessor(framework_version="1.2-1", role=ROLE, instance_type="ml.m5.xlarge", instance_count=1, sagemaker_session=session)
step = ProcessingStep(
    name="Preprocess",
    step_args=processor.run(code=os.path.join(os.path.dirname(__file__), "preprocess.py"), outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train")]),
)
pipeline = Pipeline(name="sdk-demo", steps=[step], sagemaker_session=session)
pipeline.upsert(role_arn=ROLE)
execution = pipeline.start()
execution.wait(delay=1, max_attempts=120)
print([(s["StepName"], s["StepStatus"]) for s in execution.list_steps()])
