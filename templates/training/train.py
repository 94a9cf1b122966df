"""Trains a logistic-regression classifier with plain gradient descent; replace `fit` with your model.

Reads CSV data from SM_CHANNEL_TRAIN and writes model.json to SM_MODEL_DIR.
"""
import json
import math
import os

from contract import hyperparameters, path, read_rows, split


def fit(rows, features, epochs, learning_rate):
    weights = {f: 0.0 for f in features}
    bias = 0.0
    for _ in range(epochs):
        for row in rows:
            z = bias + sum(weights[f] * float(row[f]) for f in features)
            error = 1 / (1 + math.exp(-z)) - float(row["label"])
            bias -= learning_rate * error
            for f in features:
                weights[f] -= learning_rate * error * float(row[f])
    return {"features": features, "weights": weights, "bias": bias}


def main():
    params = hyperparameters()
    rows, _ = split(read_rows(path("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    features = [c for c in rows[0] if c != "label"]
    model = fit(rows, features, int(params.get("epochs", 20)), float(params.get("learning-rate", 0.1)))
    model_dir = path("SM_MODEL_DIR", "/opt/ml/model")
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "model.json"), "w") as f:
        json.dump(model, f)
    print(f"trained on {len(rows)} rows, {len(features)} features")


if __name__ == "__main__":
    main()
