"""Where the drift job reads from: the baseline, and the captured requests of one window.

Captured requests are the records the serving template writes (templates/serving/serve.py):
`{"time": <epoch seconds>, "version": <release>, "request": {"instances": [...]}, "response": {...}}`; each
instance is an object of feature values or a list in the model's feature order (the baseline's order).
- docker: every `*.jsonl` file in the capture directory, one record per line;
- gcp: the `data` column of the table the Pub/Sub BigQuery subscription writes (with `writeMetadata`, so its
  `publish_time` column dates each record), read through BigQuery's `jobs.query`.
"""
import json
import os
import re
import time
import urllib.parse

from transport import HttpError, json_call

BASELINE_FILE = "drift_baseline.json"
BASELINE_FORMAT = "mlops-drift-baseline/1"
HOW_TO_PRODUCE = (
    "run the training pipeline once: its evaluation step writes drift_baseline.json to MLOPS_BASELINE_DIR "
    "(runs/<run id>/baseline/ beside the run's model), then point MLOPS_DRIFT_BASELINE_URL at that run's baseline"
)
TABLE = re.compile(r"^[A-Za-z0-9_.:-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_-]+$")


class MissingBaseline(Exception):
    pass


def _gcs(url, http, token):
    bucket, _, name = url[len("gs://"):].partition("/")
    if not name.endswith(".json"):
        # A directory (prefix), with or without its trailing slash.
        name = f"{name.rstrip('/')}/{BASELINE_FILE}" if name.strip("/") else BASELINE_FILE
    emulator = os.environ.get("STORAGE_EMULATOR_HOST")
    base = emulator.rstrip("/") if emulator else "https://storage.googleapis.com"
    headers = {} if emulator else {"Authorization": f"Bearer {token()}"}
    obj = urllib.parse.quote(name, safe="")
    status, body = http("GET", f"{base}/storage/v1/b/{bucket}/o/{obj}?alt=media", headers, None)
    if status == 404:
        raise MissingBaseline(f"no drift baseline at gs://{bucket}/{name}: {HOW_TO_PRODUCE}")
    if status != 200:
        raise HttpError(f"reading gs://{bucket}/{name} answered HTTP {status}: {body[:300]!r}")
    return body, f"gs://{bucket}/{name}"


def load_baseline(url, http, token):
    """The baseline at `url`: a drift_baseline.json file, or a directory (or gs:// prefix) holding one."""
    if not url:
        raise MissingBaseline(f"MLOPS_DRIFT_BASELINE_URL is not set: {HOW_TO_PRODUCE}")
    if url.startswith("gs://"):
        body, where = _gcs(url, http, token)
    else:
        where = os.path.join(url, BASELINE_FILE) if os.path.isdir(url) else url
        if not os.path.isfile(where):
            raise MissingBaseline(f"no drift baseline at {where}: {HOW_TO_PRODUCE}")
        with open(where, "rb") as f:
            body = f.read()
    try:
        baseline = json.loads(body)
    except ValueError as err:
        raise MissingBaseline(f"{where} is not JSON ({err}): {HOW_TO_PRODUCE}") from None
    if not isinstance(baseline, dict) or baseline.get("format") != BASELINE_FORMAT:
        raise MissingBaseline(f"{where} is not a {BASELINE_FORMAT} baseline: {HOW_TO_PRODUCE}")
    return baseline, where


def read_capture_dir(directory, start, end):
    """The records in `directory`'s *.jsonl files with start <= time < end, and how many lines were unreadable."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"the capture directory {directory} does not exist (MLOPS_CAPTURE_DIR)")
    records, unreadable = [], 0
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        # A file last written before the window opened holds no record of it.
        if not name.endswith(".jsonl") or os.stat(path).st_mtime < start:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    record = json.loads(line)
                    stamp = float(record["time"])
                except (ValueError, KeyError, TypeError):
                    unreadable += 1
                    continue
                if start <= stamp < end:
                    records.append(record)
    return records, unreadable


def _timestamp(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime(epoch))


def query_bigquery(table, project, location, start, end, http, token, base="https://bigquery.googleapis.com"):
    """The records of the window from the subscription's table: its `data` column, parsed."""
    if not TABLE.match(table):
        raise ValueError(f"MLOPS_DRIFT_BQ_TABLE must be project.dataset.table, not {table!r}")
    project = project or table.split(".")[0]
    request = {
        "query": f"SELECT data FROM `{table}` WHERE publish_time >= @start AND publish_time < @end",
        "useLegacySql": False,
        "parameterMode": "NAMED",
        "queryParameters": [
            {"name": name, "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": _timestamp(value)}}
            for name, value in (("start", start), ("end", end))
        ],
        "timeoutMs": 60000,
    }
    if location:
        request["location"] = location
    api = f"{base}/bigquery/v2/projects/{urllib.parse.quote(project, safe='')}/queries"
    answer = json_call(http, "POST", api, token(), request)
    job = answer.get("jobReference", {})
    rows = []
    while True:
        page = None
        if answer.get("jobComplete", False):
            rows.extend(answer.get("rows", []))
            page = answer.get("pageToken")
            if not page:
                break
        # Not finished yet, or more pages: getQueryResults of the same job.
        query = {"timeoutMs": "60000", **({"pageToken": page} if page else {})}
        if job.get("location"):
            query["location"] = job["location"]
        url = f"{api}/{urllib.parse.quote(job['jobId'], safe='')}?{urllib.parse.urlencode(query)}"
        answer = json_call(http, "GET", url, token())
    records, unreadable = [], 0
    for row in rows:
        try:
            records.append(json.loads(row["f"][0]["v"]))
        except (ValueError, KeyError, IndexError, TypeError):
            unreadable += 1
    return records, unreadable


def feature_rows(records, features, version=""):
    """One dict of feature values per captured instance (of `version`'s records only, when given)."""
    rows, unreadable = [], 0
    for record in records:
        if version and record.get("version") != version:
            continue
        instances = record.get("request", {}).get("instances") if isinstance(record.get("request"), dict) else None
        if not isinstance(instances, list):
            unreadable += 1
            continue
        for instance in instances:
            if isinstance(instance, list) and len(instance) == len(features):
                rows.append(dict(zip(features, instance)))
            elif isinstance(instance, dict):
                rows.append(instance)
            else:
                unreadable += 1
    return rows, unreadable

