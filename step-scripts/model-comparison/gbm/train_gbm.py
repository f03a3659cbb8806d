"""Trains a scikit-learn gradient boosting regressor on the housing splits in SageMaker script mode.

The splits are CSV with the label first and no header (the same files the built-in XGBoost and
KNN algorithms read). SageMaker passes the hyperparameters as command-line arguments and the
folders as SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION and SM_MODEL_DIR; the model is saved with
joblib as model.joblib.
"""
import argparse
import glob
import os

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor


def read_channel(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if not files:
        raise SystemExit("no CSV files in %s" % folder)
    data = pd.concat([pd.read_csv(f, header=None) for f in files], ignore_index=True)
    return data.iloc[:, 1:].to_numpy(), data.iloc[:, 0].to_numpy()


def rmse(model, features, labels):
    return float(np.sqrt(np.mean((model.predict(features) - labels) ** 2)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=200)
    parser.add_argument("--max-depth", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--subsample", type=float, default=0.8)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
    args = parser.parse_args()

    features, labels = read_channel(args.train)
    model = GradientBoostingRegressor(
        n_estimators=args.n_estimators,
        max_depth=args.max_depth,
        learning_rate=args.learning_rate,
        subsample=args.subsample,
        random_state=42,
    )
    model.fit(features, labels)
    # Lines the MetricDefinitions regexes pick up (train:rmse, validation:rmse).
    print("train rmse: %.5f" % rmse(model, features, labels))
    if args.validation:
        print("validation rmse: %.5f" % rmse(model, *read_channel(args.validation)))

    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
    print("saved %s" % os.path.join(args.model_dir, "model.joblib"))


if __name__ == "__main__":
    main()
