"""Drift statistics over the baseline's bins: how far the captured rows' distribution is from the training rows'.

Both statistics compare, per feature, the share of rows in each bin of the baseline (templates/training/baseline.py
describes the bins), plus one bin for rows without a value:

- psi, the population stability index: sum over bins of (a - e) * ln(a / e), a the captured share and e the
  baseline's. A bin empty on one side would make it infinite, so every share is first raised to at least
  EPSILON (0.0001, one row in ten thousand); a bin empty on both sides then adds nothing. 0.1 is commonly read
  as a moderate shift, 0.2 as a significant one.
- ks, the Kolmogorov-Smirnov distance over the bins: the largest gap between the two cumulative shares, taken
  at each bin's upper edge (the bin of rows without a value comes last). 0 to 1. For a categorical feature,
  whose categories have no order, it is the largest gap in any one category's share.
"""
import bisect
import math

EPSILON = 1e-4
OTHER = "__other__"
STATISTICS = ("psi", "ks")


def number(value):
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def captured_shares(feature, values):
    """The captured `values` of one baseline feature as shares of the baseline's bins (the missing bin last)."""
    total = len(values)
    if feature["kind"] == "numeric":
        counts = [0] * (len(feature["edges"]) + 1)
        missing = 0
        for value in values:
            x = number(value) if value is not None and value != "" else None
            if x is None:
                # A value that is not a number cannot be binned: it counts as missing.
                missing += 1
            else:
                counts[bisect.bisect_left(feature["edges"], x)] += 1
        return [c / total for c in counts] + [missing / total]
    categories = list(feature["proportions"])
    counts = dict.fromkeys(categories, 0)
    if OTHER not in counts:
        counts[OTHER] = 0
    missing = 0
    for value in values:
        if value is None or value == "":
            missing += 1
        else:
            key = str(value)
            counts[key if key in counts else OTHER] += 1
    return [counts[c] / total for c in counts] + [missing / total]


def baseline_shares(feature):
    if feature["kind"] == "numeric":
        return list(feature["proportions"]) + [feature["missing"]]
    shares = dict(feature["proportions"])
    if OTHER not in shares:
        shares[OTHER] = 0.0
    return list(shares.values()) + [feature["missing"]]


def psi(expected, actual):
    total = 0.0
    for e, a in zip(expected, actual):
        e, a = max(e, EPSILON), max(a, EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def ks(expected, actual, ordered=True):
    if not ordered:
        return max(abs(a - e) for e, a in zip(expected, actual))
    gap, cum_e, cum_a = 0.0, 0.0, 0.0
    for e, a in zip(expected, actual):
        cum_e += e
        cum_a += a
        gap = max(gap, abs(cum_a - cum_e))
    return gap


def statistic(name, feature, values):
    """The statistic `name` of one feature's captured values against its baseline."""
    expected, actual = baseline_shares(feature), captured_shares(feature, values)
    if name == "psi":
        return psi(expected, actual)
    return ks(expected, actual, ordered=feature["kind"] == "numeric")
