"""The image's algorithm module, named by SAGESIM_ALGORITHM (sklearn, xgboost, knn): a module
`sagesim_<name>.algorithm` with optional `train(env)` and `default_handlers()`."""
import importlib
import os


def name():
    return os.environ.get("SAGESIM_ALGORITHM", "")


def load():
    algorithm = name()
    if not algorithm:
        return None
    return importlib.import_module("sagesim_%s.algorithm" % algorithm)
