"""A bounded queue: at most MAX_WAITING jobs wait (a clear message past that, nothing added), Cancel all
waiting and Clear finished, and a queue file that stays small with 100 waiting and 1,000 finished jobs."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from backend.errors import BadRequest
from backend.jobs.job import Job
from backend.jobs.queue import HISTORY_LIMIT, MAX_WAITING, JobQueue
from backend.request import build_request
from backend.settings import Paths
from backend.studio import MAX_BATCH, Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine

QUEUE_FILE_LIMIT = 400_000
"""Bytes: 100 waiting + HISTORY_LIMIT finished jobs at ~0.8 kB each, with room to spare."""


def make(paths: Paths, engine: CpuTestEngine) -> Studio:
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    return studio


def fill(studio: Studio, n: int, seed: int = 1) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        count = min(MAX_BATCH, n - len(ids))
        ids += [j.id for j in studio.submit("wait", seed=seed + len(ids), count=count, **SMALL)]
    return ids


def test_at_most_100_wait_and_cancel_all_waiting_and_clear_finished(paths: Paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    try:
        (running,) = studio.submit("running", seed=1000, **SMALL)
        studio.queue.wait_for(running.id, ("running",), 10)
        waiting = fill(studio, MAX_WAITING)
        with pytest.raises(BadRequest, match=f"The queue is full: {MAX_WAITING} jobs are waiting and at most "
                                             f"{MAX_WAITING} may wait; nothing was added."):
            studio.submit("one too many", **SMALL)
        assert len(studio.jobs()) == MAX_WAITING + 1

        assert studio.cancel_all_waiting() == MAX_WAITING
        assert studio.job(running.id).status == "running"  # the running one goes on
        assert {studio.job(i).status for i in waiting} == {"cancelled"}
        (after,) = studio.submit("room again", seed=7, **SMALL)
        gate.set()
        assert studio.queue.wait_for(after.id, ("done", "failed"), 60).status == "done"
        assert studio.job(running.id).status == "done"
        assert studio.clear_finished() == MAX_WAITING + 2
        assert studio.jobs() == [] and len(studio.clips()) == 2  # clips stay in the gallery
    finally:
        studio.stop()
    assert json.loads(paths.queue_file.read_text(encoding="utf-8"))["jobs"] == []


def test_a_batch_that_would_pass_the_cap_adds_nothing(paths: Paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    try:
        (running,) = studio.submit("running", **SMALL)
        studio.queue.wait_for(running.id, ("running",), 10)
        fill(studio, MAX_WAITING - 3)
        with pytest.raises(BadRequest, match="The queue is full"):
            studio.submit("four more", count=4, **SMALL)
        assert len(studio.jobs()) == MAX_WAITING - 2
        studio.submit("three more", count=3, **SMALL)
    finally:
        gate.set()
        studio.stop()


def stored_queue(path: Path, waiting: int, finished: int) -> list[Job]:
    """A queue file as a long-running studio leaves it (written directly: a thousand clips take too long)."""
    now = time.time()
    jobs = [Job.new(build_request(f"finished {i} " + "a long prompt " * 20, 832, 480, 81, i, "auto", ""))
            .with_(status="done", clip_id=f"20260101-000000-{i}", finished_at=now + i) for i in range(finished)]
    jobs += [Job.new(build_request(f"waiting {i}", 832, 480, 81, i, "auto", "")) for i in range(waiting)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "jobs": [j.to_dict() for j in jobs]}), encoding="utf-8")
    return jobs


def test_finished_jobs_beyond_the_limit_are_pruned_and_the_file_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "queue.json"
    jobs = stored_queue(path, waiting=MAX_WAITING, finished=1000)
    queue = JobQueue(path)
    queue.restore()
    kept = queue.snapshot()
    assert [j.id for j in kept if j.status == "queued"] == [j.id for j in jobs[1000:]]  # every waiting job
    assert [j.id for j in kept if j.status == "done"] == [j.id for j in jobs[1000 - HISTORY_LIMIT:1000]]  # newest
    assert path.stat().st_size < QUEUE_FILE_LIMIT
    stored = json.loads(path.read_text(encoding="utf-8"))["jobs"]
    assert len(stored) == MAX_WAITING + HISTORY_LIMIT
