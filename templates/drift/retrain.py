"""Starts retraining when drift is found: a Workflows execution (gcp) or the pipeline's runner container (docker).

Not while a retrain is running. Not when one started after the window closed: it already covers the drift this
window shows. And not when one started within the cool-down (MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS, 24 by default):
the model it trained serves only once someone releases it, so until then every later window shows the same drift,
and each hourly check would start another run. Any run counts, scheduled or started by a check. Each returns
{"action", "reason", "target", "execution"} with action "started" or "skipped"; an API that refuses raises
HttpError.
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


def _too_recent(what, started_text, started, window_end, cooldown):
    """Why a run that started at `started` (epoch seconds) already covers this window; None when it does not.

    `cooldown` is (now, hours): a run that started within `hours` before `now` blocks; None or 0 hours: no cool-down.
    """
    if started is None:
        return None
    if started >= window_end:
        return f"{what} started at {started_text}, after this window closed ({iso(window_end)})"
    if cooldown is not None and cooldown[1] > 0 and started > cooldown[0] - cooldown[1] * 3600:
        return f"{what} started at {started_text}, within the {cooldown[1]:g} h retrain cool-down (MLOPS_DRIFT_RETRAIN_COOLDOWN_HOURS)"
    return None


def start_workflow(http, token, workflow, window_end, base="https://workflowexecutions.googleapis.com", cooldown=None):
    """Creates an execution of `workflow` unless one is running, started after `window_end` (epoch seconds), or
    started within the cool-down `cooldown` = (now, hours)."""
    if not WORKFLOW.match(workflow):
        raise ValueError(f"MLOPS_RETRAIN_WORKFLOW must be projects/<p>/locations/<l>/workflows/<w>, not {workflow!r}")
    api = f"{base}/v1/{workflow}/executions"
    # The newest first (the API's order); one page reaches back well past any window or cool-down.
    listed = json_call(http, "GET", f"{api}?{urllib.parse.urlencode({'pageSize': '100'})}", token)
    for execution in listed.get("executions", []):
        name = execution.get("name", "")
        if execution.get("state") in RUNNING:
            return {"action": "skipped", "reason": f"execution {name} is {execution['state']}", "target": workflow, "execution": name}
        started_text = execution.get("startTime") or execution.get("createTime") or ""
        reason = _too_recent(f"execution {name}", started_text, parse_time(started_text), window_end, cooldown)
        if reason:
            return {"action": "skipped", "reason": reason, "target": workflow, "execution": name}
    created = json_call(http, "POST", api, token, {})
    return {"action": "started", "reason": "drift", "target": workflow, "execution": created.get("name", "")}


def start_container(http, container, window_end, cooldown=None):
    """Starts the stopped runner container unless it is running, started after `window_end`, or started within
    the cool-down `cooldown` = (now, hours)."""
    path = f"/containers/{urllib.parse.quote(container, safe='')}"
    state = json_call(http, "GET", f"{path}/json").get("State", {})
    if state.get("Running"):
        return {"action": "skipped", "reason": f"container {container} is running", "target": container, "execution": ""}
    started_text = state.get("StartedAt", "")
    reason = _too_recent(f"container {container}", started_text, parse_time(started_text), window_end, cooldown)
    if reason:
        return {"action": "skipped", "reason": reason, "target": container, "execution": ""}
    status, body = http("POST", f"{path}/start", {}, None)
    if status == 304:
        return {"action": "skipped", "reason": f"container {container} was already started", "target": container, "execution": ""}
    if status != 204:
        raise HttpError(f"POST {path}/start answered HTTP {status}: {body[:300].decode(errors='replace')}")
    return {"action": "started", "reason": "drift", "target": container, "execution": ""}
