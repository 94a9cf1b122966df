"""Starts retraining when drift is found: a Workflows execution (gcp) or the pipeline's runner container (docker).

Never twice for one window: a retrain that is running, or that started after the window closed, already covers
the drift this window shows, so none is started then. Each returns {"action", "reason", "target", "execution"}
with action "started" or "skipped"; an API that refuses raises HttpError.
"""
import re
import urllib.parse
from datetime import datetime, timezone

from transport import HttpError, json_call

WORKFLOW = re.compile(r"^projects/[^/]+/locations/[^/]+/workflows/[^/]+$")
RUNNING = ("ACTIVE", "QUEUED")


def parse_time(text):
    """An RFC 3339 time (nanoseconds and a `Z` allowed) as epoch seconds; None for an empty or zero time."""
    if not text or text.startswith("0001-01-01"):
        return None
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    base, fraction, zone = match.groups()
    moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return moment.timestamp() + (float("0." + fraction) if fraction else 0.0)


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_workflow(http, token, workflow, window_end, base="https://workflowexecutions.googleapis.com"):
    """Creates an execution of `workflow` unless one is running or started after `window_end` (epoch seconds)."""
    if not WORKFLOW.match(workflow):
        raise ValueError(f"MLOPS_RETRAIN_WORKFLOW must be projects/<p>/locations/<l>/workflows/<w>, not {workflow!r}")
    api = f"{base}/v1/{workflow}/executions"
    # The newest first (the API's order); one page reaches back well past any window.
    listed = json_call(http, "GET", f"{api}?{urllib.parse.urlencode({'pageSize': '100'})}", token)
    for execution in listed.get("executions", []):
        name = execution.get("name", "")
        if execution.get("state") in RUNNING:
            return {"action": "skipped", "reason": f"execution {name} is {execution['state']}", "target": workflow, "execution": name}
        started = parse_time(execution.get("startTime") or execution.get("createTime") or "")
        if started is not None and started >= window_end:
            return {
                "action": "skipped",
                "reason": f"execution {name} started at {execution.get('startTime') or execution.get('createTime')}, after this window closed ({iso(window_end)})",
                "target": workflow,
                "execution": name,
            }
    created = json_call(http, "POST", api, token, {})
    return {"action": "started", "reason": "drift", "target": workflow, "execution": created.get("name", "")}


def start_container(http, container, window_end):
    """Starts the stopped runner container unless it is running or started after `window_end`."""
    path = f"/containers/{urllib.parse.quote(container, safe='')}"
    state = json_call(http, "GET", f"{path}/json").get("State", {})
    if state.get("Running"):
        return {"action": "skipped", "reason": f"container {container} is running", "target": container, "execution": ""}
    started = parse_time(state.get("StartedAt", ""))
    if started is not None and started >= window_end:
        return {
            "action": "skipped",
            "reason": f"container {container} started at {state['StartedAt']}, after this window closed ({iso(window_end)})",
            "target": container,
            "execution": "",
        }
    status, body = http("POST", f"{path}/start", {}, None)
    if status == 304:
        return {"action": "skipped", "reason": f"container {container} was already started", "target": container, "execution": ""}
    if status != 204:
        raise HttpError(f"POST {path}/start answered HTTP {status}: {body[:300].decode(errors='replace')}")
    return {"action": "started", "reason": "drift", "target": container, "execution": ""}
