"""Cancel storms through the page: cancel at every stage, twice, after the end, and from three tabs at once.
A cancel is never recorded as a failure, nothing half-made is kept, and the next job always runs."""

from __future__ import annotations

import random
import threading
import time

import pytest

import backend.gallery
from backend.settings import Paths
from tests.conftest import SMALL
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.stage_hold import HoldingEngine, SaveHold
from tests.support.ui_app import running_app
from tests.test_ui_client import generate

CANCEL_POINTS: dict[str, tuple[str, int] | None] = {
    "loading": ("loading", 0),
    "encoding": ("encoding", 0),
    "between steps": ("denoising", 2),
    "decoding": ("decoding", 0),
    "saving": None,  # held in the clip writer instead of the engine
}
"""Where the first cancel lands, as (stage, step) events the engine reports."""
CANCELS_PER_POINT = 4
"""Twice while the job is held there, once after it stopped, once on the job that ran after it."""
STORM_TABS, STORM_CANCELS_PER_TAB, STORM_JOBS = 3, 20, 12
CANCEL_REPLIES = ("✅ Cancel", "⚠️ This job is already", "ℹ️ Nothing is running.")
"""Every answer a cancel may get; anything else (such as 'Something went wrong') fails the test."""


@pytest.mark.slow
@pytest.mark.parametrize("point", list(CANCEL_POINTS))
def test_cancel_at_each_stage_twice_then_after_the_end(paths: Paths, monkeypatch, point: str) -> None:
    hold_at = CANCEL_POINTS[point]
    engine = HoldingEngine(hold_at=hold_at, load_delay=0.05)
    saving = SaveHold()
    if hold_at is None:
        monkeypatch.setattr(backend.gallery, "write_mp4", saving.wrap(backend.gallery.write_mp4))
    reached = saving.reached if hold_at is None else engine.reached
    with running_app(paths, engine) as app:
        client = app.client()
        generate(client, "cancel me", count=2, seed=10, seed_lock=True, size="832x480")
        target, after = app.studio.jobs()
        try:
            assert reached.wait(30), f"never reached {point}"
            held = app.studio.queue.get(target.id)
            expected = ("saving", "saving") if hold_at is None else ("running", hold_at[0])
            assert (held.status, held.progress.stage) == expected
            # The page's Cancel button acts on the job on the GPU; a clip being written is cancelled by id.
            answers = [client.predict(target.id, api_name="/cancel_job") if hold_at is None else
                       client.predict(api_name="/cancel_running"),
                       client.predict(target.id, api_name="/cancel_job")]
            assert all(a.startswith("✅ Cancelling") for a in answers), answers
            assert app.studio.queue.get(target.id).status == held.status  # it stops at its next check, not now
        finally:
            engine.release.set()
            saving.release.set()
        stopped = app.studio.queue.wait_for(target.id, ("done", "failed", "cancelled"), 30)
        assert stopped.status == "cancelled" and stopped.error_kind == "cancelled" and stopped.clip_id is None
        answers.append(client.predict(target.id, api_name="/cancel_job"))
        assert "already cancelled" in answers[-1]
        assert app.studio.queue.wait_for(after.id, ("done", "failed", "cancelled"), 60).status == "done"
        answers.append(client.predict(after.id, api_name="/cancel_job"))
        assert "already done" in answers[-1] and len(answers) == CANCELS_PER_POINT
        assert [c.id for c in app.studio.clips()] == [app.studio.queue.get(after.id).clip_id]
        assert_gallery_whole(app.studio)


@pytest.mark.slow
def test_cancel_storm_from_three_tabs(paths: Paths) -> None:
    engine = CpuTestEngine(step_delay=0.01, encode_delay=0.005, decode_delay=0.005)
    with running_app(paths, engine) as app:
        jobs = app.studio.submit("storm", count=STORM_JOBS, seed=100, **SMALL)
        ids = [j.id for j in jobs]
        replies: list[str] = []
        lock = threading.Lock()

        def tab(number: int) -> None:
            client, rng = app.client(), random.Random(number)
            for _ in range(STORM_CANCELS_PER_TAB):
                if rng.random() < 0.3:
                    answer = client.predict(api_name="/cancel_running")
                else:
                    answer = client.predict(rng.choice(ids), api_name="/cancel_job")
                with lock:
                    replies.append(answer)
                time.sleep(rng.uniform(0.0, 0.03))

        tabs = [threading.Thread(target=tab, args=(n,)) for n in range(STORM_TABS)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join(120)
        assert len(replies) == STORM_TABS * STORM_CANCELS_PER_TAB
        unexpected = [r for r in replies if not r.startswith(CANCEL_REPLIES)]
        assert unexpected == [], unexpected
        finals = [app.studio.queue.wait_for(i, ("done", "failed", "cancelled"), 60).status for i in ids]
        assert "failed" not in finals and "cancelled" in finals, finals

        (last,) = app.studio.submit("after the storm", seed=1, **SMALL)  # the worker is not stuck
        assert app.studio.queue.wait_for(last.id, ("done", "failed", "cancelled"), 60).status == "done"
        accounted = assert_accounted(app.studio, [*ids, last.id])
        assert len(app.studio.clips()) == sum(j.status == "done" for j in accounted.values())
        assert_gallery_whole(app.studio, play=False)
