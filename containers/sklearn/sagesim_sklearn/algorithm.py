"""scikit-learn image: training in script mode only (as the SageMaker scikit-learn container), and
serving with default handlers for a joblib/pickle model that the user's inference script may override."""
import glob
import os

from sagesim_toolkit import content

DEFAULT_ACCEPT = content.JSON
#: Model files the default model_fn looks for, in order.
MODEL_FILES = ("model.joblib", "model.pkl", "model.pickle", "*.joblib", "*.pkl", "*.pickle")


def model_fn(model_dir):
    import joblib

    for pattern in MODEL_FILES:
        found = sorted(glob.glob(os.path.join(model_dir, pattern)))
        if found:
            return joblib.load(found[0])
    raise FileNotFoundError(
        "no model file in %s (looked for %s; files: %s): save the model with joblib.dump(model, "
        "os.path.join(args.model_dir, 'model.joblib')) or provide model_fn in your inference script"
        % (model_dir, ", ".join(MODEL_FILES), ", ".join(sorted(os.listdir(model_dir))) if os.path.isdir(model_dir) else "none")
    )


def input_fn(body, content_type):
    return content.decode(body, content_type)


def predict_fn(data, model):
    return model.predict(data)


def output_fn(prediction, accept):
    return content.encode(prediction, accept)


def default_handlers():
    return {"model_fn": model_fn, "input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}
