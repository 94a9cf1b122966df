"""The drift job: compares the requests an endpoint captured in one window with the served model's training
baseline, feature by feature, reports the result, and on drift can start retraining. Standard library only.

One run checks one window and prints exactly one JSON line on stdout (Cloud Logging reads it as jsonPayload):
event "mlops.drift_check", verdict ("drift", "no_drift", "insufficient_data"), drift_detected, statistic,
threshold, max_statistic, drifted_features, features ({name: {value, threshold, drifted}}), rows_compared,
min_rows, baseline_rows, window ({start, end}), retrain ({enabled, action, reason, target, execution}), plus
severity and message. It exits 0 whether or not drift is found, and 1 on an error (a missing baseline, an
unreadable source, an API that refuses), with the reason on stderr and in the line (severity ERROR).

Statistics (measures.py): psi (population stability index; empty bins count as a share of 0.0001) or ks
(largest gap between the cumulative shares), both over the baseline's bins (templates/training/baseline.py).
A feature drifts when its statistic exceeds its threshold; the window drifts when any feature does.

Configuration (environment variables):
  MLOPS_DRIFT_BASELINE_URL        required. The served run's drift_baseline.json, or a directory (gs:// prefix)
                                  holding it: gs://<bucket>/runs/<run id>/baseline/ (gcp), or a path (docker).
  MLOPS_DRIFT_BQ_TABLE            gcp: project.dataset.table the Pub/Sub BigQuery subscription writes (with
                                  writeMetadata: its publish_time and data columns). When set, BigQuery is read;
                                  else the capture directory. Default: unset.
  MLOPS_DRIFT_BQ_PROJECT          project the query job runs in. Default: the table's project.
  MLOPS_DRIFT_BQ_LOCATION         the dataset's location, when BigQuery needs it. Default: unset.
  MLOPS_CAPTURE_DIR               docker: the capture volume, its *.jsonl files. Default /var/log/mlops.
  MLOPS_DRIFT_VERSION             compare only the records of this release (the serving container's
                                  MLOPS_MODEL_VERSION). Default: every release.
  MLOPS_DRIFT_STATISTIC           psi or ks. Default psi.
  MLOPS_DRIFT_THRESHOLD           a feature drifts above it. Default 0.2 for psi, 0.1 for ks.
  MLOPS_DRIFT_FEATURE_THRESHOLDS  JSON object of per-feature thresholds, such as {"tenure": 0.3}. Default {}.
  MLOPS_DRIFT_FEATURES            features to check: a JSON array, or names separated by commas. Default (also
                                  `[]`): every feature of the baseline.
  MLOPS_DRIFT_WINDOW_HOURS        the window's length. It ends at the last whole UTC hour and starts this many
                                  hours earlier: an hourly schedule uses 1, a daily one 24. Default 24.
  MLOPS_DRIFT_WINDOW_END          the window's end instead, RFC 3339 (a backfill, or a test). Default: unset.
  MLOPS_DRIFT_MIN_ROWS            fewer captured rows than this is "insufficient_data": no verdict. Default 1000:
                                  PSI over ten bins has a sampling bias of about 9/rows, so at 100 undrifted rows
                                  one of ten features exceeds 0.2 in about 30 % of the checks.
  MLOPS_DRIFT_RETRAIN             true to start retraining on drift. Default false.
  MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS
                                  no retraining is started when a run (scheduled or started by a check) started
                                  less than this many hours ago; 0 turns the cool-down off. Default 24.
  MLOPS_RETRAIN_WORKFLOW          gcp: projects/<p>/locations/<l>/workflows/<w> to execute (needs
                                  workflows.executions.list and .create on it).
  MLOPS_RETRAIN_CONTAINER         docker: the pipeline's runner container to start, through the Docker socket.
  DOCKER_HOST                     unix:///path of the Docker socket. Default unix:///var/run/docker.sock.
  MLOPS_DRIFT_PUSHGATEWAY_URL     docker: push the metrics to this Prometheus Pushgateway. Default: unset.
  MLOPS_DRIFT_TEXTFILE            docker: write the metrics to this file (node_exporter textfile). Default: unset.
  MLOPS_DRIFT_ENDPOINT            the endpoint's name, in the line and as the metrics' `endpoint` label. Default "".
  GCE_METADATA_HOST, STORAGE_EMULATOR_HOST, MLOPS_BIGQUERY_API, MLOPS_WORKFLOWS_API
                                  where the metadata server, Cloud Storage, BigQuery and Workflows answer
                                  (emulators and tests). Default: Google's.
Retraining never starts twice for one window: not while a run is going on, nor when one started after the
window closed (it already covers the drift). Nor within the cool-down: the retrained model serves only once it
is released, so later windows keep showing the drift it was started for.
"""
import json
import math
import os
import sys
import time

import measures
import report
import retrain
import sources
import transport

DEFAULT_THRESHOLDS = {"psi": 0.2, "ks": 0.1}
DEFAULT_MIN_ROWS = 1000
DEFAULT_RETRAIN_COOLDOWN_HOURS = 24


class ConfigError(Exception):
    pass


def _number(env, name, default, minimum, integer=False):
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a {'whole ' if integer else ''}number, not {raw!r}") from None
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def _features(raw):
    """A JSON array of names, or names separated by commas; empty means every feature."""
    if raw.strip().startswith("["):
        try:
            names = json.loads(raw)
        except ValueError as err:
            raise ConfigError(f"MLOPS_DRIFT_FEATURES must be a JSON array of names or a comma-separated list: {err}") from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError("MLOPS_DRIFT_FEATURES must be a JSON array of names or a comma-separated list")
        return [n for n in names if n]
    return [f.strip() for f in raw.split(",") if f.strip()]


def config(env):
    statistic = env.get("MLOPS_DRIFT_STATISTIC", "") or "psi"
    if statistic not in measures.STATISTICS:
        raise ConfigError(f"MLOPS_DRIFT_STATISTIC must be one of {list(measures.STATISTICS)}, not {statistic!r}")
    try:
        per_feature = json.loads(env.get("MLOPS_DRIFT_FEATURE_THRESHOLDS", "") or "{}")
    except ValueError as err:
        raise ConfigError(f"MLOPS_DRIFT_FEATURE_THRESHOLDS must be a JSON object: {err}") from None
    if not isinstance(per_feature, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in per_feature.values()
    ):
        raise ConfigError('MLOPS_DRIFT_FEATURE_THRESHOLDS must be a JSON object of non-negative numbers, such as {"tenure": 0.3}')
    retrain_on = (env.get("MLOPS_DRIFT_RETRAIN", "") or "false").lower()
    if retrain_on not in ("true", "false"):
        raise ConfigError(f"MLOPS_DRIFT_RETRAIN must be true or false, not {env['MLOPS_DRIFT_RETRAIN']!r}")
    workflow, container = env.get("MLOPS_RETRAIN_WORKFLOW", ""), env.get("MLOPS_RETRAIN_CONTAINER", "")
    if retrain_on == "true" and bool(workflow) == bool(container):
        raise ConfigError("MLOPS_DRIFT_RETRAIN=true needs exactly one of MLOPS_RETRAIN_WORKFLOW (gcp) and MLOPS_RETRAIN_CONTAINER (docker)")
    if container and not (env.get("DOCKER_HOST", "") or "unix://").startswith("unix://"):
        raise ConfigError(f"DOCKER_HOST must be a unix:// socket for the drift job, not {env['DOCKER_HOST']!r}")
    if workflow and not retrain.WORKFLOW.match(workflow):
        raise ConfigError(f"MLOPS_RETRAIN_WORKFLOW must be projects/<p>/locations/<l>/workflows/<w>, not {workflow!r}")
    window_end = env.get("MLOPS_DRIFT_WINDOW_END", "")
    try:
        window_end = retrain.parse_time(window_end) if window_end else None
    except ValueError:
        raise ConfigError(f"MLOPS_DRIFT_WINDOW_END must be an RFC 3339 time such as 2026-12-02T03:00:00Z, not {env['MLOPS_DRIFT_WINDOW_END']!r}") from None
    hours = _number(env, "MLOPS_DRIFT_WINDOW_HOURS", 24, 1, integer=True)
    return {
        "baseline_url": env.get("MLOPS_DRIFT_BASELINE_URL", ""),
        "table": env.get("MLOPS_DRIFT_BQ_TABLE", ""),
        "bq_project": env.get("MLOPS_DRIFT_BQ_PROJECT", ""),
        "bq_location": env.get("MLOPS_DRIFT_BQ_LOCATION", ""),
        "capture_dir": env.get("MLOPS_CAPTURE_DIR", "") or "/var/log/mlops",
        "version": env.get("MLOPS_DRIFT_VERSION", ""),
        "statistic": statistic,
        "threshold": _number(env, "MLOPS_DRIFT_THRESHOLD", DEFAULT_THRESHOLDS[statistic], 0),
        "feature_thresholds": per_feature,
        "features": _features(env.get("MLOPS_DRIFT_FEATURES", "")),
        "window_hours": hours,
        "window_end": window_end,
        "min_rows": _number(env, "MLOPS_DRIFT_MIN_ROWS", DEFAULT_MIN_ROWS, 1, integer=True),
        "retrain": retrain_on == "true",
        "retrain_cooldown_hours": _number(env, "MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS", DEFAULT_RETRAIN_COOLDOWN_HOURS, 0),
        "workflow": workflow,
        "container": container,
        "pushgateway": env.get("MLOPS_DRIFT_PUSHGATEWAY_URL", ""),
        "textfile": env.get("MLOPS_DRIFT_TEXTFILE", ""),
        "endpoint": env.get("MLOPS_DRIFT_ENDPOINT", ""),
        "bigquery_api": env.get("MLOPS_BIGQUERY_API", "") or "https://bigquery.googleapis.com",
        "workflows_api": env.get("MLOPS_WORKFLOWS_API", "") or "https://workflowexecutions.googleapis.com",
    }


def watched(cfg, baseline):
    """The baseline features to check, in its order, each with its threshold."""
    known = [f["name"] for f in baseline["features"]]
    for name in cfg["features"] + list(cfg["feature_thresholds"]):
        if name not in known:
            raise ConfigError(f"feature {name!r} is not in the baseline, whose features are {known}")
    chosen = [f for f in baseline["features"] if not cfg["features"] or f["name"] in cfg["features"]]
    return [(f, float(cfg["feature_thresholds"].get(f["name"], cfg["threshold"]))) for f in chosen]


def compare(cfg, checked, rows):
    features = {}
    for feature, threshold in checked:
        value = measures.statistic(cfg["statistic"], feature, [row.get(feature["name"]) for row in rows])
        features[feature["name"]] = {"value": value, "threshold": threshold, "drifted": value > threshold}
    return features


def message(result):
    where = f"drift check {result['endpoint']}" if result["endpoint"] else "drift check"
    if result["verdict"] == "insufficient_data":
        text = f"{where}: {result['rows_compared']} captured rows, fewer than {result['min_rows']}: no verdict"
    elif result["verdict"] == "drift":
        drifted = ", ".join(
            f"{name} ({result['statistic']} {result['features'][name]['value']:.4g} > {result['features'][name]['threshold']:g})"
            for name in result["drifted_features"]
        )
        text = f"{where}: drift in {drifted} over {result['rows_compared']} rows"
    else:
        text = f"{where}: no drift over {result['rows_compared']} rows (largest {result['statistic']} {result['max_statistic']:.4g})"
    action = result["retrain"]["action"]
    if action in ("started", "skipped", "failed"):
        text += f"; retrain {action}: {result['retrain']['reason']}"
    return text


def run(env, http=transport.urllib_http, docker_http=None, now=None):
    """One check. Returns (result, exit code)."""
    now = time.time() if now is None else now
    cfg = config(env)
    end = cfg["window_end"] if cfg["window_end"] is not None else math.floor(now / 3600) * 3600
    start = end - cfg["window_hours"] * 3600
    tokens = []

    def token():
        if not tokens:
            tokens.append(transport.metadata_token(http))
        return tokens[0]

    baseline, _ = sources.load_baseline(cfg["baseline_url"], http, token)
    checked = watched(cfg, baseline)
    order = [f["name"] for f in baseline["features"]]
    if cfg["table"]:
        records, unreadable = sources.query_bigquery(
            cfg["table"], cfg["bq_project"], cfg["bq_location"], start, end, http, token, cfg["bigquery_api"]
        )
    else:
        records, unreadable = sources.read_capture_dir(cfg["capture_dir"], start, end)
    rows, bad_instances = sources.feature_rows(records, order, cfg["version"])
    enough = len(rows) >= cfg["min_rows"]
    features = compare(cfg, checked, rows) if enough else {}
    drifted = [name for name, f in features.items() if f["drifted"]]
    result = {
        "severity": "INFO",
        "message": "",
        "event": report.EVENT,
        "endpoint": cfg["endpoint"],
        "verdict": "insufficient_data" if not enough else "drift" if drifted else "no_drift",
        "drift_detected": bool(drifted),
        "statistic": cfg["statistic"],
        "threshold": cfg["threshold"],
        "max_statistic": max((f["value"] for f in features.values()), default=0.0),
        "drifted_features": drifted,
        "features": features,
        "rows_compared": len(rows),
        "min_rows": cfg["min_rows"],
        "baseline_rows": baseline["row_count"],
        "unreadable_records": unreadable + bad_instances,
        "window": {"start": retrain.iso(start), "end": retrain.iso(end)},
        "retrain": {"enabled": cfg["retrain"], "action": "not_needed", "reason": "", "target": "", "execution": ""},
    }
    code = 0
    if drifted and not cfg["retrain"]:
        result["retrain"].update(action="disabled", reason="MLOPS_DRIFT_RETRAIN is not true")
    elif drifted:
        try:
            cooldown = (now, cfg["retrain_cooldown_hours"])
            if cfg["workflow"]:
                outcome = retrain.start_workflow(http, token(), cfg["workflow"], end, cfg["workflows_api"], cooldown)
            else:
                docker = docker_http or transport.unix_http(transport.docker_socket())
                outcome = retrain.start_container(docker, cfg["container"], end, cooldown)
            result["retrain"].update(outcome)
        except (OSError, transport.HttpError, ValueError) as err:
            result["retrain"].update(action="failed", reason=str(err), target=cfg["workflow"] or cfg["container"])
            code = 1
    try:
        if cfg["pushgateway"]:
            report.push(http, cfg["pushgateway"], result, now)
        if cfg["textfile"]:
            report.write_textfile(cfg["textfile"], report.prometheus(result, now))
    except OSError as err:
        result["metrics_error"] = str(err)
        code = 1
    result["severity"] = "ERROR" if code else "WARNING" if drifted else "INFO"
    result["message"] = message(result) + (f"; metrics not written: {result['metrics_error']}" if "metrics_error" in result else "")
    return result, code


def main():
    env = dict(os.environ)
    try:
        result, code = run(env)
    except (ConfigError, sources.MissingBaseline, transport.HttpError, OSError, ValueError, KeyError) as err:
        text = str(err) if not isinstance(err, KeyError) else f"unexpected answer, no {err}"
        print(text, file=sys.stderr, flush=True)
        line = {"severity": "ERROR", "message": f"drift check failed: {text}", "event": report.EVENT,
                "endpoint": env.get("MLOPS_DRIFT_ENDPOINT", ""), "verdict": "error", "drift_detected": False}
        print(report.log_line(line), flush=True)
        sys.exit(1)
    if code:
        print(result["message"], file=sys.stderr, flush=True)
    print(report.log_line(result), flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
