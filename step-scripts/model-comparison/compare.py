"""Evaluates every candidate model on the same test rows and names the winner (lowest RMSE).

Runs as a SageMaker Processing job (XGBoost image: it has xgboost, scikit-learn and joblib):
  input   /opt/ml/processing/models/<name>/model.tar.gz   one folder per candidate
          /opt/ml/processing/test/test.csv                label first, no header
  args    --model <name> <model S3 URI> <inference image>  once per candidate
  output  /opt/ml/processing/comparison/comparison.json:
          {"winner": {"name", "rmse", "r2", "model_data_url", "image"},
           "models": {<name>: {"rmse", "mse", "r2", "model_data_url"}, ...},
           "regression_metrics": {"mse": {"value"}, "rmse": {"value"}, "r2": {"value"}}}   (the winner's)

A model.tar.gz is recognised by what it holds: `xgboost-model` (built-in XGBoost), `model_algo-1`
(built-in KNN) or `model.joblib` (scikit-learn script mode).
"""
import argparse
import json
import os
import pickle
import tarfile

import joblib
import numpy as np
import pandas as pd

BASE = "/opt/ml/processing"


def load_predictor(model_dir):
    """Returns (kind, predict function over a feature matrix)."""
    with tarfile.open(os.path.join(model_dir, "model.tar.gz")) as archive:
        archive.extractall(model_dir)
    if os.path.exists(os.path.join(model_dir, "xgboost-model")):
        import xgboost

        path = os.path.join(model_dir, "xgboost-model")
        try:
            with open(path, "rb") as f:
                booster = pickle.load(f)
        except Exception:
            booster = xgboost.Booster()
            booster.load_model(path)
        return "xgboost", lambda x: booster.predict(xgboost.DMatrix(x))
    if os.path.exists(os.path.join(model_dir, "model_algo-1")):
        knn = joblib.load(os.path.join(model_dir, "model_algo-1"))
        return "knn", knn["estimator"].predict
    if os.path.exists(os.path.join(model_dir, "model.joblib")):
        return "sklearn", joblib.load(os.path.join(model_dir, "model.joblib")).predict
    raise SystemExit("%s holds no model this script knows: %s" % (model_dir, ", ".join(sorted(os.listdir(model_dir)))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", nargs=3, action="append", required=True, metavar=("NAME", "S3_URI", "IMAGE"))
    parser.add_argument("--base-dir", default=BASE, help="root of the processing folders (for local runs)")
    args = parser.parse_args()

    test = pd.read_csv(os.path.join(args.base_dir, "test", "test.csv"), header=None)
    labels = test.iloc[:, 0].to_numpy()
    features = test.iloc[:, 1:].to_numpy()
    total = float(np.sum((labels - labels.mean()) ** 2))

    models = {}
    for name, uri, image in args.model:
        kind, predict = load_predictor(os.path.join(args.base_dir, "models", name))
        mse = float(np.mean((predict(features) - labels) ** 2))
        models[name] = {
            "kind": kind,
            "mse": mse,
            "rmse": float(np.sqrt(mse)),
            "r2": 1.0 - mse * len(labels) / total,
            "model_data_url": uri,
            "image": image,
        }
        print("%-16s %-8s rmse %.4f  r2 %.4f" % (name, kind, models[name]["rmse"], models[name]["r2"]))

    name = min(models, key=lambda n: models[n]["rmse"])
    best = models[name]
    report = {
        "winner": {"name": name, "rmse": best["rmse"], "r2": best["r2"],
                   "model_data_url": best["model_data_url"], "image": best["image"]},
        "models": models,
        "regression_metrics": {
            "mse": {"value": best["mse"]},
            "rmse": {"value": best["rmse"]},
            "r2": {"value": best["r2"]},
        },
    }
    out_dir = os.path.join(args.base_dir, "comparison")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "comparison.json"), "w") as f:
        json.dump(report, f, indent=2)
    print("winner: %s (rmse %.4f) at %s" % (name, best["rmse"], best["model_data_url"]))


if __name__ == "__main__":
    main()
