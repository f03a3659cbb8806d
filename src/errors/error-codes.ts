// The catalogue of error codes: every SagesimError's code is a key here (a new code does not
// compile until it is catalogued), with the exit code the CLI ends with, who can fix it, what it
// means, and a default hint for throw sites that give none. docs/ERROR-CODES.md is rendered from it.
import { type Audience, EXIT, type ExitStatus } from './exit-codes.js';

export interface ErrorCodeInfo {
  /** What the CLI exits with when an error of this code ends a command. */
  readonly exit: ExitStatus;
  readonly audience: Audience;
  /** One line: what went wrong. */
  readonly meaning: string;
  /** Shown when the throw site gives no hint of its own. */
  readonly hint?: string;
}

// Shorthands: most codes are one of these combinations.
const input = { exit: EXIT.usage, audience: 'user' } as const;
/** Bad input found while a step runs: the step fails, so the execution (exit 1) fails. */
const stepInput = { exit: EXIT.failed, audience: 'user' } as const;
/** Docker, disk, network or AWS got in the way before anything ran (refused like bad input). */
const setup = { exit: EXIT.usage, audience: 'environment' } as const;
/** Docker, disk, network or AWS failed while sagesim worked. */
const environment = { exit: EXIT.failed, audience: 'environment' } as const;
const bug = { exit: EXIT.internal, audience: 'internal', hint: 'this is a bug in sagesim: run again with --debug and please report it' } as const;

export const ERROR_CODES = {
  // Command line, configuration, files given to sagesim
  INVALID_ARGUMENT: { ...input, meaning: 'a command-line argument or option value is not valid' },
  CONFIRMATION_NEEDED: { ...input, meaning: 'the command deletes data and needs --yes (or an interactive confirmation)' },
  CONFIG_NOT_FOUND: { ...input, meaning: 'the --config file does not exist' },
  INVALID_CONFIG: { ...input, meaning: 'the config file (or an environment setting) is not valid' },
  FILE_NOT_FOUND: { ...input, meaning: 'a file named on the command line does not exist' },
  FILE_NOT_READABLE: { ...input, meaning: 'a file named on the command line cannot be read' },
  NOT_JSON: { ...input, meaning: 'a file that must hold JSON does not parse' },
  OUTPUT_NOT_WRITABLE: { ...input, meaning: 'the output path cannot be written' },
  INVALID_PARAM_ARGUMENT: { ...input, meaning: 'a --param is not Name=Value' },
  INVALID_PARAMS_FILE: { ...input, meaning: 'the --params file does not hold parameter values' },
  INVALID_PARAMETER: { ...input, meaning: 'a pipeline parameter value does not fit its declared type' },
  INVALID_STUBS: { ...input, meaning: 'the stubs file or a --stub flag is not valid' },
  UNKNOWN_STUB_STEP: { ...input, meaning: 'a stub names a step the pipeline does not have' },
  UNKNOWN_IMAGE: { ...input, meaning: 'an image name given to `images` is not one sagesim builds' },
  INVALID_IMAGE_MAPPING: { ...environment, meaning: 'the image mapping shipped with sagesim (containers/images.json) is broken: reinstall sagesim' },
  IMAGE_NOT_MAPPED: { ...input, meaning: 'a step\'s image URI has no local image mapped to it' },
  IMAGE_NOT_FOUND: { ...input, meaning: 'the local image a step needs is not built or pulled' },
  INVALID_MANIFEST: { ...input, meaning: 'the S3 seed manifest is not valid' },
  MANIFEST_NOT_FOUND: { ...input, meaning: 'the S3 seed manifest file does not exist' },
  NO_MANIFEST: { ...input, meaning: 'the reproduced step needs inputs and no manifest or upload says where they are' },
  INVALID_DEFINITION: { ...input, meaning: 'the pipeline definition has more than one problem (each has its own code)' },
  UNSUPPORTED_LOCALLY: { ...input, meaning: 'a feature the definition uses does not run locally' },
  STEP_TYPE_NOT_LOCAL: { ...input, meaning: 'a step type runs only in SageMaker, not locally' },
  INVALID_BUCKET: { ...input, meaning: 'a bucket name is not a valid S3 bucket name' },
  INVALID_S3_URI: { ...input, meaning: 'a value is not an s3://bucket/key URI' },
  INVALID_S3_KEY: { ...input, meaning: 'an S3 key cannot be written as a local file path' },
  S3_NOT_FOUND: { ...input, meaning: 'the S3 object does not exist' },
  S3_LAYOUT_CONFLICT: { ...input, meaning: 'an S3 prefix holds both an object and objects below it, which cannot be staged as files' },
  ROLE_REQUIRED: { ...input, meaning: 'running in SageMaker needs an IAM role (--role)' },
  SHELL_NEEDS_TTY: { ...input, meaning: 'an interactive shell needs a terminal' },

  // Executions, steps and history
  EXECUTION_NOT_FOUND: { ...input, meaning: 'no execution has that id' },
  EXECUTION_AMBIGUOUS: { ...input, meaning: 'an execution id prefix matches more than one execution' },
  EXECUTION_RUNNING: { ...input, meaning: 'the execution is still running' },
  EXECUTION_NOT_RUNNING_HERE: { ...input, meaning: 'the execution is not running in this process' },
  STEP_NOT_FOUND: { ...input, meaning: 'the execution has no step of that name' },
  STEP_AMBIGUOUS: { ...input, meaning: 'a step name prefix matches more than one step' },
  STEP_NOT_STARTED: { ...input, meaning: 'the step never started, so there is nothing to reproduce' },
  STEP_NOT_REPRODUCIBLE: { ...input, meaning: 'the step type cannot be reproduced (it runs no container)' },
  STEP_NOT_RUN_HERE: { ...input, meaning: 'the step did not run in this execution (reused from another)' },
  RETRY_NOT_ALLOWED: { ...input, meaning: 'the execution cannot be retried in its state' },
  CANNOT_REUSE_STEPS: { ...input, meaning: 'a selective run cannot reuse the steps it needs from the source execution' },
  SELECTIVE_NO_STEPS: { ...input, meaning: 'a selective execution names no steps to run' },
  SELECTIVE_TOO_MANY_STEPS: { ...input, meaning: 'a selective execution names more than 50 steps' },
  SELECTIVE_UNKNOWN_STEPS: { ...input, meaning: 'a selective execution names steps the pipeline does not have' },
  SELECTIVE_STEPS_NOT_CONNECTED: { ...input, meaning: 'the selected steps leave a gap: a step between two selected ones is not selected' },
  SELECTIVE_SOURCE_REQUIRED: { ...input, meaning: 'a selective execution needs a source execution to reuse outputs from' },
  SELECTIVE_SOURCE_MISMATCH: { ...input, meaning: 'the source execution ran another pipeline' },
  SELECTIVE_SOURCE_NOT_FINISHED: { ...input, meaning: 'the source execution did not end as Succeeded or Failed' },
  SELECTIVE_SOURCE_STEP_UNUSABLE: { ...input, meaning: 'a step the selection needs did not succeed in the source execution' },
  INVALID_EXECUTION_ARN: { ...input, meaning: 'a value is not a pipeline execution ARN' },
  STOPPED: { exit: EXIT.failed, audience: 'user', meaning: 'the work was stopped (Ctrl-C, SIGTERM, StopPipelineExecution)' },

  // Callback steps and the emulated SageMaker API
  CALLBACK_NOT_FOUND: { ...input, meaning: 'no Callback step is waiting for the token' },
  CALLBACK_ALREADY_DELIVERED: { ...input, meaning: 'the callback token was already answered' },
  INVALID_CALLBACK_TOKEN: { ...input, meaning: 'a value is not a callback token' },
  INVALID_APPROVAL_STATUS: { ...input, meaning: 'a model approval status is not one SageMaker accepts' },
  INVALID_MAX_RESULTS: { ...input, meaning: 'MaxResults is out of range' },
  INVALID_NEXT_TOKEN: { ...input, meaning: 'NextToken was not returned by a previous call' },
  INVALID_MODEL_NAME: { ...input, meaning: 'a model name is not one SageMaker accepts' },
  INVALID_MODEL_PACKAGE_GROUP_NAME: { ...input, meaning: 'a model package group name is not one SageMaker accepts' },
  MODEL_NOT_FOUND: { ...input, meaning: 'no model has that name' },
  MODEL_PACKAGE_NOT_FOUND: { ...input, meaning: 'no model package has that ARN or version' },
  MODEL_PACKAGE_GROUP_NOT_FOUND: { ...input, meaning: 'no model package group has that name' },
  MODEL_PACKAGE_GROUP_EXISTS: { ...input, meaning: 'a model package group of that name already exists' },
  UNVERSIONED_MODEL_PACKAGE: { ...input, meaning: 'unversioned model packages are not supported' },

  // The test harness (sagesim/testing)
  TEST_UNKNOWN_STEP: { ...input, meaning: 'a test names a step the pipeline does not have' },
  TEST_NOT_A_CONDITION: { ...input, meaning: 'a test asks for the outcome of a step that is not a Condition' },
  TEST_UNKNOWN_PROPERTY_FILE: { ...input, meaning: 'a test reads a property file the step does not declare' },
  TEST_BAD_PROPERTY_PATH: { ...input, meaning: 'a test reads a property path the step does not have' },
  TEST_FROM_WITHOUT_STEPS: { ...input, meaning: 'a selective test run names no steps to run' },
  TEST_NO_MANIFEST: { ...input, meaning: 'the test seeds S3 from a manifest that does not exist' },

  // Expressions evaluated while the pipeline runs: the step that needs them fails
  MALFORMED_EXPRESSION: { ...stepInput, meaning: 'an expression (Get, Std:Join, Std:JsonGet) is not well formed' },
  MALFORMED_REFERENCE: { ...stepInput, meaning: 'a Get reference is not well formed' },
  UNKNOWN_PARAMETER: { ...stepInput, meaning: 'an expression reads a parameter the pipeline does not declare' },
  EXPERIMENT_CONFIG_NOT_SET: { ...stepInput, meaning: 'an expression reads PipelineExperimentConfig, which the definition does not set' },
  EXECUTION_VARIABLE_UNAVAILABLE: { ...stepInput, meaning: 'an execution variable has no value here' },
  STEP_NOT_RUN: { ...stepInput, meaning: 'an expression reads a property of a step that has not run' },
  OUTPUT_PARAMETER_NOT_FOUND: { ...stepInput, meaning: 'an expression reads an output parameter the step did not return' },
  PROPERTY_NOT_FOUND: { ...stepInput, meaning: 'an expression reads a property the step does not have' },
  PROPERTY_FILE_NOT_FOUND: { ...stepInput, meaning: 'a property file is not declared, or the step did not write it' },
  PROPERTY_FILE_OUTPUT_NOT_FOUND: { ...stepInput, meaning: 'a property file names an output the step does not have' },
  PROPERTY_FILE_NOT_JSON: { ...stepInput, meaning: 'a property file the step wrote is not JSON' },
  PROPERTY_FILE_TOO_DEEP: { ...stepInput, meaning: 'a property file nests lists and objects too deep' },
  INVALID_JSON_PATH: { ...stepInput, meaning: 'a JsonGet path is not valid' },
  JSONGET_NOT_JSON: { ...stepInput, meaning: 'the object Std:JsonGet reads is not JSON' },
  JSONGET_TOO_DEEP: { ...stepInput, meaning: 'the object Std:JsonGet reads nests lists and objects too deep' },
  JSONGET_PATH_NOT_FOUND: { ...stepInput, meaning: 'the Std:JsonGet path is not in the document' },
  CONDITION_TYPE_MISMATCH: { ...stepInput, meaning: 'a condition compares values of types that cannot be compared' },
  INVALID_CONDITION_STEP: { ...stepInput, meaning: 'a Condition step\'s arguments are not valid' },

  // Steps that fail: the execution fails (exit 1)
  STEP_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'a step failed' },
  CONTAINER_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'a step\'s container exited with a non-zero code' },
  MAX_RUNTIME_EXCEEDED: { exit: EXIT.failed, audience: 'user', meaning: 'a job ran longer than its StoppingCondition allows' },
  FAIL_STEP: { exit: EXIT.failed, audience: 'user', meaning: 'a Fail step ran' },
  STUB_FAILURE: { exit: EXIT.failed, audience: 'user', meaning: 'a stub was told to fail the step' },
  INJECTED_FAULT: { exit: EXIT.failed, audience: 'user', meaning: 'a test injected a fault into the step' },
  TUNING_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'every training job of a tuning step failed' },
  CALLBACK_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'the callback of a Callback step reported a failure' },
  LAMBDA_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'the local handler of a Lambda step failed' },
  LAMBDA_TIMEOUT: { exit: EXIT.failed, audience: 'user', meaning: 'the local handler of a Lambda step timed out' },
  LAMBDA_COMMAND_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'the command of a Lambda step\'s local handler could not start' },
  LAMBDA_NOT_MAPPED: { ...stepInput, meaning: 'a Lambda step\'s function has no local handler' },
  INVALID_OUTPUT_PARAMETER_VALUES: { ...stepInput, meaning: 'the output parameters a Lambda or Callback step returned are not a flat JSON object of declared names' },
  INVALID_STEP_ARGUMENTS: { ...stepInput, meaning: 'a step\'s Arguments are not valid for its job (SageMaker\'s ValidationException)' },
  INVALID_METRIC_DEFINITION: { ...stepInput, meaning: 'a metric definition\'s regex is not valid' },
  INVALID_DATA_PROCESSING_PATH: { ...stepInput, meaning: 'a transform DataProcessing filter path is not valid' },
  S3_INPUT_NOT_FOUND: { ...stepInput, meaning: 'a step input\'s S3 URI holds no object' },
  MODEL_DATA_NOT_FOUND: { ...stepInput, meaning: 'the model artifacts a transform needs are not in S3' },
  MODEL_DATA_INVALID: { ...stepInput, meaning: 'the model artifacts a transform needs cannot be extracted' },
  GPU_UNAVAILABLE: { ...stepInput, meaning: 'a step asks for GPUs and Docker offers none' },
  SDK_NOT_FOUND: { ...stepInput, meaning: 'the SageMaker Python SDK a @step function needs is not found' },
  SDK_PYTHON_MISMATCH: { ...stepInput, meaning: 'the Python in the image does not match the one the @step function was pickled with' },
  SDK_BOTOCORE_TOO_OLD: { ...stepInput, meaning: 'the botocore in the image is too old for the @step function' },
  TRANSFORM_UNSUPPORTED: { ...stepInput, meaning: 'a transform job setting does not run locally' },
  TRANSFORM_FILTER_FAILED: { ...stepInput, meaning: 'a transform\'s input or output filter does not apply to the data' },
  TRANSFORM_JOIN_MISMATCH: { ...stepInput, meaning: 'a transform\'s output cannot be joined with its input' },
  TRANSFORM_RECORD_TOO_LARGE: { ...stepInput, meaning: 'a transform record is larger than MaxPayloadInMB' },
  TRANSFORM_CONTAINER_EXITED: { exit: EXIT.failed, audience: 'user', meaning: 'the transform\'s model container exited' },
  TRANSFORM_PING_TIMEOUT: { exit: EXIT.failed, audience: 'user', meaning: 'the transform\'s model container never answered /ping' },
  TRANSFORM_INVOCATION_FAILED: { exit: EXIT.failed, audience: 'user', meaning: 'the transform\'s model container failed an /invocations request' },
  TRANSFORM_CANCELLED: { exit: EXIT.failed, audience: 'user', meaning: 'the transform was cancelled' },
  JOB_INTERNAL_ERROR: { ...environment, meaning: 'sagesim could not run the job (staging, Docker, S3)' },

  // Docker, disk, network, AWS
  DOCKER_UNAVAILABLE: { ...setup, meaning: 'the Docker engine does not answer' },
  DOCKER_TIMEOUT: { ...setup, meaning: 'the Docker engine did not answer in time' },
  DOCKER_ERROR: { ...environment, meaning: 'the Docker engine refused a request' },
  IMAGE_BUILD_FAILED: { ...environment, meaning: 'building a sagesim image failed' },
  CONTAINERS_NOT_FOUND: { ...environment, meaning: 'the containers/ folder sagesim builds its images from is missing' },
  S3_UNREACHABLE: { ...setup, meaning: 'the S3 endpoint does not answer' },
  S3_TIMEOUT: { ...setup, meaning: 'the S3 endpoint did not answer in time' },
  S3_ERROR: { ...environment, meaning: 'the S3 endpoint refused a request' },
  S3_EMULATOR_START_FAILED: { ...environment, meaning: 'the embedded S3 emulator could not start' },
  SEED_FAILED: { ...setup, meaning: 'seeding S3 from the manifest failed (before anything ran)' },
  SERVE_START_FAILED: { ...setup, meaning: '`sagesim serve` could not listen on its port' },
  NO_OBJECT_STORE: { ...environment, meaning: 'a remote run has no S3 store to upload to' },
  LOCK_TIMEOUT: { ...environment, meaning: 'a file lock under the sagesim home was not released in time' },
  STORE_READ_FAILED: { ...environment, meaning: 'a record under the sagesim home cannot be read', hint: 'check the permissions of that execution\'s execution.json under the sagesim home; if it is damaged, move its folder away' },
  EXECUTION_RECORD_WRITE_FAILED: { ...setup, meaning: 'the execution record cannot be written under the sagesim home' },
  STEP_LOG_WRITE_FAILED: { ...environment, meaning: 'a step\'s log cannot be written under the sagesim home', hint: 'check that the sagesim home (--home or SAGESIM_HOME, default ./.sagesim) is writable and the disk is not full' },
  MODEL_PACKAGE_GROUP_VANISHED: { ...environment, meaning: 'a model package group file was removed while it was read', hint: 'another process removed the model registry\'s files under the sagesim home: run again' },
  AWS_BAD_RESPONSE: { ...environment, meaning: 'AWS (or the endpoint) answered something sagesim cannot read' },
  AWS_UNREACHABLE: { ...environment, meaning: 'the AWS endpoint does not answer' },
  AWS_UNSUPPORTED_OPERATION: { ...environment, meaning: 'the endpoint does not implement a SageMaker operation sagesim needs' },
  AWS_NO_CREDENTIALS: { ...environment, meaning: 'no AWS credentials are configured' },
  AWS_EXPIRED_CREDENTIALS: { ...environment, meaning: 'the AWS credentials have expired' },
  AWS_BAD_CREDENTIALS: { ...environment, meaning: 'AWS rejected the credentials' },
  AWS_ACCESS_DENIED: { ...environment, meaning: 'the AWS identity lacks a permission' },
  AWS_ROLE_INVALID: { ...environment, meaning: 'SageMaker cannot assume the pipeline role' },
  AWS_THROTTLED: { ...environment, meaning: 'AWS throttled the requests' },
  AWS_LIMIT_EXCEEDED: { ...environment, meaning: 'an AWS account limit was reached' },
  AWS_NOT_FOUND: { ...environment, meaning: 'AWS has no such resource' },
  AWS_VALIDATION: { ...environment, meaning: 'AWS refused the request as not valid' },
  AWS_ERROR: { ...environment, meaning: 'an AWS call failed' },

  // sagesim bugs: each state its own code
  UNHANDLED_VARIANT: { ...bug, meaning: 'an exhaustive switch met a value it does not handle' },
  NO_CONTAINER_RUNTIME: { ...bug, meaning: 'a step that runs a container was given no container runtime' },
  KEY_OUTSIDE_PREFIX: { ...bug, meaning: 'an S3 key listed under a prefix does not start with it' },
  MODEL_VERSION_NOT_CLAIMED: { ...bug, meaning: 'no model package version number could be claimed' },
  FAKE_CONTAINER_MISUSE: { ...bug, meaning: 'a test used the fake container runtime in a way Docker would refuse' },
} as const satisfies Readonly<Record<string, ErrorCodeInfo>>;

/** Every code a SagesimError can be thrown with. */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
