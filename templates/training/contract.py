"""Where the MlPipeline container contract puts things, the same on every cloud.

SageMaker sets SM_* for training; the construct sets MLOPS_* (and SM_* on gcp and docker). Each falls back
to SageMaker's fixed path, so an image works unchanged on aws, gcp and docker.
"""
import csv
import json
import os
import tarfile
import tempfile


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


def find_model(directory):
    """The directory's model as the training step wrote it: `model.tar.gz` (SageMaker) or `model.json`; None when
    it holds neither (the champion directory holds only `champion.json` when no model is approved yet)."""
    if not directory or not os.path.isdir(directory):
        return None
    for name in ("model.tar.gz", "model.json"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return None


def unpack_model(directory):
    """Loads the model from `directory`. SageMaker hands it over as model.tar.gz, unpacked here into a fresh
    temporary directory: the given one may be read-only (the approved model, mounted on docker) or another
    run's (gcp), so nothing is ever written into it."""
    found = find_model(directory)
    if found is None:
        raise SystemExit(f"no model (model.tar.gz or model.json) in {directory}")
    if found.endswith(".tar.gz"):
        unpacked = tempfile.mkdtemp(prefix="model-")
        with tarfile.open(found) as tar:
            tar.extractall(unpacked, filter="data")
        found = os.path.join(unpacked, "model.json")
    with open(found) as f:
        return json.load(f)
