"""Hostile input through the page (gradio_client) and through the backend: each bad value is refused with a
message and queues nothing; odd but valid prompts are cleaned and make a clip; path traversal through every
route that takes a clip name or a path touches nothing, inside the data folder or outside it."""

from __future__ import annotations

import html
import http.client
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from backend.errors import StudioError
from backend.request import clean_prompt
from backend.settings import Paths
from backend.studio import Studio
from backend.video import read_comment
from tests.conftest import SMALL
from tests.support.ui_app import RunningApp, running_app

FORM = {"prompt": "a fox", "size": "832x480", "frames": 5, "seed": 1, "seed_lock": True, "count": 1, "preset": "auto"}
BAD_PROMPTS: list[Any] = ["", " \t\n\u3000 ", "x" * 100_000, "🦊" * 25_000, "\x00\x01\x07\x1b\x7f", None]
"""Empty, whitespace only, 100 KB of text or of emoji, control characters only, nothing at all."""
BAD_FORM: list[tuple[str, Any]] = [
    *(("prompt", p) for p in BAD_PROMPTS),
    *(("frames", v) for v in (0, -1, 4, 6, 80, 162, 10**12, -(10**12), 81.5, "abc", "", None, "1e3", True, [81])),
    *(("size", v) for v in ("0x0", "99999x99999", "832x", "x480", "-832x480", "abc", "832x480x3", "8.5x480", "",
                            "1280x1280", "256x257", "../../etc", 832)),
    *(("seed", v) for v in (-2, 2**32, 2**64, 10**30, -(10**30), "abc", 1.5, "1e400", [1])),
    *(("preset", v) for v in ("nope", "../8gb", "../../etc/passwd", "8gb; rm -rf /", "a" * 100, "99gb", 5,
                              "auto\x00")),
    *(("count", v) for v in (0, -1, 17, 10**9, "x", "1e9")),
]
"""Form fields with values the page must refuse: out of range, not numbers, not names."""
ODD_PROMPTS = [
    "🦊🔥 a fox made of fire 👨‍👩‍👧 ✨",
    "ثعلب أحمر يركض في الثلج \u202eevil\u202c at dawn",
    "a red\x00 fox\x07 in\x1b snow\r\n at dawn",
    "<script>alert(1)</script><img src=x onerror=alert(2)> a fox & \"quotes\" 'single'",
    "a=b; c#d \\ e\n f",
    "字" * 4000,
]
"""Valid once cleaned: emoji, right-to-left text, embedded control characters, markup, ffmpeg metadata
specials, the longest prompt allowed."""
BAD_SUBMIT: list[tuple[str, Any]] = [
    *(("prompt", p) for p in [*BAD_PROMPTS, 5, ["a fox"]]),
    *(("negative_prompt", v) for v in ("x" * 100_000, 5)),
    *(("width", v) for v in (0, -16, 100, 1281, 10**9, "abc", None, 832.5, True)),
    *(("height", v) for v in (0, 255, 1296, -(10**9), "1e999", [480])),
    *(("frames", v) for v in (0, 4, 80, 162, 10**12, float("nan"), float("inf"), "abc", None, 81.5)),
    *(("seed", v) for v in (-2, 2**32, 2**64, -(10**30), float("nan"), "abc", 1.5, object())),
    *(("preset", v) for v in ("nope", "../8gb", "", None, 5, "x" * 100, "99gb")),
    *(("count", v) for v in (0, -1, 17, 10**9, "x", None)),
]
"""The same kinds of values straight into Studio.submit, as the command line or a future API would."""
TRAVERSALS = [
    "../../canary.txt", "../queue.json", "..", "../..", "{canary}", "{clips}/../../../canary.txt",
    "clips/../../canary.txt", "..\\..\\canary.txt", "%2e%2e%2f%2e%2e%2fcanary.txt", "~/canary.txt",
    "canary.txt\x00.mp4", "{clip}/../../../canary.txt", ".{clip}.partial", "{clip}.json", "/dev/null",
    "{clips}/../../..", "~/../..",
]
"""Names and paths that try to leave the clips folder; {…} are filled with this test's real paths."""
TRAVERSAL_ROUTES: dict[str, int | None] = {
    "/show_clip": 1, "/reuse_settings": -1, "/delete_clip": 0, "/cancel_job": None, "/requeue_job": None,
    "/use_weights_folder": 0,
}
"""Each page route that takes a clip name, a job id or a path, with where its message is in the answer; the
file download route (/gradio_api/file=…) is tried with every value too."""


def form_args(field: str, value: Any) -> tuple[Any, ...]:
    form = {**FORM, field: value}
    return (form["prompt"], form["size"], form["frames"], form["seed"], form["seed_lock"], form["count"],
            form["preset"])


def predict_all(app: RunningApp, calls: list[tuple[str, tuple[Any, ...]]], tabs: int = 3) -> list[Any]:
    """Run (api_name, args) calls from `tabs` sessions at once, each session one call after another (one
    gradio_client session is not safe with many calls in flight). A refusal by Gradio comes back as text."""
    results: list[Any] = [None] * len(calls)

    def tab(offset: int) -> None:
        client = app.client()
        for i in range(offset, len(calls), tabs):
            api_name, args = calls[i]
            try:
                results[i] = client.predict(*args, api_name=api_name)
            except Exception as err:
                results[i] = f"{type(err).__name__}: {err}"

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def raw_get(app: RunningApp, path: str) -> tuple[int, bytes]:
    """GET exactly this path: HTTP libraries and browsers remove '..' segments before sending, an attacker's
    own client does not."""
    connection = http.client.HTTPConnection("127.0.0.1", app.demo.server_port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time, to prove nothing was touched."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_page_refuses_each_bad_form_value_with_a_message(paths: Paths) -> None:
    with running_app(paths) as app:
        results = predict_all(app, [("/generate", form_args(field, value)) for field, value in BAD_FORM])
        wrong = []
        for (field, value), out in zip(BAD_FORM, results, strict=True):
            message, seed = out if isinstance(out, tuple) else (str(out), None)
            if not message.startswith("⚠️") or "Traceback" in message or seed != {"__type__": "update"}:
                wrong.append((field, repr(value)[:40], message[:120]))
        assert wrong == []
        assert app.studio.jobs() == []


@pytest.mark.slow
def test_odd_prompts_are_cleaned_and_make_a_clip(paths: Paths) -> None:
    with running_app(paths) as app:
        client = app.client()
        for prompt in ODD_PROMPTS:  # one by one: the queue order is checked against this list
            message, _seed = client.predict(*form_args("prompt", prompt), api_name="/generate")
            assert message.startswith("✅ Queued 1 clip"), message
        table = client.predict(api_name="/queue_view")
        assert "<script>" not in table and "<img src=x" not in table  # shown as text, never as markup
        jobs = []
        for job, prompt in zip(app.studio.jobs(), ODD_PROMPTS, strict=True):
            done = app.studio.queue.wait_for(job.id, ("done", "failed"), 60)
            assert done.status == "done", done.error
            jobs.append(done)
            clip = app.studio.clip(done.clip_id or "")
            assert clip.request is not None and clip.request.prompt == clean_prompt(prompt) == job.request.prompt
            assert (read_comment(clip.path) or {})["request"]["prompt"] == clean_prompt(prompt)
        assert "\x00" not in jobs[2].request.prompt and "\x1b" not in jobs[2].request.prompt
        _video, info, _download = client.predict(jobs[3].clip_id, api_name="/show_clip")
        assert "<script>" not in info and "&lt;script&gt;" in info


@pytest.mark.parametrize(("field", "value"), BAD_SUBMIT, ids=[f"{f}={str(v)[:12]!r}" for f, v in BAD_SUBMIT])
def test_backend_refuses_each_bad_value(studio: Studio, field: str, value: Any) -> None:
    values: dict[str, Any] = {"prompt": "a fox", "seed": 1, "preset": "auto", "count": 1, **SMALL, field: value}
    with pytest.raises(StudioError) as refused:
        studio.submit(**values)
    assert refused.value.user_text() and "Traceback" not in refused.value.user_text()
    assert studio.jobs() == []


@pytest.mark.slow
def test_path_traversal_touches_nothing(paths: Paths, tmp_path: Path) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("must survive")
    with running_app(paths) as app:
        (job,) = app.studio.submit("the only clip", seed=1, **SMALL)
        clip_id = app.studio.queue.wait_for(job.id, ("done", "failed"), 60).clip_id or ""
        before, jobs_before, settings_before = tree(tmp_path), app.studio.jobs(), app.studio.settings
        accepted, calls = [], []
        for raw in TRAVERSALS:
            value = raw.format(canary=canary, clips=paths.clips_dir, clip=clip_id)
            status, body = raw_get(app, "/gradio_api/file=" + quote(value, safe="/~%:\\=."))
            if status not in (403, 404) or b"must survive" in body:
                accepted.append(("file=", value, str(status)))
            calls += [(route, (value, "fp8") if route == "/use_weights_folder" else (value,))
                      for route in TRAVERSAL_ROUTES]
        for (route, args), out in zip(calls, predict_all(app, calls), strict=True):
            where = TRAVERSAL_ROUTES[route]
            answer = html.unescape(str(out if where is None or isinstance(out, str) else out[where]))
            if not answer.startswith(("⚠️", "ℹ️")) or "Traceback" in answer:
                accepted.append((route, args[0], answer[:100]))
        assert accepted == []
        assert tree(tmp_path) == before and canary.read_text() == "must survive"
        assert app.studio.jobs() == jobs_before and app.studio.settings == settings_before
        assert [c.id for c in app.studio.clips()] == [clip_id]
