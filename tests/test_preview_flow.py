"""Previews and drafts through the real Studio, worker, queue and preview thread on the CPU test engine."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from backend.errors import BadRequest
from backend.jobs.queue import JobQueue
from backend.preview.latent_rgb import latents_to_rgb
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuScheduler, CpuTestEngine
from tests.test_worker_flow import wait_until


def make(paths: Paths, engine: CpuTestEngine) -> Studio:
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0)
    studio.start()
    return studio


def test_each_step_publishes_a_preview_of_x0(paths: Paths) -> None:
    gate = threading.Event()
    engine = CpuTestEngine(gate=gate)
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("a fox", seed=11, **SMALL)
        studio.queue.wait_for(job.id, ("running",), 10)
        gate.set()  # steps run; the preview of the last one must land whatever was skipped before it
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done", done.error
        wait_until(lambda: (p := studio.queue.get(job.id).preview) is not None and p.step == 4)
        preview = studio.queue.get(job.id).preview
        assert preview is not None and preview.total_steps == 4 and preview.made_at >= preview.step_ended_at
        image = Image.open(io.BytesIO(preview.read()))
        assert image.format == "WEBP" and image.n_frames == 2  # 5 frames → 2 latent frames
        # the first frame shows the scheduler's clean latents, through the linear map
        want = latents_to_rgb(CpuScheduler(done.request).clean)[0]
        got = np.asarray(image.convert("RGB").resize((want.shape[1], want.shape[0])))
        assert abs(float(got.mean()) - float(want.mean())) < 8
        assert studio.clips()[0].id == done.clip_id  # the clip is still made and listed
        # kept with the job across a restart
        restored = JobQueue(paths.queue_file)
        restored.restore()
        assert restored.get(job.id).preview == preview
    finally:
        gate.set()
        studio.stop()


def test_previews_off_in_settings(paths: Paths) -> None:
    studio = make(paths, CpuTestEngine())
    try:
        studio.update_settings(previews=False)
        (job,) = studio.submit("a fox", seed=1, **SMALL)
        assert studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
        assert studio.previews.wait_idle(10)
        assert studio.queue.get(job.id).preview is None and studio.previews.counts.offered == 0
        assert not list(paths.previews_dir.glob("*.webp"))
    finally:
        studio.stop()


def test_cancelled_job_keeps_its_last_preview(paths: Paths) -> None:
    engine = CpuTestEngine(step_delay=0.3)
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("a fox", seed=1, **SMALL)
        wait_until(lambda: studio.queue.get(job.id).preview is not None, 30)
        studio.cancel(job.id)
        final = studio.queue.wait_for(job.id, ("cancelled", "done", "failed"), 30)
        assert final.status == "cancelled"
        assert studio.previews.wait_idle(10)
        kept = studio.queue.get(job.id).preview
        assert kept is not None and Path(kept.path).exists() and kept.step < 4
    finally:
        studio.stop()


def test_previews_survive_the_oom_retry(paths: Paths) -> None:
    studio = make(paths, CpuTestEngine(oom_presets=("12gb",)))
    try:
        (job,) = studio.submit("a fox", seed=1, preset="12gb", **SMALL)
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.preset_used == "8gb"
        wait_until(lambda: (p := studio.queue.get(job.id).preview) is not None and p.step == 4)
    finally:
        studio.stop()


def test_drafts_stop_after_step_one_and_never_reach_the_gallery(paths: Paths) -> None:
    engine = CpuTestEngine()
    studio = make(paths, engine)
    try:
        studio.update_settings(previews=False)  # drafts make their preview anyway: it is their result
        drafts = studio.submit_drafts("a fox", seed=40, count=3, **SMALL)
        assert [d.kind for d in drafts] == ["draft"] * 3 and [d.request.seed for d in drafts] == [40, 41, 42]
        for d in drafts:
            finished = studio.queue.wait_for(d.id, ("done", "failed"), 60)
            assert finished.status == "done" and finished.clip_id is None
        assert studio.previews.wait_idle(10)
        for d in drafts:
            preview = studio.queue.get(d.id).preview
            assert preview is not None and preview.step == 1
        steps = [e.step for e in engine.events if e.stage == "denoising"]
        assert max(steps) == 1 and not [e for e in engine.events if e.stage == "decoding"]
        assert studio.clips() == []
        restored = JobQueue(paths.queue_file)  # drafts stay drafts across a restart
        restored.restore()
        assert {restored.get(d.id).kind for d in drafts} == {"draft"}
        chosen = studio.choose_draft(drafts[1].id)
        assert chosen.kind == "clip" and chosen.request == drafts[1].request
        done = studio.queue.wait_for(chosen.id, ("done", "failed"), 60)
        assert done.status == "done" and engine.renders[-1][1] == 41
        assert [c.id for c in studio.clips()] == [done.clip_id]
    finally:
        studio.stop()


def test_draft_count_and_choice_are_checked(paths: Paths) -> None:
    studio = make(paths, CpuTestEngine())
    try:
        for bad in (1, 9, "x"):
            try:
                studio.submit_drafts("a fox", count=bad, **SMALL)
            except BadRequest as err:
                assert "drafts" in err.user_text()
            else:
                raise AssertionError(f"{bad!r} accepted")
        (clip,) = studio.submit("a fox", **SMALL)
        try:
            studio.choose_draft(clip.id)
        except BadRequest as err:
            assert "draft" in err.user_text()
        else:
            raise AssertionError("a clip was chosen as a draft")
        assert len(studio.jobs()) == 1  # nothing else was queued
    finally:
        studio.stop()


def test_a_draft_can_be_cancelled(paths: Paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    try:
        first, second = studio.submit_drafts("a fox", count=2, **SMALL)
        studio.queue.wait_for(first.id, ("running",), 10)
        studio.cancel(second.id)
        studio.cancel(first.id)
        gate.set()
        assert studio.queue.wait_for(first.id, ("cancelled", "done"), 30).status == "cancelled"
        assert studio.queue.get(second.id).status == "cancelled"
    finally:
        gate.set()
        studio.stop()
