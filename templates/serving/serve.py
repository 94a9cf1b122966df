"""Model server implementing the mlops-constructs serving contract, for the model templates/training writes.

GET /ping answers 200 once the model is loaded; POST /invocations takes a JSON body {"instances": [...]}
and returns {"predictions": [...], "version": ...}. Each instance is an object of feature values (or a list
in the model's feature order); each prediction is the probability of the positive class.
With Content-Type text/csv the body is rows of feature values in the model's feature order (no header), one
instance per line, and the reply is text/csv: one probability per line. That is the form SageMaker Model Monitor
reads on aws: it lines each captured request up with the baseline by position, the model's output first (see
templates/training/evaluate.py, the monitor dataset). Send one row per request there.

Where the model comes from (model.json: features, weights, bias; a logistic regression):
- aws: SageMaker unpacks the registered model.tar.gz into /opt/ml/model (an archive still there is unpacked);
- docker: MODEL_DATA_URL is a directory, such as /mnt/model-access/<group>/<run id>/ (the models volume);
- gcp: MODEL_DATA_URL is gs://bucket/prefix/; model.json (or model.tar.gz) under it is downloaded at start
  with the runtime service account's token from the metadata server (STORAGE_EMULATOR_HOST points the
  download elsewhere, without a token). Replace `load_model` and `predict` for another kind of model.

Request capture: on gcp, when MLOPS_CAPTURE_TOPIC is set, MLOPS_CAPTURE_PERCENT of requests are published
with their responses to that Pub/Sub topic BEFORE the reply is sent (Cloud Run throttles CPU after it). On
docker the gateway marks the requests to capture (header X-Mlops-Capture: 1) and the server appends them,
with their responses, to a JSON-lines file in MLOPS_CAPTURE_DIR. On aws SageMaker captures. Capture never
fails a request.

Metrics: GET /metrics answers in the Prometheus text exposition format (version 0.0.4): the counter
mlops_http_requests_total{code} and the histogram mlops_http_request_duration_seconds of every request but
GET /ping and GET /metrics (health checks and scrapes are not traffic), and mlops_model_info{version} (1).
The histogram's buckets include 1 and 2 seconds, the default p99 thresholds, so an alert on
histogram_quantile(0.99, ...) at those thresholds is exact, not interpolated.
"""
import base64
import csv
import json
import math
import os
import random
import socket
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("MLOPS_MODEL_VERSION", "unknown")
SAGEMAKER_MODEL_DIR = "/opt/ml/model"


def access_token():
    """The runtime service account's token, from the metadata server (GCE_METADATA_HOST overrides it)."""
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    request = urllib.request.Request(
        f"http://{host}/computeMetadata/v1/instance/service-accounts/default/token",
        headers={"Metadata-Flavor": "Google"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["access_token"]


def download_gcs(url, directory):
    """Downloads model.json, or else model.tar.gz, from gs://bucket/prefix/ into `directory`."""
    bucket, _, prefix = url[len("gs://"):].partition("/")
    emulator = os.environ.get("STORAGE_EMULATOR_HOST")
    base = emulator.rstrip("/") if emulator else "https://storage.googleapis.com"
    headers = {} if emulator else {"Authorization": f"Bearer {access_token()}"}
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    for name in ("model.json", "model.tar.gz"):
        obj = urllib.parse.quote(prefix + name, safe="")
        request = urllib.request.Request(f"{base}/storage/v1/b/{bucket}/o/{obj}?alt=media", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response, open(os.path.join(directory, name), "wb") as f:
                f.write(response.read())
            return
        except urllib.error.HTTPError as err:
            if err.code != 404:
                raise
    raise FileNotFoundError(f"neither model.json nor model.tar.gz under {url}")


def model_directory():
    """The directory holding model.json: /opt/ml/model on aws, else MODEL_DATA_URL (downloaded when gs://)."""
    if os.path.isdir(SAGEMAKER_MODEL_DIR) and os.listdir(SAGEMAKER_MODEL_DIR):
        return SAGEMAKER_MODEL_DIR
    url = os.environ.get("MODEL_DATA_URL", "")
    if not url:
        raise FileNotFoundError(f"no model: {SAGEMAKER_MODEL_DIR} is empty and MODEL_DATA_URL is not set")
    if url.startswith("gs://"):
        directory = tempfile.mkdtemp(prefix="model-")
        download_gcs(url, directory)
        return directory
    return url


def load_model(directory):
    """Reads model.json from `directory`, unpacking model.tar.gz into a temporary directory first if that is
    all there is (a read-only model directory is never written)."""
    path = os.path.join(directory, "model.json")
    archive = os.path.join(directory, "model.tar.gz")
    if not os.path.exists(path) and os.path.exists(archive):
        unpacked = tempfile.mkdtemp(prefix="model-")
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        path = os.path.join(unpacked, "model.json")
    with open(path) as f:
        model = json.load(f)
    missing = [f for f in model["features"] if f not in model["weights"]]
    if missing:
        raise ValueError(f"model.json has no weight for {missing}")
    return model


def predict(model, instances):
    """Probability of the positive class for each instance (an object of features, or a list in order)."""
    if not isinstance(instances, list):
        raise ValueError('"instances" must be a list')
    features = model["features"]
    out = []
    for i, instance in enumerate(instances):
        if isinstance(instance, list):
            if len(instance) != len(features):
                raise ValueError(f"instance {i} has {len(instance)} values; the model takes {len(features)}: {features}")
            instance = dict(zip(features, instance))
        if not isinstance(instance, dict):
            raise ValueError(f"instance {i} must be an object of features or a list of values")
        absent = [f for f in features if f not in instance]
        if absent:
            raise ValueError(f"instance {i} lacks {absent}")
        z = model["bias"] + sum(model["weights"][f] * float(instance[f]) for f in features)
        out.append(1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)))
    return out


def csv_instances(text):
    """The rows of a text/csv body: each non-empty line is one instance, its values in the model's feature order."""
    return [row for row in csv.reader(text.splitlines()) if row]


def csv_predictions(predictions):
    """A text/csv reply: one probability per line."""
    return "".join(f"{p!r}\n" for p in predictions)


CAPTURE_TOPIC = os.environ.get("MLOPS_CAPTURE_TOPIC", "")
CAPTURE_PERCENT = float(os.environ.get("MLOPS_CAPTURE_PERCENT", "0"))
CAPTURE_DIR = os.environ.get("MLOPS_CAPTURE_DIR", "")
CAPTURE_FILE = os.path.join(CAPTURE_DIR, f"{VERSION}-{socket.gethostname()}.jsonl") if CAPTURE_DIR else ""
CAPTURE_LOCK = threading.Lock()


def publish(record):
    """Publishes one captured request; PUBSUB_EMULATOR_HOST points it at the Pub/Sub emulator."""
    emulator = os.environ.get("PUBSUB_EMULATOR_HOST")
    base = f"http://{emulator}" if emulator else "https://pubsub.googleapis.com"
    headers = {"Content-Type": "application/json"}
    try:
        if not emulator:
            headers["Authorization"] = f"Bearer {access_token()}"
        body = {"messages": [{"data": base64.b64encode(json.dumps(record).encode()).decode(), "attributes": {"version": VERSION}}]}
        request = urllib.request.Request(f"{base}/v1/{CAPTURE_TOPIC}:publish", data=json.dumps(body).encode(), headers=headers, method="POST")
        urllib.request.urlopen(request, timeout=10).close()
    except (OSError, ValueError, KeyError) as err:
        print(f"capture publish failed: {err}", flush=True)


def write_capture(record):
    """Appends one captured request to this container's file in the capture volume (docker)."""
    try:
        with CAPTURE_LOCK, open(CAPTURE_FILE, "a") as f:
            f.write(json.dumps(record) + "\n")
    except OSError as err:
        print(f"capture write failed: {err}", flush=True)


def capture(request_body, response_body, marked):
    """Captures before the reply goes out: on gcp the CPU is throttled once the response is sent."""
    record = {"time": time.time(), "version": VERSION, "request": request_body, "response": response_body}
    if CAPTURE_TOPIC and random.uniform(0, 100) < CAPTURE_PERCENT:
        publish(record)
    if CAPTURE_FILE and marked:
        write_capture(record)


# Upper bounds in seconds; +Inf is implied.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """Request counts by status code and a duration histogram, safe across the server's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}
        self.buckets = [0] * len(DURATION_BUCKETS)
        self.count = 0
        self.total = 0.0

    def observe(self, code, seconds):
        with self.lock:
            self.codes[code] = self.codes.get(code, 0) + 1
            for i, bound in enumerate(DURATION_BUCKETS):
                if seconds <= bound:
                    self.buckets[i] += 1
            self.count += 1
            self.total += seconds

    def exposition(self):
        """The metrics in the Prometheus text format; bucket counts are cumulative, as the format requires."""
        with self.lock:
            lines = [
                "# HELP mlops_http_requests_total Requests answered, by HTTP status code.",
                "# TYPE mlops_http_requests_total counter",
                *(f'mlops_http_requests_total{{code="{code}"}} {n}' for code, n in sorted(self.codes.items())),
                "# HELP mlops_http_request_duration_seconds Time from reading a request to its reply.",
                "# TYPE mlops_http_request_duration_seconds histogram",
                *(
                    f'mlops_http_request_duration_seconds_bucket{{le="{float(bound)!r}"}} {n}'
                    for bound, n in zip(DURATION_BUCKETS, self.buckets)
                ),
                f'mlops_http_request_duration_seconds_bucket{{le="+Inf"}} {self.count}',
                f"mlops_http_request_duration_seconds_sum {self.total!r}",
                f"mlops_http_request_duration_seconds_count {self.count}",
                "# HELP mlops_model_info The model release this container serves.",
                "# TYPE mlops_model_info gauge",
                f'mlops_model_info{{version="{label_value(VERSION)}"}} 1',
            ]
        return "\n".join(lines) + "\n"


def label_value(value):
    """Escapes a label value as the text format requires (backslash, double quote, line feed)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


METRICS = Metrics()


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _reply_csv(self, text):
        payload = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def send_response(self, code, message=None):
        self.status = code
        super().send_response(code, message)

    def parse_request(self):
        self.started = time.monotonic()  # the request line is in: time from here to the reply
        return super().parse_request()

    def handle_one_request(self):
        """Times each request and counts it by its status code, except health checks and scrapes."""
        self.status = self.started = None
        super().handle_one_request()
        untracked = getattr(self, "command", None) == "GET" and self.path in ("/ping", "/metrics")
        if self.status is not None and self.started is not None and not untracked:
            METRICS.observe(self.status, time.monotonic() - self.started)

    def do_GET(self):
        if self.path == "/ping":
            self._reply(200, {"status": "ok", "version": VERSION})
        elif self.path == "/metrics":
            payload = METRICS.exposition().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/invocations":
            self._reply(404, {"error": "not found"})
            return
        content_type = self.headers.get("Content-Type", "application/json").split(";")[0].strip().lower()
        try:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if content_type == "text/csv":
                body = {"instances": csv_instances(raw.decode("utf-8"))}
            else:
                body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError('the body must be an object: {"instances": [...]}')
            result = {"predictions": predict(MODEL, body.get("instances", [])), "version": VERSION}
        except (ValueError, TypeError) as err:  # UnicodeDecodeError is a ValueError
            self._reply(400, {"error": str(err)})
            return
        except Exception as err:  # a fault of the model, not of the request: a 500 the metrics count
            print(f"prediction failed: {err!r}", file=sys.stderr, flush=True)
            self._reply(500, {"error": "the model failed on this request"})
            return
        capture(body, result, self.headers.get("X-Mlops-Capture") == "1")
        if content_type == "text/csv":
            self._reply_csv(csv_predictions(result["predictions"]))
        else:
            self._reply(200, result)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    try:
        MODEL = load_model(model_directory())
    except (OSError, ValueError, KeyError) as err:
        print(f"cannot load the model: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"serving {VERSION}: {len(MODEL['features'])} features", flush=True)
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
