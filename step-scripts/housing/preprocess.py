"""Splits the housing CSV into train, validation and test sets for SageMaker's XGBoost algorithm.

Runs as a SageMaker Processing job (scikit-learn image):
  input   /opt/ml/processing/input/*.csv        (with a header; MedHouseVal is the label)
  output  /opt/ml/processing/train/train.csv            label first, no header
          /opt/ml/processing/validation/validation.csv  label first, no header
          /opt/ml/processing/test/test.csv              label first, no header (for evaluation)
          /opt/ml/processing/test/features/test-features.csv   features only (for batch transform)

With --standardize, features are scaled to zero mean and unit variance using the training rows'
statistics (distance-based models such as KNN need it; trees do not mind).
"""
import argparse
import glob
import os

import pandas as pd

BASE = "/opt/ml/processing"
LABEL = "MedHouseVal"
FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--base-dir", default=BASE, help="root of the processing folders (for local runs)")
    return parser.parse_args()


def read_input(folder):
    files = sorted(glob.glob(os.path.join(folder, "**", "*.csv"), recursive=True))
    if not files:
        raise SystemExit("no CSV files in %s" % folder)
    frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    missing = [c for c in FEATURES + [LABEL] if c not in frame.columns]
    if missing:
        raise SystemExit("input is missing columns: %s (found %s)" % (", ".join(missing), ", ".join(frame.columns)))
    return frame[[LABEL] + FEATURES].dropna()


def write(frame, folder, name):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    frame.to_csv(path, header=False, index=False)
    print("wrote %d rows to %s" % (len(frame), path))


def main():
    args = parse_args()
    data = read_input(os.path.join(args.base_dir, "input"))
    print("read %d rows" % len(data))

    shuffled = data.sample(frac=1.0, random_state=args.seed).reset_index(drop=True)
    n_train = int(len(shuffled) * args.train_ratio)
    n_validation = int(len(shuffled) * args.validation_ratio)
    train = shuffled.iloc[:n_train].copy()
    validation = shuffled.iloc[n_train:n_train + n_validation].copy()
    test = shuffled.iloc[n_train + n_validation:].copy()

    if args.standardize:
        mean = train[FEATURES].mean()
        std = train[FEATURES].std().replace(0, 1)
        for part in (train, validation, test):
            part[FEATURES] = (part[FEATURES] - mean) / std
        print("standardized features with the training rows' mean and standard deviation")

    write(train, os.path.join(args.base_dir, "train"), "train.csv")
    write(validation, os.path.join(args.base_dir, "validation"), "validation.csv")
    write(test, os.path.join(args.base_dir, "test"), "test.csv")
    write(test[FEATURES], os.path.join(args.base_dir, "test", "features"), "test-features.csv")
    print("label mean: train %.3f, validation %.3f, test %.3f"
          % (train[LABEL].mean(), validation[LABEL].mean(), test[LABEL].mean()))


if __name__ == "__main__":
    main()
