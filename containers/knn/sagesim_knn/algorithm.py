"""KNN image: SageMaker's built-in k-nearest-neighbors algorithm, done with scikit-learn.

Hyperparameters k, sample_size, predictor_type (regressor | classifier) and feature_dim; a `train`
channel of CSV with the label first and no header; an optional `test` channel scored as the cloud
logs it (`#test_score (algo-1) : ('mse', 0.0133)`, metric test:mse or test:accuracy). The model
(a joblib file `model_algo-1`) is served for text/csv and application/json requests."""
import json
import os
import threading
import time

from sagesim_toolkit import content, paths
from sagesim_toolkit.data_files import read_csv_matrix
from sagesim_toolkit.errors import ClientError

MODEL_NAME = "model_algo-1"
DEFAULT_ACCEPT = content.JSON
PREDICTOR_TYPES = ("regressor", "classifier")
REQUIRED = ("k", "sample_size", "predictor_type")
#: Accepted for compatibility; the scikit-learn index has no equivalent.
IGNORED = ("dimension_reduction_type", "dimension_reduction_target", "index_type", "index_metric",
           "faiss_index_ivf_nlists", "faiss_index_pq_m", "mini_batch_size", "_num_gpus", "_kvstore",
           "epochs")
SAMPLE_SEED = 0


def _log(message):
    """A line in the algorithm's log format: `[MM/DD/YYYY HH:MM:SS INFO <thread id>] message`."""
    stamp = time.strftime("%m/%d/%Y %H:%M:%S")
    print("[%s INFO %d] %s" % (stamp, threading.get_ident(), message), flush=True)


def _int(hps, name, minimum):
    try:
        value = int(float(str(hps[name])))
    except ValueError as error:
        raise ClientError("Hyperparameter %s must be an integer, got %r" % (name, hps[name])) from error
    if value < minimum:
        raise ClientError("Hyperparameter %s must be at least %d, got %d" % (name, minimum, value))
    return value


def _check_content_type(env, channel):
    declared = env.channel_content_type(channel)
    if declared is None:
        _log("channel %s declares no ContentType: reading it as text/csv" % channel)
        return
    if content.media_type(declared) not in content.CSV_TYPES:
        raise ClientError(
            "channel %s: content type %s is not supported locally; use text/csv (label first, no header)"
            % (channel, declared)
        )
    label_size = content.content_type_param(declared, "label_size")
    if label_size not in (None, "1"):
        raise ClientError("channel %s: only label_size=1 is supported" % channel)


def _features_and_labels(env, channel, feature_dim):
    _check_content_type(env, channel)
    matrix = read_csv_matrix(env.channel_input_dirs[channel], channel)
    if matrix.shape[1] < 2:
        raise ClientError("channel %s: rows need the label first and at least one feature" % channel)
    features, labels = matrix[:, 1:], matrix[:, 0]
    if feature_dim is not None and features.shape[1] != feature_dim:
        raise ClientError(
            "channel %s has %d features per row but feature_dim is %d" % (channel, features.shape[1], feature_dim)
        )
    return features, labels


def train(env):
    import joblib
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    hps = env.hyperparameters
    missing = [name for name in REQUIRED if name not in hps]
    if missing:
        raise ClientError("Missing required hyperparameter(s): %s" % ", ".join(missing))
    k = _int(hps, "k", 1)
    sample_size = _int(hps, "sample_size", 1)
    predictor_type = str(hps["predictor_type"]).strip()
    if predictor_type not in PREDICTOR_TYPES:
        raise ClientError("Hyperparameter predictor_type must be regressor or classifier, got %r" % predictor_type)
    feature_dim = _int(hps, "feature_dim", 1) if "feature_dim" in hps else None
    for name in sorted(set(hps) - set(REQUIRED) - {"feature_dim"}):
        if name not in IGNORED and not name.startswith("_"):
            raise ClientError("Unknown hyperparameter for KNN: %s" % name)
    if "train" not in env.channel_input_dirs:
        raise ClientError("the train channel is required (channels given: %s)" % (", ".join(env.channel_input_dirs) or "none"))

    features, labels = _features_and_labels(env, "train", feature_dim)
    _log("Reading %d records of %d features from channel train" % features.shape)
    if features.shape[0] > sample_size:
        rows = np.random.default_rng(SAMPLE_SEED).choice(features.shape[0], size=sample_size, replace=False)
        features, labels = features[rows], labels[rows]
        _log("Sampled %d records (sample_size)" % sample_size)
    if k > features.shape[0]:
        raise ClientError("k=%d is larger than the number of sampled records (%d)" % (k, features.shape[0]))
    estimator = KNeighborsRegressor(n_neighbors=k) if predictor_type == "regressor" else KNeighborsClassifier(n_neighbors=k)
    estimator.fit(features, labels)
    _log("Built the index of %d records, k=%d, predictor_type=%s" % (features.shape[0], k, predictor_type))

    if "test" in env.channel_input_dirs:
        test_features, test_labels = _features_and_labels(env, "test", features.shape[1])
        predicted = estimator.predict(test_features)
        if predictor_type == "regressor":
            name, value, kind = "mse", float(np.mean((predicted - test_labels) ** 2)), "loss"
        else:
            name, value, kind = "accuracy", float(np.mean(predicted == test_labels)), "score"
        _log("#test_score (%s) : ('%s', %r)" % (env.current_host, name, value))
        _log("#quality_metric: host=%s, test %s <%s>=%r" % (env.current_host, name, kind, value))

    os.makedirs(paths.MODEL_DIR, exist_ok=True)
    joblib.dump(
        {"estimator": estimator, "predictor_type": predictor_type, "k": k, "feature_dim": features.shape[1]},
        os.path.join(paths.MODEL_DIR, MODEL_NAME),
    )
    _log("Model saved to %s" % os.path.join(paths.MODEL_DIR, MODEL_NAME))


# ---- serving ----------------------------------------------------------------------------------

def model_fn(model_dir):
    import joblib

    path = os.path.join(model_dir, MODEL_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError("no %s in %s: is this a KNN model artifact?" % (MODEL_NAME, model_dir))
    return joblib.load(path)


def input_fn(body, content_type):
    kind = content.media_type(content_type)
    if kind in content.CSV_TYPES:
        return content.csv_to_array(body)
    if kind == content.JSON:
        data = json.loads(content.as_text(body))
        # The KNN JSON request format: {"instances": [{"features": [...]}, ...]}.
        if isinstance(data, dict) and isinstance(data.get("instances"), list):
            data = [i["features"] if isinstance(i, dict) else i for i in data["instances"]]
        return content.json_to_array(json.dumps(data))
    raise content.UnsupportedContentType(
        "content type %s is not supported by the KNN container (use text/csv or application/json)" % content_type
    )


def predict_fn(data, model):
    if data.shape[1] != model["feature_dim"]:
        raise ValueError("requests need %d features per row, got %d" % (model["feature_dim"], data.shape[1]))
    return model["estimator"].predict(data)


def output_fn(prediction, accept):
    kind = content.media_type(accept)
    values = [float(v) for v in prediction.tolist()]
    if kind == content.JSON:
        return json.dumps({"predictions": [{"predicted_label": v} for v in values]}), content.JSON
    if kind == content.JSONLINES:
        return "".join(json.dumps({"predicted_label": v}) + "\n" for v in values), content.JSONLINES
    if kind in content.CSV_TYPES:
        return content.array_to_csv(values), content.CSV
    raise content.UnsupportedAccept(
        "accept type %s is not supported (use application/json, application/jsonlines or text/csv)" % accept
    )


def default_handlers():
    return {"model_fn": model_fn, "input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}
