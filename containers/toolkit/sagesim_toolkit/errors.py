"""Errors a container reports in /opt/ml/output/failure, which SageMaker turns into FailureReason."""
import os

from . import paths


class ClientError(Exception):
    """The job's input is wrong (hyperparameters, data, code): the user's to fix."""


class ExecuteUserScriptError(ClientError):
    """The user's training script exited non-zero. Formatted like the training toolkit's error."""

    def __init__(self, exit_code, error_message, command):
        self.exit_code = exit_code
        self.error_message = error_message
        self.command = command
        super().__init__(
            'ExecuteUserScriptError:\nExitCode %s\nErrorMessage "%s"\nCommand "%s"'
            % (exit_code, error_message.strip(), command)
        )


def write_failure_file(message):
    """Writes the failure file; never raises, since it runs while reporting another error."""
    try:
        os.makedirs(paths.OUTPUT_DIR, exist_ok=True)
        with open(paths.FAILURE_FILE, "w", encoding="utf-8") as f:
            f.write(message)
    except OSError:
        pass


def write_success_file():
    try:
        os.makedirs(paths.OUTPUT_DIR, exist_ok=True)
        open(paths.SUCCESS_FILE, "w").close()
    except OSError:
        pass
