"""The drift job's result: one JSON line on stdout (Cloud Logging reads it as the entry's jsonPayload, with its
`severity` and `message`), and on docker the same numbers as Prometheus metrics, pushed or written to a textfile.
"""
import json
import os
import urllib.parse

EVENT = "mlops.drift_check"
PUSH_JOB = "mlops_drift"


def _label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus(result, now, endpoint_label=True):
    """The result in Prometheus text format 0.0.4 (every metric a gauge)."""
    extra = f',endpoint="{_label(result["endpoint"])}"' if endpoint_label and result["endpoint"] else ""
    only = f'{{endpoint="{_label(result["endpoint"])}"}}' if extra else ""
    stat = result["statistic"]
    lines = [
        "# HELP mlops_drift_statistic The drift statistic of each feature against the training baseline.",
        "# TYPE mlops_drift_statistic gauge",
        *(f'mlops_drift_statistic{{feature="{_label(name)}",statistic="{stat}"{extra}}} {f["value"]!r}' for name, f in result["features"].items()),
        "# HELP mlops_drift_threshold The value above which a feature counts as drifted.",
        "# TYPE mlops_drift_threshold gauge",
        *(f'mlops_drift_threshold{{feature="{_label(name)}",statistic="{stat}"{extra}}} {f["threshold"]!r}' for name, f in result["features"].items()),
        "# HELP mlops_drift_detected 1 when the last drift check found drift, else 0.",
        "# TYPE mlops_drift_detected gauge",
        f"mlops_drift_detected{only} {1 if result['drift_detected'] else 0}",
        "# HELP mlops_drift_rows_compared Captured rows the last drift check compared.",
        "# TYPE mlops_drift_rows_compared gauge",
        f"mlops_drift_rows_compared{only} {result['rows_compared']}",
        "# HELP mlops_drift_last_run_timestamp_seconds When the last drift check ran.",
        "# TYPE mlops_drift_last_run_timestamp_seconds gauge",
        f"mlops_drift_last_run_timestamp_seconds{only} {now!r}",
    ]
    return "\n".join(lines) + "\n"


def write_textfile(path, text):
    """Atomically: node_exporter never reads half a file."""
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def push(http, gateway, result, now):
    """Replaces this endpoint's group in the Pushgateway (PUT): job `mlops_drift`, label `endpoint`."""
    url = f"{gateway.rstrip('/')}/metrics/job/{PUSH_JOB}"
    if result["endpoint"]:
        url += f"/endpoint/{urllib.parse.quote(result['endpoint'], safe='')}"
    status, body = http("PUT", url, {"Content-Type": "text/plain; version=0.0.4"}, prometheus(result, now, endpoint_label=False).encode())
    if not 200 <= status < 300:
        raise OSError(f"PUT {url} answered HTTP {status}: {body[:300].decode(errors='replace')}")


def log_line(result):
    return json.dumps(result, separators=(",", ":"), sort_keys=False)
