"""The drift baseline: how the training rows are distributed, per feature, in the format templates/drift reads.

`drift_baseline.json` (format "mlops-drift-baseline/1"):

    {"format": "mlops-drift-baseline/1",
     "row_count": 800,                       # training rows the baseline describes
     "features": [                           # in the model's feature order (a list instance follows it)
       {"name": "tenure", "kind": "numeric",
        "edges": [0.1, 0.2, ...],            # inner bin edges: the training deciles, ascending, no repeats
        "proportions": [0.1, ...],           # share of rows in each bin: len(edges) + 1 entries
        "missing": 0.0},                     # share of rows without a value
       {"name": "plan", "kind": "categorical",
        "proportions": {"basic": 0.6, "pro": 0.4},   # share per category; the rarest beyond MAX_CATEGORIES
        "missing": 0.0}]}                            # are pooled under "__other__"

Bin i of a numeric feature holds the values x with edges[i-1] < x <= edges[i] (bin 0: x <= edges[0]; the last
bin: x > edges[-1]), which is Python's bisect_left(edges, x). A feature is numeric when every value it has
parses as a finite number. Each row's share counts once, so the proportions and `missing` add up to 1.
"""
import bisect
import math
import statistics
from collections import Counter

FORMAT = "mlops-drift-baseline/1"
FILE_NAME = "drift_baseline.json"
# Deciles: ten bins of about a tenth of the training rows each.
BINS = 10
MAX_CATEGORIES = 20
OTHER = "__other__"


def present(value):
    return value is not None and value != ""


def as_number(value):
    """The value as a finite float, or None when it is not one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def numeric(name, values, row_count):
    missing = row_count - len(values)
    if not values:
        return {"name": name, "kind": "numeric", "edges": [], "proportions": [0.0], "missing": 1.0}
    cuts = statistics.quantiles(values, n=BINS, method="inclusive") if len(values) > 1 else [values[0]]
    edges = sorted(set(cuts))
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bisect.bisect_left(edges, value)] += 1
    return {
        "name": name,
        "kind": "numeric",
        "edges": edges,
        "proportions": [c / row_count for c in counts],
        "missing": missing / row_count,
    }


def categorical(name, values, row_count):
    counts = Counter(str(v) for v in values)
    kept = dict(counts.most_common(MAX_CATEGORIES))
    other = sum(counts.values()) - sum(kept.values())
    proportions = {category: count / row_count for category, count in sorted(kept.items())}
    if other:
        proportions[OTHER] = other / row_count
    return {"name": name, "kind": "categorical", "proportions": proportions, "missing": (row_count - len(values)) / row_count}


def drift_baseline(rows, features):
    """The baseline of `rows` (dicts of raw CSV values) for `features`, in that order."""
    if not rows:
        raise SystemExit("the drift baseline needs at least one training row")
    described = []
    for name in features:
        values = [r.get(name) for r in rows if present(r.get(name))]
        numbers = [as_number(v) for v in values]
        if all(n is not None for n in numbers):
            described.append(numeric(name, numbers, len(rows)))
        else:
            described.append(categorical(name, values, len(rows)))
    return {"format": FORMAT, "row_count": len(rows), "features": described}
