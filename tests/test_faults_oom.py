"""Out of VRAM, seen through the page: one automatic retry on the next lower preset with the same seed, the
user told what changed while it runs; a clear failure when that fails too, and the worker keeps serving."""

from __future__ import annotations

import html

import pytest

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.stage_hold import HoldingEngine
from tests.support.ui_app import running_app
from tests.test_ui_client import generate

pytestmark = pytest.mark.slow  # each test serves the page on a port

OOM_FAULTS = ("the chosen preset", "the chosen preset and the one below it")
"""Where out-of-VRAM is injected, one test each."""
RETRY_NOTE = "Ran out of GPU memory on the 12gb preset while denoising; retried once on 8gb with the same seed."


def queue_table(client) -> str:
    return html.unescape(client.predict(api_name="/queue_view"))


def test_oom_retries_on_the_lower_preset_and_the_page_says_so(paths: Paths) -> None:
    # Hold the retry in its encoding stage (the first attempt's encoding passes) to look at the page meanwhile.
    engine = HoldingEngine(oom_presets=("12gb",), hold_at=("encoding", 0), skip=1)
    with running_app(paths, engine) as app:
        client = app.client()
        generate(client, "too big for twelve", size="832x480", seed=4321, seed_lock=True, preset="12gb")
        (job,) = app.studio.jobs()
        assert engine.reached.wait(30)
        assert RETRY_NOTE in queue_table(client)
        progress = html.unescape(client.predict(api_name="/progress")[0])
        assert "seed 4321, preset 8gb" in progress and "Encoding the prompt" in progress
        engine.release.set()

        done = app.studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.preset_used == "8gb" and done.notes == (RETRY_NOTE,)
        assert engine.renders == [("12gb", 4321), ("8gb", 4321)]
        _video, info, _download = client.predict(done.clip_id, api_name="/show_clip")
        assert RETRY_NOTE in html.unescape(info) and "seed 4321" in info
        assert RETRY_NOTE in queue_table(client)  # still there once it is done
        assert_gallery_whole(app.studio)


def test_oom_on_the_lower_preset_too_fails_clearly_and_the_worker_keeps_serving(paths: Paths) -> None:
    engine = CpuTestEngine(oom_presets=("12gb", "8gb"))
    with running_app(paths, engine) as app:
        client = app.client()
        generate(client, "too big for both", seed=7, seed_lock=True, preset="12gb")
        (job,) = app.studio.jobs()
        failed = app.studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert failed.status == "failed" and failed.error_kind == "out_of_vram"
        assert engine.renders == [("12gb", 7), ("8gb", 7)]  # exactly one retry, same seed
        progress = html.unescape(client.predict(api_name="/progress")[0])
        assert ("The last job failed: The GPU ran out of memory while denoising. Try fewer frames or a smaller "
                "size, and close other programs that use the GPU.") in progress
        table = queue_table(client)
        assert RETRY_NOTE in table and "ran out of memory" in table and "Traceback" not in table + progress

        generate(client, "fits on sixteen", seed=8, seed_lock=True, preset="16gb")
        after = app.studio.jobs()[-1]
        assert app.studio.queue.wait_for(after.id, ("done", "failed"), 60).status == "done"
        assert "Nothing is running" in client.predict(api_name="/progress")[0]
        assert_accounted(app.studio, [job.id, after.id])
        assert_gallery_whole(app.studio)
