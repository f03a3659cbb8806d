"""XGBoost image: the built-in algorithm as SageMaker's XGBoost 1.7 container runs it (train and
validation channels of CSV with the label first and no header, or libsvm; the usual
hyperparameters; one `[n]\ttrain-<metric>:<v>\tvalidation-<metric>:<v>` line per round; the model
saved with Booster.save_model as `xgboost-model`), plus serving of text/csv and text/libsvm."""
import os
import pickle
import tempfile

from sagesim_toolkit import content, paths
from sagesim_toolkit.data_files import channel_files, read_csv_matrix
from sagesim_toolkit.errors import ClientError

MODEL_NAME = "xgboost-model"
DEFAULT_ACCEPT = content.CSV
TRAIN_CHANNEL = "train"
VALIDATION_CHANNEL = "validation"
#: Hyperparameters of the container, not of xgboost's booster.
NON_BOOSTER_PARAMETERS = {
    "num_round", "early_stopping_rounds", "csv_weights", "save_model_on_termination", "eval_metric",
    "_tuning_objective_metric", "_kfold", "_num_cv_round", "use_dask_gpu_training", "checkpoint_path",
}
DEFAULT_OBJECTIVE = "reg:squarederror"


def _number(value):
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def booster_parameters(hyperparameters):
    """Hyperparameters -> xgboost params: numbers parsed, eval_metric as a list that includes the
    tuning objective's metric (as the container does for `_tuning_objective_metric`)."""
    params = {"objective": DEFAULT_OBJECTIVE}
    for key, value in hyperparameters.items():
        if key in NON_BOOSTER_PARAMETERS or key.startswith("sagemaker_"):
            continue
        params[key] = _number(value)
    metrics = [m.strip() for m in str(hyperparameters.get("eval_metric", "")).split(",") if m.strip()]
    tuning = str(hyperparameters.get("_tuning_objective_metric", ""))
    if ":" in tuning:
        metric = tuning.split(":", 1)[1]
        if metric not in metrics:
            metrics.append(metric)
    if metrics:
        params["eval_metric"] = metrics
    return params


def _required_int(hyperparameters, name, minimum):
    if name not in hyperparameters or str(hyperparameters[name]).strip() == "":
        raise ClientError("Missing required hyperparameter: %s" % name)
    try:
        value = int(float(str(hyperparameters[name])))
    except ValueError as error:
        raise ClientError("Hyperparameter %s must be an integer, got %r" % (name, hyperparameters[name])) from error
    if value < minimum:
        raise ClientError("Hyperparameter %s must be at least %d, got %d" % (name, minimum, value))
    return value


def _libsvm_dmatrix(files, channel, declared):
    import xgboost as xgb

    with tempfile.NamedTemporaryFile("wb", suffix=".libsvm", delete=False) as joined:
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            joined.write(data if data.endswith(b"\n") else data + b"\n")
    try:
        return xgb.DMatrix(joined.name + "?format=libsvm")
    except Exception as error:
        hint = (
            " (the channel declares no ContentType, so it was read as libsvm, XGBoost's default: "
            "give the channel content_type='text/csv' for CSV)" if declared is None else ""
        )
        raise ClientError("channel %s is not valid libsvm%s: %s" % (channel, hint, str(error).splitlines()[0])) from error
    finally:
        os.unlink(joined.name)


def load_channel(env, channel, csv_weights):
    import xgboost as xgb

    folder = env.channel_input_dirs[channel]
    declared = env.channel_content_type(channel)
    kind = content.media_type(declared) if declared else content.LIBSVM
    if kind in content.CSV_TYPES:
        label_size = content.content_type_param(declared, "label_size")
        if label_size not in (None, "1"):
            raise ClientError("channel %s: only label_size=1 is supported for text/csv" % channel)
        matrix = read_csv_matrix(folder, channel)
        first = 2 if csv_weights else 1
        if matrix.shape[1] <= first:
            raise ClientError("channel %s: CSV rows need the label first and at least one feature" % channel)
        weights = matrix[:, 1] if csv_weights else None
        return xgb.DMatrix(matrix[:, first:], label=matrix[:, 0], weight=weights)
    if kind in content.LIBSVM_TYPES:
        files = channel_files(folder)
        if not files:
            raise ClientError("channel %s has no data files in %s" % (channel, folder))
        return _libsvm_dmatrix(files, channel, declared)
    raise ClientError(
        "channel %s: content type %s is not supported locally (use text/csv or text/libsvm)" % (channel, declared)
    )


def _log_rounds():
    import xgboost as xgb

    class LogRounds(xgb.callback.TrainingCallback):
        """One line per round, as XGBoost's evaluation monitor prints it: `[n]\\tdata-metric:value...`."""

        def after_iteration(self, model, epoch, evals_log):
            parts = ["[%d]" % epoch]
            for data, metrics in evals_log.items():
                for metric, values in metrics.items():
                    score = values[-1][0] if isinstance(values[-1], tuple) else values[-1]
                    parts.append("%s-%s:%.5f" % (data, metric, score))
            print("\t".join(parts), flush=True)
            return False

    return LogRounds()


def train(env):
    import xgboost as xgb

    hps = env.hyperparameters
    num_round = _required_int(hps, "num_round", 1)
    early_stopping = _required_int(hps, "early_stopping_rounds", 1) if "early_stopping_rounds" in hps else None
    csv_weights = str(hps.get("csv_weights", "0")).strip() == "1"
    if TRAIN_CHANNEL not in env.channel_input_dirs:
        raise ClientError(
            "the train channel is required (channels given: %s)" % (", ".join(env.channel_input_dirs) or "none")
        )
    params = booster_parameters(hps)
    dtrain = load_channel(env, TRAIN_CHANNEL, csv_weights)
    evals = [(dtrain, TRAIN_CHANNEL)]
    if VALIDATION_CHANNEL in env.channel_input_dirs:
        evals.append((load_channel(env, VALIDATION_CHANNEL, csv_weights), VALIDATION_CHANNEL))
    elif early_stopping is not None:
        raise ClientError("early_stopping_rounds needs a validation channel")
    print(
        "Train matrix has %d rows and %d columns" % (dtrain.num_row(), dtrain.num_col()), flush=True,
    )
    try:
        booster = xgb.train(
            params, dtrain, num_boost_round=num_round, evals=evals, verbose_eval=False,
            early_stopping_rounds=early_stopping, callbacks=[_log_rounds()],
        )
    except xgb.core.XGBoostError as error:
        raise ClientError("XGBoost rejected the job: %s" % str(error).strip().splitlines()[0]) from error
    os.makedirs(paths.MODEL_DIR, exist_ok=True)
    booster.save_model(os.path.join(paths.MODEL_DIR, MODEL_NAME))
    print("Model saved to %s" % os.path.join(paths.MODEL_DIR, MODEL_NAME), flush=True)


# ---- serving ----------------------------------------------------------------------------------

def model_fn(model_dir):
    """Loads `xgboost-model` (or the first model file): pickled boosters as well as save_model files,
    as the SageMaker XGBoost container does."""
    import xgboost as xgb

    candidates = [os.path.join(model_dir, MODEL_NAME)]
    if os.path.isdir(model_dir):
        candidates += [
            os.path.join(model_dir, name) for name in sorted(os.listdir(model_dir))
            if not name.startswith(".") and os.path.isfile(os.path.join(model_dir, name))
        ]
    path = next((c for c in candidates if os.path.isfile(c)), None)
    if path is None:
        raise FileNotFoundError("no model file in %s (expected %s)" % (model_dir, MODEL_NAME))
    try:
        with open(path, "rb") as f:
            booster = pickle.load(f)
    except Exception as pickle_error:
        booster = xgb.Booster()
        try:
            booster.load_model(path)
        except Exception as xgb_error:
            raise RuntimeError(
                "model %s cannot be loaded: pickle: %s; xgboost: %s" % (path, pickle_error, xgb_error)
            ) from xgb_error
    return booster


def input_fn(body, content_type):
    import xgboost as xgb

    kind = content.media_type(content_type)
    if kind in content.CSV_TYPES:
        matrix = xgb.DMatrix(content.csv_to_array(body))
        matrix.sagesim_from_csv = True
        return matrix
    if kind in content.LIBSVM_TYPES:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with tempfile.NamedTemporaryFile("wb", suffix=".libsvm", delete=False) as f:
            f.write(data if data.endswith(b"\n") else data + b"\n")
        try:
            return xgb.DMatrix(f.name + "?format=libsvm")
        finally:
            os.unlink(f.name)
    raise content.UnsupportedContentType(
        "content type %s is not supported by the XGBoost container (use text/csv or text/libsvm)" % content_type
    )


def predict_fn(data, model):
    # CSV rows must have exactly the model's features (a label column left in is the usual mistake);
    # libsvm rows may omit trailing features.
    expected = model.num_features()
    if getattr(data, "sagesim_from_csv", False) and data.num_col() != expected:
        raise ValueError(
            "Feature size of csv inference data %d is not consistent with feature size of trained model %d"
            % (data.num_col(), expected)
        )
    return model.predict(data, validate_features=False)


def output_fn(prediction, accept):
    import json

    kind = content.media_type(accept)
    values = prediction.tolist()
    if kind == content.JSON:
        return json.dumps({"predictions": [{"score": v} for v in values]}), content.JSON
    if kind == content.JSONLINES:
        return "".join(json.dumps({"score": v}) + "\n" for v in values), content.JSONLINES
    if kind in content.CSV_TYPES:
        return content.array_to_csv(prediction), content.CSV
    raise content.UnsupportedAccept(
        "accept type %s is not supported (use text/csv, application/json or application/jsonlines)" % accept
    )


def default_handlers():
    return {"model_fn": model_fn, "input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}
