"""Where the MlPipeline container contract puts things, the same on every cloud.

SageMaker sets SM_* for training; the construct sets MLOPS_* (and SM_* on gcp and docker). Each falls back
to SageMaker's fixed path, so an image works unchanged on aws, gcp and docker.
"""
import csv
import json
import os
import tarfile


def path(variable, default):
    return os.environ.get(variable, default)


def hyperparameters():
    """SageMaker writes hyperparameters.json; gcp and docker pass MLOPS_HYPERPARAMETERS."""
    config = "/opt/ml/input/config/hyperparameters.json"
    if os.path.exists(config):
        with open(config) as f:
            return json.load(f)
    return json.loads(os.environ.get("MLOPS_HYPERPARAMETERS", "{}"))


def read_rows(directory):
    """Every CSV file under `directory`: a header row, a 0/1 `label` column and numeric features."""
    rows = []
    for root, _, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if name.endswith(".csv"):
                with open(os.path.join(root, name), newline="") as f:
                    rows.extend(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"no CSV data under {directory}")
    return rows


def split(rows):
    """A deterministic 80/20 split, so training and evaluation agree on the held-out rows."""
    train = [r for i, r in enumerate(rows) if i % 5 != 0]
    test = [r for i, r in enumerate(rows) if i % 5 == 0]
    return train, test


def unpack_model(directory):
    """SageMaker hands the evaluation the model as model.tar.gz; elsewhere it is the plain directory."""
    archive = os.path.join(directory, "model.tar.gz")
    if os.path.exists(archive):
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
    with open(os.path.join(directory, "model.json")) as f:
        return json.load(f)
