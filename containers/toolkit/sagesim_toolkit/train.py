"""`train`: what SageMaker runs for a training job (`docker run <image> train`).

Script mode when a `sagemaker_program` hyperparameter (or SAGEMAKER_PROGRAM) names an entry point;
otherwise the image's built-in algorithm, if it has one. Any failure is written to
/opt/ml/output/failure (SageMaker's FailureReason) and the process exits non-zero."""
import signal
import sys
import traceback

from . import algorithms, errors, requirements, script_mode
from .training_env import TrainingEnvironment


def _exit_code_of(error):
    if isinstance(error, (errors.ExecuteUserScriptError, requirements.InstallRequirementsError)):
        code = error.exit_code
        # A script killed by a signal (e.g. the OOM killer: -9) reports 128 + signal, as a shell does.
        return 128 - code if code < 0 else (code if 0 < code < 256 else 1)
    return 1


def main():
    # As PID 1 a process gets no default signal handling: without this, `docker stop` waits for SIGKILL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        env = TrainingEnvironment()
        if env.user_entry_point:
            script_mode.run(env)
        else:
            algorithm = algorithms.load()
            if algorithm is None or not hasattr(algorithm, "train"):
                raise errors.ClientError(
                    "this image (%s) has no built-in algorithm: set the sagemaker_program hyperparameter "
                    "(entry_point in the SDK) and sagemaker_submit_directory (source_dir)"
                    % algorithms.name()
                )
            algorithm.train(env)
        errors.write_success_file()
        return 0
    except errors.ClientError as error:
        message = str(error)
        errors.write_failure_file(message)
        print("Reporting training FAILURE", file=sys.stderr)
        print(message, file=sys.stderr, flush=True)
        return _exit_code_of(error)
    except Exception as error:  # the algorithm's own bug: report it with its stack
        message = "AlgorithmError: %s\n%s" % (error, traceback.format_exc())
        errors.write_failure_file(message)
        print("Reporting training FAILURE", file=sys.stderr)
        print(message, file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
