"""HTTP for the drift job, standard library only. Every call goes through a `Http`: a callable
`(method, url, headers, body) -> (status, body bytes)` that returns error statuses instead of raising, so the
callers decide what a status means and tests can pass their own.
"""
import http.client
import json
import os
import socket
import urllib.error
import urllib.request


class HttpError(Exception):
    """A call answered with a status its caller does not accept."""


def urllib_http(method, url, headers=None, body=None, timeout=60):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def unix_http(socket_path, timeout=30):
    """A `Http` that speaks to a server on a unix socket (the Docker Engine API); urls are paths such as
    `/containers/x/json`."""

    def call(method, url, headers=None, body=None):
        connection = _UnixConnection(socket_path, timeout)
        try:
            connection.request(method, url, body=body, headers={"Host": "docker", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    return call


def docker_socket():
    """The Docker socket's path: DOCKER_HOST (unix:// only) or the default /var/run/docker.sock."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise ValueError(f"DOCKER_HOST must be a unix:// socket for the drift job, not {host!r}")
    return host[len("unix://"):]


def metadata_token(http):
    """The job's service-account token from the metadata server (GCE_METADATA_HOST overrides the host)."""
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    status, body = http(
        "GET",
        f"http://{host}/computeMetadata/v1/instance/service-accounts/default/token",
        {"Metadata-Flavor": "Google"},
        None,
    )
    if status != 200:
        raise HttpError(f"the metadata server gave no token (HTTP {status}): {body[:200]!r}")
    return json.loads(body)["access_token"]


def json_call(http, method, url, token=None, payload=None, accept=(200,)):
    """A JSON request; the parsed JSON answer, or HttpError naming the call and the server's reason."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None if payload is None else json.dumps(payload).encode()
    status, answer = http(method, url, headers, body)
    if status not in accept:
        raise HttpError(f"{method} {url} answered HTTP {status}: {answer[:300].decode(errors='replace')}")
    return json.loads(answer) if answer else {}
