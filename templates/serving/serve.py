"""Minimal model server implementing the mlops-constructs serving contract.

GET /ping answers 200 once the model is loaded; POST /invocations takes a JSON body
{"instances": [...]} and returns {"predictions": [...]}. SageMaker unpacks the model to
/opt/ml/model; elsewhere MODEL_DATA_URL names it. Replace `load_model`.

Request capture on gcp: when MLOPS_CAPTURE_TOPIC is set, MLOPS_CAPTURE_PERCENT of requests are published
with their responses to that Pub/Sub topic for drift monitoring (on aws SageMaker captures, on docker the
gateway does). Publishing runs beside the response and never fails a request.
"""
import base64
import json
import os
import random
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_DIR = "/opt/ml/model" if os.path.isdir("/opt/ml/model") else os.environ.get("MODEL_DATA_URL", "")
VERSION = os.environ.get("MLOPS_MODEL_VERSION", "unknown")


def load_model(path):
    """Load your model from `path`; this placeholder echoes its inputs."""
    return lambda instances: instances


MODEL = load_model(MODEL_DIR)

CAPTURE_TOPIC = os.environ.get("MLOPS_CAPTURE_TOPIC", "")
CAPTURE_PERCENT = float(os.environ.get("MLOPS_CAPTURE_PERCENT", "0"))


def access_token():
    """The runtime service account's token, from the metadata server (GCE_METADATA_HOST overrides it)."""
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    request = urllib.request.Request(
        f"http://{host}/computeMetadata/v1/instance/service-accounts/default/token",
        headers={"Metadata-Flavor": "Google"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["access_token"]


def publish(record):
    """Publishes one captured request; PUBSUB_EMULATOR_HOST points it at the Pub/Sub emulator."""
    emulator = os.environ.get("PUBSUB_EMULATOR_HOST")
    base = f"http://{emulator}" if emulator else "https://pubsub.googleapis.com"
    headers = {"Content-Type": "application/json"}
    if not emulator:
        headers["Authorization"] = f"Bearer {access_token()}"
    body = {"messages": [{"data": base64.b64encode(json.dumps(record).encode()).decode(), "attributes": {"version": VERSION}}]}
    request = urllib.request.Request(f"{base}/v1/{CAPTURE_TOPIC}:publish", data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except OSError as err:
        print(f"capture publish failed: {err}", flush=True)


def capture(request_body, response_body):
    if CAPTURE_TOPIC and random.uniform(0, 100) < CAPTURE_PERCENT:
        record = {"time": time.time(), "version": VERSION, "request": request_body, "response": response_body}
        threading.Thread(target=publish, args=(record,), daemon=True).start()


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/ping":
            self._reply(200, {"status": "ok", "version": VERSION})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/invocations":
            self._reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            result = {"predictions": MODEL(body.get("instances", [])), "version": VERSION}
        except (ValueError, TypeError) as err:
            self._reply(400, {"error": str(err)})
            return
        self._reply(200, result)
        capture(body, result)


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
