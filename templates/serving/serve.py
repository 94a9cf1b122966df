"""Minimal model server implementing the mlops-constructs serving contract.

GET /ping answers 200 once the model is loaded; POST /invocations takes a JSON body
{"instances": [...]} and returns {"predictions": [...]}. SageMaker unpacks the model to
/opt/ml/model; elsewhere MODEL_DATA_URL names it. Replace `load_model` and `predict`.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_DIR = "/opt/ml/model" if os.path.isdir("/opt/ml/model") else os.environ.get("MODEL_DATA_URL", "")
VERSION = os.environ.get("MLOPS_MODEL_VERSION", "unknown")


def load_model(path):
    """Load your model from `path`; this placeholder echoes its inputs."""
    return lambda instances: instances


MODEL = load_model(MODEL_DIR)


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
            self._reply(200, {"predictions": MODEL(body.get("instances", [])), "version": VERSION})
        except (ValueError, TypeError) as err:
            self._reply(400, {"error": str(err)})


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
