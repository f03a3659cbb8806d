"""Evaluates the trained XGBoost model on the held-back test rows and writes evaluation.json.

Runs as a SageMaker Processing job (XGBoost image, so the xgboost library is there):
  input   /opt/ml/processing/model/model.tar.gz   the training step's ModelArtifacts
          /opt/ml/processing/test/test.csv        label first, no header
  output  /opt/ml/processing/evaluation/evaluation.json, in the shape SageMaker model metrics use:
          {"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...},
                                  "rmse": {"value": ...}, "mae": {"value": ...}, "r2": {"value": ...}}}
"""
import argparse
import json
import os
import pickle
import tarfile

import numpy as np
import pandas as pd
import xgboost

BASE = "/opt/ml/processing"


def load_model(model_dir):
    """The built-in XGBoost algorithm saves `xgboost-model` with Booster.save_model; older versions
    of its container pickled the Booster instead. Both are accepted."""
    path = os.path.join(model_dir, "xgboost-model")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:
        booster = xgboost.Booster()
        booster.load_model(path)
        return booster


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=BASE, help="root of the processing folders (for local runs)")
    args = parser.parse_args()

    model_dir = os.path.join(args.base_dir, "model")
    with tarfile.open(os.path.join(model_dir, "model.tar.gz")) as archive:
        archive.extractall(model_dir)
    model = load_model(model_dir)

    test = pd.read_csv(os.path.join(args.base_dir, "test", "test.csv"), header=None)
    labels = test.iloc[:, 0].to_numpy()
    features = xgboost.DMatrix(test.iloc[:, 1:].to_numpy())
    predictions = model.predict(features)

    errors = labels - predictions
    squared = errors ** 2
    mse = float(np.mean(squared))
    r2 = 1.0 - float(np.sum(squared)) / float(np.sum((labels - labels.mean()) ** 2))
    report = {
        "regression_metrics": {
            "mse": {"value": mse, "standard_deviation": float(np.std(squared))},
            "rmse": {"value": float(np.sqrt(mse))},
            "mae": {"value": float(np.mean(np.abs(errors)))},
            "r2": {"value": r2},
        },
    }
    out_dir = os.path.join(args.base_dir, "evaluation")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=2)
    print("evaluated %d test rows: mse %.4f, rmse %.4f, r2 %.4f" % (len(labels), mse, np.sqrt(mse), r2))


if __name__ == "__main__":
    main()
