"""The preview and drafts areas through gradio_client, against the real app on the CPU test engine."""

from __future__ import annotations

import re

import pytest

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import eventually, running_app
from tests.test_ui_client import generate

pytestmark = pytest.mark.slow  # each test serves the page on a port

STEP = re.compile(r'data-state="preview" data-job="(\w+)" data-step="(\d)"')


def test_preview_replaced_each_step_then_the_clip(paths: Paths) -> None:
    with running_app(paths, CpuTestEngine(step_delay=0.4)) as app:
        client = app.client()
        assert 'data-state="empty"' in client.predict(api_name="/preview")
        generate(client, "a red fox", size="832x480", frames=5)
        (job,) = app.studio.jobs()
        seen: set[int] = set()

        def stepped() -> bool:
            html = client.predict(api_name="/preview")
            html = html if isinstance(html, str) else ""  # unchanged: an empty update
            match = STEP.search(html)
            if match:
                assert match.group(1) == job.id and "data:image/webp;base64," in html
                seen.add(int(match.group(2)))
            return 'data-state="clip"' in html

        eventually(stepped, timeout=60, interval=0.02)
        clip = app.studio.clips()[0]
        assert clip.id == app.studio.queue.get(job.id).clip_id
        assert seen and seen <= {1, 2, 3, 4}, seen


def test_previews_switch_off_from_settings(paths: Paths) -> None:
    with running_app(paths, CpuTestEngine()) as app:
        client = app.client()
        client.predict(False, api_name="/previews_setting")
        assert app.studio.settings.previews is False
        generate(client, "a red fox", size="832x480", frames=5)
        (job,) = app.studio.jobs()
        app.studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert app.studio.queue.get(job.id).preview is None


def test_draft_seeds_then_choose_one(paths: Paths) -> None:
    with running_app(paths, CpuTestEngine()) as app:
        client = app.client()
        message = client.predict(3, "a red fox", "832x480", 5, 70, True, "auto", api_name="/draft_seeds")
        assert "Queued 3 drafts (seeds 70, 71, 72)" in message, message
        bad = client.predict(12, "a red fox", "832x480", 5, 70, True, "auto", api_name="/draft_seeds")
        assert "2 to 8" in bad and len(app.studio.jobs()) == 3

        def all_shown() -> dict | None:
            strip, choice = client.predict(api_name="/drafts")
            choices = choice.get("choices", []) if isinstance(choice, dict) else []
            ready = strip.count("data:image/webp;base64,") == 3 and len(choices) == 3
            return choice if ready else None

        choice = eventually(all_shown, timeout=60)
        seed_71 = next(value for label, value in choice["choices"] if label == "seed 71")
        assert "seed 71" in client.predict(seed_71, api_name="/choose_draft")
        assert "Choose a finished draft" in client.predict(None, api_name="/choose_draft")
        clip_job = next(j for j in app.studio.jobs() if j.kind == "clip")
        done = app.studio.queue.wait_for(clip_job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.request.seed == 71
        assert [c.id for c in app.studio.clips()] == [done.clip_id]
