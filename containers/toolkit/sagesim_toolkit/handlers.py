"""The inference handler chain: model_fn, input_fn, predict_fn, output_fn (or one transform_fn),
from the image's defaults, each overridable by the user's inference script as the inference toolkit
allows: SAGEMAKER_PROGRAM in SAGEMAKER_SUBMIT_DIRECTORY (a folder, or an s3:// sourcedir.tar.gz),
or `inference.py` in the model's code/ folder."""
import importlib.util
import os
import sys
from urllib.parse import urlparse

from . import content, paths
from .sourcedir import prepare_code

DEFAULT_MODULE = "inference.py"
HOOKS = ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")
#: Content types handed to a user's input_fn/transform_fn as text rather than bytes, as the
#: SageMaker framework containers do.
TEXT_TYPES = (content.JSON, content.CSV, content.JSONLINES, "text/plain", content.LIBSVM)


def _locate_user_module():
    program = os.environ.get("SAGEMAKER_PROGRAM")
    submit = os.environ.get("SAGEMAKER_SUBMIT_DIRECTORY")
    if program:
        if submit and urlparse(submit).scheme in ("s3", "file"):
            folder = prepare_code(submit, paths.CODE_DIR)
        elif submit:
            folder = submit
        elif os.path.exists(os.path.join(paths.MODEL_CODE_DIR, program)):
            folder = paths.MODEL_CODE_DIR
        else:
            folder = paths.CODE_DIR
        path = os.path.join(folder, program)
        if not os.path.exists(path):
            raise FileNotFoundError(
                "SAGEMAKER_PROGRAM=%s is not in %s (SAGEMAKER_SUBMIT_DIRECTORY=%s)" % (program, folder, submit)
            )
        return path
    default = os.path.join(paths.MODEL_CODE_DIR, DEFAULT_MODULE)
    return default if os.path.exists(default) else None


def _import(path):
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Handlers:
    """The effective chain; `user_hooks` names the functions the user's module supplied."""

    def __init__(self, defaults, user_module=None, user_module_path=None):
        self.user_module_path = user_module_path
        self.user_hooks = []
        for hook in HOOKS:
            setattr(self, hook, defaults.get(hook))
        if user_module is not None:
            for hook in HOOKS:
                fn = getattr(user_module, hook, None)
                if callable(fn):
                    setattr(self, hook, fn)
                    self.user_hooks.append(hook)

    def body_for_user(self, body, content_type):
        kind = content.media_type(content_type)
        if kind in TEXT_TYPES or kind.startswith("text/"):
            return body.decode("utf-8")
        return body


def build(defaults):
    path = _locate_user_module()
    module = _import(path) if path else None
    return Handlers(defaults, module, path)
