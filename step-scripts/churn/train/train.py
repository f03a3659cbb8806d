"""Trains a random forest churn classifier in SageMaker script mode (scikit-learn image).

SageMaker passes the hyperparameters as command-line arguments and the locations as environment
variables: SM_CHANNEL_TRAIN (the train channel's folder) and SM_MODEL_DIR (saved as model.tar.gz
after the job). The model is saved with joblib as model.joblib, which the scikit-learn serving
container loads by default.
"""
import argparse
import glob
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score

LABEL = "Churn"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=200)
    parser.add_argument("--max-depth", type=int, default=8)
    parser.add_argument("--min-samples-leaf", type=int, default=5)
    parser.add_argument("--random-state", type=int, default=42)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    return parser.parse_args()


def main():
    args = parse_args()
    files = sorted(glob.glob(os.path.join(args.train, "*.csv")))
    if not files:
        raise SystemExit("no CSV files in the train channel (%s)" % args.train)
    data = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    features, labels = data.drop(columns=[LABEL]), data[LABEL]

    model = RandomForestClassifier(
        n_estimators=args.n_estimators,
        max_depth=args.max_depth,
        min_samples_leaf=args.min_samples_leaf,
        random_state=args.random_state,
        n_jobs=-1,
    )
    model.fit(features, labels)
    # A line the MetricDefinitions regex picks up (train:accuracy).
    print("train accuracy: %.4f" % accuracy_score(labels, model.predict(features)))

    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
    print("saved %s" % os.path.join(args.model_dir, "model.joblib"))


if __name__ == "__main__":
    main()
