"""Scores the trained model, and the approved model (the champion), on the same held-out rows, and writes what
the quality gate and drift monitoring read.

Writes MLOPS_METRICS_FILE to MLOPS_EVALUATION_DIR:

    {"metrics":  {"auc": {"value": ...}, "log_loss": {"value": ...}},
     "champion": {"found": true, "auc": {"value": ...}, "log_loss": {"value": ...}}}

The champion is the model in MLOPS_CHAMPION_MODEL_DIR. When that is unset or holds no model, nothing is approved
yet: "found" is false, "reason" says so, and each champion value repeats the candidate's own score. The gate
never compares against it then (it passes the comparison on "found"); the value is there because SageMaker
resolves every operand of its gate before it evaluates it, and a score compared strictly with itself can never
let a candidate through.

Writes this run's drift baseline, drift_baseline.json (see baseline.py for its format), to MLOPS_BASELINE_DIR: how
the rows the model was trained on are distributed, which templates/drift compares captured requests with. It is
not SageMaker Model Monitor's format: on aws the pipeline's QualityCheck step writes Model Monitor's own baseline.

When MLOPS_MONITOR_DATASET_DIR is set (aws), also writes there the dataset that QualityCheck step baselines,
`dataset.csv`, shaped as Model Monitor lines captured requests up with it: by position, the model's output first.
A header row `prediction,<the model's features in its order>`, then one row per training row: the model's
probability for it, then its feature values. The label is not in it: captured traffic has none.
"""
import csv
import json
import math
import os
import statistics

from baseline import FILE_NAME, drift_baseline
from contract import find_model, path, read_rows, split, unpack_model

# Each metric and whether higher is better; the gate's `metric` must be one of them.
METRICS = {"auc": True, "log_loss": False}


def score(model, row):
    z = model["bias"] + sum(model["weights"][f] * float(row[f]) for f in model["features"])
    # The numerically stable logistic: exp() only ever sees a non-positive argument, so no z overflows.
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def auc(labels, scores):
    """Area under the ROC curve: the chance a random positive scores above a random negative."""
    positives = [s for s, y in zip(scores, labels) if y == 1]
    negatives = [s for s, y in zip(scores, labels) if y == 0]
    if not positives or not negatives:
        raise SystemExit("the held-out rows need both classes to compute AUC")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def log_loss(labels, scores):
    """Mean negative log-likelihood of the labels (lower is better); scores are clipped away from 0 and 1."""
    eps = 1e-12
    clipped = [min(max(s, eps), 1 - eps) for s in scores]
    return -statistics.fmean(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in zip(clipped, labels))


def evaluate(model, rows):
    labels = [int(float(r["label"])) for r in rows]
    scores = [score(model, r) for r in rows]
    return {"auc": {"value": auc(labels, scores)}, "log_loss": {"value": log_loss(labels, scores)}}


def champion_section(candidate, test):
    """The champion scored on the same rows, or "not found" with the candidate's own scores as the operands."""
    directory = os.environ.get("MLOPS_CHAMPION_MODEL_DIR")
    if find_model(directory) is None:
        return {"found": False, "reason": "no approved model yet: the candidate is compared with no champion", **candidate}
    champion = unpack_model(directory)
    missing = [f for f in champion["features"] if f not in test[0]]
    if missing:
        raise SystemExit(f"the approved model needs features the held-out rows lack: {missing}")
    return {"found": True, **evaluate(champion, test)}


# The name of the first column of the Model Monitor dataset: where captured requests carry the model's output.
PREDICTION_COLUMN = "prediction"
MONITOR_DATASET_FILE = "dataset.csv"


def write_monitor_dataset(model, rows, directory):
    """Writes dataset.csv for Model Monitor's baseline: `prediction` first, then the features in the model's order."""
    features = model["features"]
    if PREDICTION_COLUMN in features:
        raise SystemExit(f"a feature is named {PREDICTION_COLUMN!r}, the monitor dataset's output column: rename it")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, MONITOR_DATASET_FILE), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([PREDICTION_COLUMN, *features])
        for row in rows:
            writer.writerow([repr(score(model, row)), *(row[name] for name in features)])


def main():
    metric = os.environ.get("MLOPS_QUALITY_METRIC", "auc")
    if metric not in METRICS:
        raise SystemExit(f"the quality gate's metric {metric!r} is not one this evaluation writes: {sorted(METRICS)}")
    model = unpack_model(path("MLOPS_MODEL_DIR", "/opt/ml/processing/model"))
    rows = read_rows(path("MLOPS_DATA_DIR", "/opt/ml/processing/input"))
    train, test = split(rows)
    candidate = evaluate(model, test)
    champion = champion_section(candidate, test)
    report = {"metrics": candidate, "champion": champion}
    out_dir = path("MLOPS_EVALUATION_DIR", "/opt/ml/processing/evaluation")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, os.environ.get("MLOPS_METRICS_FILE", "evaluation.json")), "w") as f:
        json.dump(report, f)
    baseline_dir = path("MLOPS_BASELINE_DIR", "/opt/ml/processing/baseline")
    os.makedirs(baseline_dir, exist_ok=True)
    with open(os.path.join(baseline_dir, FILE_NAME), "w") as f:
        json.dump(drift_baseline(train, model["features"]), f)
    monitor_dir = os.environ.get("MLOPS_MONITOR_DATASET_DIR")
    if monitor_dir:
        write_monitor_dataset(model, train, monitor_dir)
    against = f"champion {champion[metric]['value']:.4f}" if champion["found"] else "no approved model"
    print(f"{metric}={candidate[metric]['value']:.4f} ({against}) on {len(test)} held-out rows")


if __name__ == "__main__":
    main()
