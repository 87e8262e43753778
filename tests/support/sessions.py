"""HTTP sessions against a running page: a guest logged in with the password, the owner through the owner
link, and raw event calls by fn_index (so private events, which gradio_client refuses to call, are
reached the way a hand-made request would reach them)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import gradio as gr
import httpx

from tests.support.ui_app import RunningApp


def guest_session(app: RunningApp) -> httpx.Client:
    """A new browser-like session logged in with the shared password (each one is a different guest)."""
    user, password = app.access.credentials or ("", "")
    http = httpx.Client(timeout=30)
    response = http.post(f"{app.url}login", data={"username": user, "password": password})
    assert response.status_code == 200, response.text
    return http


def owner_session(app: RunningApp) -> httpx.Client:
    return httpx.Client(timeout=30, cookies=app.owner_cookies())


def fn_index(demo: gr.Blocks, api_name: str) -> int:
    return next(i for i, f in demo.fns.items() if f.api_name == api_name)


def call_event(http: httpx.Client, app: RunningApp, api_name: str, data: list[Any] | None = None,
               event_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Join the queue for one event and return its process_completed message (or {'http': status}).
    Without `data` the inputs get the values the page starts with; `event_data` is what the page's own
    script sends with a click (a poster, a job's button)."""
    index = fn_index(app.demo, api_name)
    defaults = [getattr(component, "value", None) for component in app.demo.fns[index].inputs]
    session = uuid.uuid4().hex
    body = {"data": data if data is not None else defaults, "fn_index": index, "session_hash": session,
            "event_data": event_data, "trigger_id": None}
    joined = http.post(f"{app.url}gradio_api/queue/join", json=body)
    if joined.status_code != 200:
        return {"http": joined.status_code, "body": joined.text}
    with http.stream("GET", f"{app.url}gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                return dict(message)
    raise AssertionError(f"{api_name}: the event stream ended without a result")


def outputs(message: dict[str, Any]) -> list[Any]:
    assert message.get("success"), message
    return list(message["output"]["data"])


def refused(message: dict[str, Any]) -> bool:
    """An owner-only event refused: an explicit action says why; an automatic one changes nothing."""
    if message.get("success") is False:
        return "only for the person at the computer" in str(message.get("output", {}).get("error", ""))
    data = message.get("output", {}).get("data", [])
    return all(_unchanged(item) for item in data)


def _unchanged(item: object) -> bool:
    """An output that leaves the page as it was: nothing, or an update without values (gr.skip)."""
    if item is None:
        return True
    if not isinstance(item, dict) or item.get("__type__") != "update" or set(item) - {"__type__", "props"}:
        return False
    return "props" not in item or _unchanged(item["props"])
