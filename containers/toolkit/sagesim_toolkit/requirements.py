"""Installs a source directory's requirements.txt before the entry point runs, as the SageMaker
training toolkit does (`python -m pip install -r requirements.txt` in the code folder). Offline,
pip reads wheels from the folder sagesim mounts for "pipWheels" (PIP_FIND_LINKS, PIP_NO_INDEX);
when it cannot find a package, the failure names the file and says how to provide the wheels."""
import os
import shlex
import subprocess
import sys

from .errors import ClientError

REQUIREMENTS_FILE = "requirements.txt"
_MAX_ERROR_CHARS = 4000
#: pip's messages when no index is reachable or the wheel folder lacks a package.
_OFFLINE_MARKERS = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)


class InstallRequirementsError(ClientError):
    """pip failed. Formatted like the training toolkit's error, with what to do offline."""

    def __init__(self, exit_code, error_message, command, hint):
        self.exit_code = exit_code
        super().__init__(
            'InstallRequirementsError:\nExitCode %s\nErrorMessage "%s"\nCommand "%s"%s'
            % (exit_code, error_message.strip(), command, ("\n" + hint) if hint else "")
        )


def install(code_dir, source):
    """Runs pip on code_dir/requirements.txt when there is one; raises InstallRequirementsError."""
    path = os.path.join(code_dir, REQUIREMENTS_FILE)
    if not os.path.isfile(path):
        return
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", REQUIREMENTS_FILE]
    env = dict(os.environ)
    # Offline, pip's default five retries with back-off only delay the error.
    env.setdefault("PIP_RETRIES", "1")
    env.setdefault("PIP_ROOT_USER_ACTION", "ignore")
    print("Installing %s from %s: %s" % (REQUIREMENTS_FILE, source, " ".join(shlex.quote(c) for c in command)), flush=True)
    process = subprocess.run(command, cwd=code_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.decode("utf-8", "replace")
    sys.stdout.write(output)
    sys.stdout.flush()
    if process.returncode == 0:
        return
    errors = [line for line in output.splitlines() if line.startswith("ERROR:")] or output.splitlines()[-10:]
    message = "\n".join(errors)
    if len(message) > _MAX_ERROR_CHARS:
        message = "..." + message[-_MAX_ERROR_CHARS:]
    hint = ""
    if any(marker in output for marker in _OFFLINE_MARKERS):
        where = env.get("PIP_FIND_LINKS")
        hint = (
            "sagesim: pip could not install %s (from %s): %s. Put the wheels it needs in a folder and "
            'set "pipWheels": "<folder>" in sagesim.config.json (or SAGESIM_PIP_WHEELS=<folder>): sagesim '
            "mounts it and points pip at it (PIP_FIND_LINKS, PIP_NO_INDEX). Make them with "
            "`pip download -r requirements.txt -d <folder> --only-binary=:all: --python-version 3.11 "
            "--platform manylinux2014_x86_64` where an index is reachable."
            % (
                REQUIREMENTS_FILE,
                source,
                "the wheel folder %s does not have them" % where if where else "no package index is reachable from the container",
            )
        )
    raise InstallRequirementsError(process.returncode, message, " ".join(shlex.quote(c) for c in command), hint)
