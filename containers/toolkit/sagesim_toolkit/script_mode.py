"""Script mode as the SageMaker training toolkit runs it: the code is placed in /opt/ml/code, the
entry point runs there with the hyperparameters as `--key value` arguments and the SM_* variables,
and a non-zero exit becomes an ExecuteUserScriptError naming the exit code, the error and the command."""
import os
import shlex
import subprocess
import sys
import threading

from . import paths, requirements
from .errors import ClientError, ExecuteUserScriptError
from .sourcedir import prepare_code

#: Error names that start the part of stderr reported as ErrorMessage (as the toolkit watches for).
_ERROR_MARKERS = ("Traceback (most recent call last)", "Error", "Exception", "error:")
_MAX_ERROR_CHARS = 4000


def _command(entry_point, args):
    if entry_point.endswith(".py"):
        return [sys.executable, entry_point] + args
    if entry_point.endswith(".sh"):
        return ["/bin/sh", "-c", "./%s %s" % (entry_point, " ".join(shlex.quote(a) for a in args))]
    return ["./%s" % entry_point] + args


def _pump_stderr(stream, collected):
    """Copies the child's stderr through (so it reaches the log) and keeps the part from the first
    error line on, which becomes ErrorMessage."""
    started = False
    for raw in iter(stream.readline, b""):
        sys.stderr.buffer.write(raw)
        sys.stderr.buffer.flush()
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if not started and any(marker in line for marker in _ERROR_MARKERS):
            started = True
        if started:
            collected.append(line)
            if sum(len(x) for x in collected) > 4 * _MAX_ERROR_CHARS:
                del collected[1: len(collected) // 2]
    stream.close()


def run(env):
    """Runs the user's entry point; raises ExecuteUserScriptError when it fails."""
    entry_point = env.user_entry_point
    prepare_code(env.submit_directory, paths.CODE_DIR)
    if not os.path.exists(os.path.join(paths.CODE_DIR, entry_point)):
        raise ClientError(
            "the entry point %s is not in the code from %s (files: %s)"
            % (entry_point, env.submit_directory or paths.CODE_DIR, ", ".join(sorted(os.listdir(paths.CODE_DIR)))[:500])
        )
    requirements.install(paths.CODE_DIR, env.submit_directory or paths.CODE_DIR)
    if not entry_point.endswith(".py"):
        path = os.path.join(paths.CODE_DIR, entry_point)
        os.chmod(path, os.stat(path).st_mode | 0o111)

    for folder in (paths.MODEL_DIR, paths.OUTPUT_DATA_DIR):
        os.makedirs(folder, exist_ok=True)

    child_env = dict(os.environ)
    child_env.update(env.to_env_vars())
    child_env["PYTHONPATH"] = os.pathsep.join(
        [paths.CODE_DIR] + ([child_env["PYTHONPATH"]] if child_env.get("PYTHONPATH") else [])
    )
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    command = _command(entry_point, env.to_cmd_args())
    print("Invoking user script: %s" % " ".join(shlex.quote(c) for c in command), flush=True)

    process = subprocess.Popen(command, cwd=paths.CODE_DIR, env=child_env, stderr=subprocess.PIPE)
    collected = []
    pump = threading.Thread(target=_pump_stderr, args=(process.stderr, collected), daemon=True)
    pump.start()
    code = process.wait()
    pump.join()
    if code != 0:
        message = "\n".join(collected)
        if len(message) > _MAX_ERROR_CHARS:
            message = "..." + message[-_MAX_ERROR_CHARS:]
        raise ExecuteUserScriptError(code, message, " ".join(shlex.quote(c) for c in command))
