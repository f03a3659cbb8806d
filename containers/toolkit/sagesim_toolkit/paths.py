"""The /opt/ml layout SageMaker mounts into a container (SAGEMAKER_BASE_DIR moves it, for tests)."""
import os

BASE_DIR = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
INPUT_DIR = os.path.join(BASE_DIR, "input")
INPUT_CONFIG_DIR = os.path.join(INPUT_DIR, "config")
INPUT_DATA_DIR = os.path.join(INPUT_DIR, "data")
MODEL_DIR = os.path.join(BASE_DIR, "model")
OUTPUT_DIR = os.path.join(BASE_DIR, "output")
OUTPUT_DATA_DIR = os.path.join(OUTPUT_DIR, "data")
OUTPUT_INTERMEDIATE_DIR = os.path.join(OUTPUT_DIR, "intermediate")
FAILURE_FILE = os.path.join(OUTPUT_DIR, "failure")
SUCCESS_FILE = os.path.join(OUTPUT_DIR, "success")
CODE_DIR = os.path.join(BASE_DIR, "code")
MODEL_CODE_DIR = os.path.join(MODEL_DIR, "code")

HYPERPARAMETERS_FILE = os.path.join(INPUT_CONFIG_DIR, "hyperparameters.json")
INPUT_DATA_CONFIG_FILE = os.path.join(INPUT_CONFIG_DIR, "inputdataconfig.json")
RESOURCE_CONFIG_FILE = os.path.join(INPUT_CONFIG_DIR, "resourceconfig.json")
