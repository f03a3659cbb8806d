"""Prepares the churn CSV for a scikit-learn classifier: one-hot encodes the categories and splits
the customers into train and test sets, stratified on the label.

Runs as a SageMaker Processing job (scikit-learn image):
  input   /opt/ml/processing/input/*.csv     (with a header; Churn is the label, 0 or 1)
  output  /opt/ml/processing/train/train.csv  header, Churn first, then numeric features
          /opt/ml/processing/test/test.csv    the same columns
"""
import argparse
import glob
import os

import pandas as pd
from sklearn.model_selection import train_test_split

BASE = "/opt/ml/processing"
LABEL = "Churn"
NUMERIC = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen", "SupportCalls"]
# Fixed category lists, so train and test (and new data) always get the same columns.
CATEGORIES = {
    "Contract": ["Month-to-month", "One year", "Two year"],
    "InternetService": ["DSL", "Fiber optic", "No"],
    "TechSupport": ["No", "Yes"],
    "PaymentMethod": ["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"],
}


def encode(frame):
    encoded = frame[[LABEL] + NUMERIC].astype(float)
    encoded[LABEL] = encoded[LABEL].astype(int)
    for column, values in CATEGORIES.items():
        unknown = sorted(set(frame[column].dropna()) - set(values))
        if unknown:
            raise SystemExit("column %s has unknown values: %s" % (column, ", ".join(unknown)))
        for value in values:
            name = "%s_%s" % (column, value.replace(" ", "_").replace("(", "").replace(")", ""))
            encoded[name] = (frame[column] == value).astype(int)
    return encoded


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--base-dir", default=BASE, help="root of the processing folders (for local runs)")
    args = parser.parse_args()

    files = sorted(glob.glob(os.path.join(args.base_dir, "input", "**", "*.csv"), recursive=True))
    if not files:
        raise SystemExit("no CSV files in %s" % os.path.join(args.base_dir, "input"))
    raw = pd.concat([pd.read_csv(f) for f in files], ignore_index=True).dropna()
    data = encode(raw)
    print("read %d customers, churn rate %.3f" % (len(data), data[LABEL].mean()))

    train, test = train_test_split(data, test_size=args.test_size, random_state=args.seed, stratify=data[LABEL])
    for name, part in (("train", train), ("test", test)):
        folder = os.path.join(args.base_dir, name)
        os.makedirs(folder, exist_ok=True)
        part.to_csv(os.path.join(folder, "%s.csv" % name), index=False)
        print("wrote %d rows with %d features to %s/%s.csv" % (len(part), part.shape[1] - 1, folder, name))


if __name__ == "__main__":
    main()
