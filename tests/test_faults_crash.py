"""Process killed mid-job: a real Studio process gets SIGKILL while rendering or while saving a clip; a new
Studio on the same folders must find the queue intact, the job marked interrupted, no partial clip listed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.studio_proc import StudioProcess

pytestmark = [pytest.mark.skipif(os.name != "posix", reason="the harness uses SIGKILL"), pytest.mark.slow]
CRASH_POINTS = ("rendering", "saving")
"""Where the SIGKILL lands: inside a denoising step, or with the clip encoded but not yet published."""
WAITING = 3


def restart(home: Path, engine: CpuTestEngine) -> Studio:
    studio = Studio(Paths.default(home), engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    return studio


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_mid_job_loses_nothing(tmp_path: Path, point: str) -> None:
    home = tmp_path / "home"
    partial: Path | None = None
    with StudioProcess(home) as proc:
        (before,) = proc.call("submit", prompt="made before the crash", seed=1, **SMALL)["ids"]
        assert proc.call("wait", id=before, statuses=["done", "failed"])["status"] == "done"
        if point == "saving":
            proc.call("hold_save")
            (killed,) = proc.call("submit", prompt="being saved at the crash", seed=5, **SMALL)["ids"]
            partial = Path(proc.call("wait_save_held")["partial"])
            assert proc.call("wait", id=killed, statuses=["saving"])["status"] == "saving"
            proc.call("hold_render")  # so the jobs behind it are still waiting when the process dies
            waiting = proc.call("submit", prompt="queued at the crash", seed=10, count=WAITING, **SMALL)["ids"]
            assert proc.call("wait", id=waiting[0], statuses=["running"])["status"] == "running"
        else:
            proc.call("hold_render")
            killed, *waiting = proc.call("submit", prompt="queued at the crash", seed=10, count=WAITING + 1,
                                         **SMALL)["ids"]
            assert proc.call("wait", id=killed, statuses=["running"])["status"] == "running"
        proc.kill()
    if partial is not None:
        assert partial.exists() and partial.name.startswith(".")  # the crash really left a half-saved clip

    gate = threading.Event()  # closed: the restarted worker takes the first waiting job and holds it
    studio = restart(home, CpuTestEngine(gate=gate))
    try:
        if partial is not None:
            assert not partial.exists()
        first_waiting = waiting[1] if point == "saving" else waiting[0]
        studio.queue.wait_for(first_waiting, ("running",), 20)
        jobs = studio.jobs()
        statuses = {j.id: j.status for j in jobs}
        assert statuses[killed] == "interrupted" and statuses[before] == "done"
        # Queued jobs kept their order: the worker took the first one still waiting; the rest wait behind it.
        still_waiting = [j.id for j in jobs if j.status == "queued"]
        assert still_waiting == [j for j in waiting if statuses[j] == "queued"] and first_waiting not in still_waiting
        assert studio.clips()[0].id == studio.queue.get(before).clip_id and len(studio.clips()) == 1
        assert_gallery_whole(studio)
        interrupted = [j for j in jobs if j.status == "interrupted"]
        assert all("Re-queue it" in (j.error or "") for j in interrupted)
        assert f"{len(interrupted)} job(s) were cut short when the app stopped" in " ".join(studio.notes)

        again = [studio.requeue(j.id) for j in interrupted]
        assert again[0].request == studio.queue.get(killed).request  # same prompt, size and seed
        gate.set()
        to_finish = [j for j in waiting if statuses[j] != "interrupted"] + [j.id for j in again]
        for job_id in to_finish:
            assert studio.queue.wait_for(job_id, ("done", "failed", "cancelled"), 60).status == "done"
        accounted = assert_accounted(studio, [before, killed, *waiting])
        assert sum(j.status == "done" for j in accounted.values()) == 1 + len(to_finish)
        assert_gallery_whole(studio)
    finally:
        gate.set()
        studio.stop()
