"""Evaluates the churn classifier on the test customers and writes evaluation.json.

Runs as a SageMaker Processing job (scikit-learn image):
  input   /opt/ml/processing/model/model.tar.gz  the training step's ModelArtifacts (model.joblib)
          /opt/ml/processing/test/test.csv       header, Churn first
  output  /opt/ml/processing/evaluation/evaluation.json, in the shape SageMaker model metrics use:
          {"binary_classification_metrics": {"accuracy": {"value": ...}, "precision": ..., "recall": ...,
           "f1": ..., "roc_auc": ..., "confusion_matrix": {...}}}
"""
import argparse
import json
import os
import tarfile

import joblib
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score

BASE = "/opt/ml/processing"
LABEL = "Churn"


def metric(value):
    # SageMaker's model quality reports carry a standard deviation; a single split has none.
    return {"value": float(value), "standard_deviation": "NaN"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=BASE, help="root of the processing folders (for local runs)")
    args = parser.parse_args()

    model_dir = os.path.join(args.base_dir, "model")
    with tarfile.open(os.path.join(model_dir, "model.tar.gz")) as archive:
        archive.extractall(model_dir)
    model = joblib.load(os.path.join(model_dir, "model.joblib"))

    test = pd.read_csv(os.path.join(args.base_dir, "test", "test.csv"))
    labels = test[LABEL]
    features = test.drop(columns=[LABEL])
    predicted = model.predict(features)
    probability = model.predict_proba(features)[:, 1]

    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted, labels=[0, 1])
    report = {
        "binary_classification_metrics": {
            "accuracy": metric(accuracy_score(labels, predicted)),
            "precision": metric(precision_score(labels, predicted, zero_division=0)),
            "recall": metric(recall_score(labels, predicted, zero_division=0)),
            "f1": metric(f1_score(labels, predicted, zero_division=0)),
            "roc_auc": metric(roc_auc_score(labels, probability)),
            "confusion_matrix": {
                "0": {"0": int(tn), "1": int(fp)},
                "1": {"0": int(fn), "1": int(tp)},
            },
            "majority_class_accuracy": metric(max(labels.mean(), 1 - labels.mean())),
        },
    }
    out_dir = os.path.join(args.base_dir, "evaluation")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=2)
    metrics = report["binary_classification_metrics"]
    print("evaluated %d customers: accuracy %.4f (majority class %.4f), f1 %.4f, roc_auc %.4f" % (
        len(labels), metrics["accuracy"]["value"], metrics["majority_class_accuracy"]["value"],
        metrics["f1"]["value"], metrics["roc_auc"]["value"]))


if __name__ == "__main__":
    main()
