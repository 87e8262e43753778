"""Queue and worker with the CPU test engine: cancel, restart, OOM retry, batches, nothing lost."""

from __future__ import annotations

import json
import threading
import time

import pytest

from backend.errors import BadRequest, NotFound, StudioError
from backend.jobs.queue import JobQueue
from backend.request import build_request
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.stage_hold import HoldingEngine


def make(paths, engine: CpuTestEngine, gpu: FakeGpu | None = None) -> Studio:
    studio = Studio(paths, engine, gpu=gpu or FakeGpu(), host_ram=64.0)
    studio.start()
    return studio


def test_cancel_queued_job_while_another_runs(paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    try:
        a, b, c = studio.submit("x", seed=1, count=3, **SMALL)
        studio.queue.wait_for(a.id, ("running",), 10)
        assert studio.cancel(b.id).status == "cancelled"
        gate.set()
        assert studio.queue.wait_for(c.id, ("done", "failed"), 60).status == "done"
        assert studio.queue.get(a.id).status == "done"
        assert studio.queue.get(b.id).status == "cancelled"
        assert len(studio.clips()) == 2
    finally:
        studio.stop()


def test_cancel_finished_and_unknown_jobs(studio: Studio) -> None:
    (job,) = studio.submit("x", seed=1, **SMALL)
    studio.queue.wait_for(job.id, ("done",), 60)
    with pytest.raises(BadRequest, match="already done"):
        studio.cancel(job.id)
    with pytest.raises(NotFound):
        studio.cancel("../../etc/passwd")


def test_batch_seeds_count_up_or_are_random(studio: Studio) -> None:
    jobs = studio.submit("x", seed=4294967295, count=3, **SMALL)
    assert [j.request.seed for j in jobs] == [4294967295, 0, 1]
    randoms = studio.submit("x", seed=None, count=4, **SMALL)
    assert len({j.request.seed for j in randoms}) == 4
    with pytest.raises(BadRequest, match="1 to 16"):
        studio.submit("x", count=99, **SMALL)


def test_bad_request_queues_nothing(studio: Studio) -> None:
    before = len(studio.jobs())
    for bad in ({"frames": 80}, {"width": 100}, {"seed": -3}, {"preset": "99gb"}, {"frames": 161, "preset": "8gb"}):
        with pytest.raises(StudioError):
            studio.submit("x", **{**SMALL, **bad})
    assert len(studio.jobs()) == before


def test_preset_limit_message(studio: Studio) -> None:
    with pytest.raises(BadRequest, match="8gb preset allows at most 81 frames"):
        studio.submit("x", width=256, height=256, frames=121, preset="8gb")


def test_queue_persists_and_running_job_comes_back_interrupted(paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    a, b = studio.submit("persist me", seed=11, count=2, **SMALL)
    studio.queue.wait_for(a.id, ("running",), 10)
    stored = json.loads(paths.queue_file.read_text())
    assert [j["status"] for j in stored["jobs"]] == ["running", "queued"]
    # Simulate a crash: a new process reads the same files while the old one never finished.
    restored = JobQueue(paths.queue_file)
    restored.restore()
    jobs = {j.id: j for j in restored.snapshot()}
    assert jobs[a.id].status == "interrupted" and "Re-queue" in (jobs[a.id].error or "")
    assert jobs[b.id].status == "queued" and jobs[b.id].request.seed == 12
    again = restored.requeue(a.id)
    assert again.status == "queued" and again.request == jobs[a.id].request
    gate.set()
    studio.stop()


def test_restart_resumes_queued_jobs(paths) -> None:
    """A clean stop lets the running job finish and leaves the waiting one queued; the next start runs it."""
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    a, b = studio.submit("x", seed=1, count=2, **SMALL)
    studio.queue.wait_for(a.id, ("running",), 10)
    studio.queue.close()  # what stop() does first: the worker takes nothing more once the running job ends
    gate.set()
    studio.stop()
    stored = {j["id"]: j["status"] for j in json.loads(paths.queue_file.read_text(encoding="utf-8"))["jobs"]}
    assert stored == {a.id: "done", b.id: "queued"}
    engine = CpuTestEngine()
    second = make(paths, engine)
    try:
        assert second.queue.wait_for(b.id, ("done", "failed"), 60).status == "done"
        assert second.job(a.id).status == "done" and [seed for _preset, seed in engine.renders] == [2]  # b only
        assert len(second.clips()) == 2
    finally:
        second.stop()


def test_oom_retries_once_on_lower_preset_with_same_seed(paths) -> None:
    engine = CpuTestEngine(oom_presets=("12gb",))
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("x", seed=77, preset="12gb", **SMALL)
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.preset_used == "8gb"
        assert engine.renders == [("12gb", 77), ("8gb", 77)]
        assert "retried once on 8gb with the same seed" in done.notes[0]
        assert studio.clip(done.clip_id).record.notes == done.notes
    finally:
        studio.stop()


def test_oom_on_lowest_preset_fails_clearly_and_worker_keeps_serving(paths) -> None:
    engine = CpuTestEngine(oom_presets=("8gb", "12gb"))
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("x", seed=5, preset="12gb", **SMALL)
        failed = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert failed.status == "failed" and failed.error_kind == "out_of_vram"
        assert "ran out of memory" in failed.error and "fewer frames" in failed.error
        engine.oom_presets = ()
        (ok,) = studio.submit("x", seed=6, preset="12gb", **SMALL)
        assert studio.queue.wait_for(ok.id, ("done", "failed"), 60).status == "done"
    finally:
        studio.stop()


def test_engine_error_is_one_sentence_and_next_job_runs(paths) -> None:
    from backend.errors import EngineUnavailable

    engine = CpuTestEngine(fail_with=EngineUnavailable("The engine is broken.", "Reinstall it."))
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("x", seed=5, **SMALL)
        failed = studio.queue.wait_for(job.id, ("failed",), 60)
        assert failed.error == "The engine is broken. Reinstall it." and "Traceback" not in failed.error
        engine.fail_with = None
        (ok,) = studio.submit("x", seed=6, **SMALL)
        assert studio.queue.wait_for(ok.id, ("done", "failed"), 60).status == "done"
    finally:
        studio.stop()


def test_progress_advances_with_eta_after_first_clip(paths) -> None:
    engine = HoldingEngine(hold_at=("encoding", 0), skip=1)  # the second clip: held as it starts, at steps 2, 3
    studio = make(paths, engine)
    try:
        first, second = studio.submit("x", seed=1, count=2, **SMALL)
        seen = []
        for next_hold in (("denoising", 2), ("denoising", 3), None):
            assert engine.reached.wait(30)
            if not seen:  # the first clip's timings are learnt once it is done
                assert studio.wait_for_job(first.id, timeout=60).status == "done"
            seen.append(studio.job(second.id).progress)
            held, engine.release = engine.release, threading.Event()
            engine.reached.clear()
            engine.hold_at = next_hold
            held.set()
        assert studio.wait_for_job(second.id, timeout=60).status == "done"
        steps = seen[1:]  # seen[0]: the start, reported before the first clip's timings were learnt
        assert [(p.stage, p.step) for p in seen] == [("encoding", 0), ("denoising", 2), ("denoising", 3)]
        assert all(p.eta_s is not None for p in steps)  # learnt from the first clip of the same shape
        assert seen[0].fraction < steps[0].fraction < steps[1].fraction < 1
    finally:
        engine.release.set()
        studio.stop()


def test_progress_never_moves_back_when_the_previous_clip_is_learnt_mid_render(paths, monkeypatch) -> None:
    """The first clip is still saving while the second renders; its timings (a long save) arrive between
    the second's steps 2 and 3 and would move the bar back from the defaults' 45 %."""
    import backend.gallery
    from tests.support.stage_hold import SaveHold

    saving = SaveHold()
    monkeypatch.setattr(backend.gallery, "write_mp4", saving.wrap(backend.gallery.write_mp4))
    engine = HoldingEngine(hold_at=("denoising", 2), skip=1)
    studio = make(paths, engine)
    try:
        first, second = studio.submit("x", seed=1, count=2, **SMALL)
        assert saving.reached.wait(30) and engine.reached.wait(30)
        at_2 = studio.job(second.id).progress
        time.sleep(0.5)  # the first clip's save, and so its share of the learnt time, grows
        saving.release.set()
        assert studio.wait_for_job(first.id, timeout=60).status == "done"
        held, engine.release = engine.release, threading.Event()
        engine.reached.clear()
        engine.hold_at = ("denoising", 3)
        held.set()
        assert engine.reached.wait(30)
        at_3 = studio.job(second.id).progress
        engine.release.set()
        assert studio.wait_for_job(second.id, timeout=60).status == "done"
        assert (at_2.step, at_3.step) == (2, 3) and at_3.eta_s is not None
        assert at_3.fraction >= at_2.fraction
    finally:
        engine.release.set()
        saving.release.set()
        studio.stop()


def test_requeue_rules(studio: Studio) -> None:
    (job,) = studio.submit("x", seed=1, **SMALL)
    studio.queue.wait_for(job.id, ("done",), 60)
    with pytest.raises(BadRequest, match="Only failed, cancelled or interrupted"):
        studio.requeue(job.id)


def test_stored_job_with_invalid_request_is_skipped(paths) -> None:
    good = build_request("fine", seed=1, **SMALL)
    from backend.jobs.job import Job

    bad = Job.new(good).to_dict()
    bad["request"]["frames"] = 80
    paths.queue_file.write_text(json.dumps({"version": 1, "jobs": [Job.new(good).to_dict(), bad]}))
    q = JobQueue(paths.queue_file)
    notes = q.restore()
    assert len(q.snapshot()) == 1 and "1 stored job(s) could not be read" in notes[0]


def test_take_next_wakes_for_a_request_but_jobs_come_first(tmp_path) -> None:
    queue = JobQueue(tmp_path / "queue.json")
    wanted = threading.Event()
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(queue.take_next(timeout=10, wake_if=wanted.is_set)))
    waiter.start()
    time.sleep(0.05)
    assert waiter.is_alive()  # nothing to do: it waits
    wanted.set()
    queue.poke()
    waiter.join(5)
    assert got == [None] and not queue.closed  # woken for the request, not closed
    (job,) = queue.enqueue([build_request("first", seed=1, **SMALL)])
    taken = queue.take_next(timeout=1, wake_if=wanted.is_set)
    assert taken is not None and taken[0].id == job.id  # a queued job wins over the request
    queue.close()
    assert queue.take_next(timeout=1) is None and queue.closed
