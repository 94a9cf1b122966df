"""Scores the trained model on the held-out rows and writes what the quality gate and drift monitoring read.

Writes MLOPS_METRICS_FILE to MLOPS_EVALUATION_DIR as {"metrics": {"auc": {"value": ...}}, "champion": ...}
and the drift baseline (statistics.json, constraints.json) to MLOPS_BASELINE_DIR.
"""
import json
import math
import os
import statistics

from contract import path, read_rows, split, unpack_model


def score(model, row):
    z = model["bias"] + sum(model["weights"][f] * float(row[f]) for f in model["features"])
    return 1 / (1 + math.exp(-z))


def auc(labels, scores):
    """Area under the ROC curve: the chance a random positive scores above a random negative."""
    positives = [s for s, y in zip(scores, labels) if y == 1]
    negatives = [s for s, y in zip(scores, labels) if y == 0]
    if not positives or not negatives:
        raise SystemExit("the held-out rows need both classes to compute AUC")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def approved_model_auc():
    """The approved model's score, for `mustBeatApproved`. Reading it is registry-specific (MLOPS_MODEL_GROUP
    on aws, MLOPS_VERTEX_MODEL on gcp, MLOPS_REGISTRY_DIR on docker); None means nothing is approved yet."""
    registry_dir = os.environ.get("MLOPS_REGISTRY_DIR")
    if registry_dir and os.path.exists(os.path.join(registry_dir, "approved-auc")):
        with open(os.path.join(registry_dir, "approved-auc")) as f:
            return float(f.read())
    return None


def baseline(rows, features):
    stats = {f: [float(r[f]) for r in rows] for f in features}
    return (
        {"dataset": {"item_count": len(rows)}, "features": [{"name": f, "mean": statistics.fmean(v), "std_dev": statistics.pstdev(v), "min": min(v), "max": max(v)} for f, v in stats.items()]},
        {"features": [{"name": f, "inferred_type": "Fractional", "completeness": 1.0} for f in features]},
    )


def main():
    model = unpack_model(path("MLOPS_MODEL_DIR", "/opt/ml/processing/model"))
    rows = read_rows(path("MLOPS_DATA_DIR", "/opt/ml/processing/input"))
    _, test = split(rows)
    value = auc([int(float(r["label"])) for r in test], [score(model, r) for r in test])
    champion = approved_model_auc()
    report = {
        "metrics": {"auc": {"value": value}},
        # With no approved model yet, any candidate beats 0 (the gate compares strictly).
        "champion": {"auc": {"value": champion if champion is not None else 0.0}},
    }
    out_dir = path("MLOPS_EVALUATION_DIR", "/opt/ml/processing/evaluation")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, os.environ.get("MLOPS_METRICS_FILE", "evaluation.json")), "w") as f:
        json.dump(report, f)
    baseline_dir = path("MLOPS_BASELINE_DIR", "/opt/ml/processing/baseline")
    os.makedirs(baseline_dir, exist_ok=True)
    stats, constraints = baseline(rows, model["features"])
    for name, doc in (("statistics.json", stats), ("constraints.json", constraints)):
        with open(os.path.join(baseline_dir, name), "w") as f:
            json.dump(doc, f)
    print(f"auc={value:.4f} on {len(test)} held-out rows")


if __name__ == "__main__":
    main()
