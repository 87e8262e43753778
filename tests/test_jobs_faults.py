"""Queue and worker faults each checked by reintroducing its bug: a cancel survives a restart, a queue save
that fails loses no job, a plain engine error fails only its job in one sentence, and out of VRAM on the lowest
preset fails at once without a retry."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

import backend.jobs.queue
from backend.engine.base import CancelToken, EngineConfig, EventSink, RenderedVideo
from backend.request import GenerationRequest
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole


def make(paths: Paths, engine: CpuTestEngine) -> Studio:
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    return studio


def test_cancelling_a_waiting_job_survives_a_restart(paths: Paths) -> None:
    gate = threading.Event()
    studio = make(paths, CpuTestEngine(gate=gate))
    a, b, c = studio.submit("x", seed=1, count=3, **SMALL)
    studio.queue.wait_for(a.id, ("running",), 10)
    assert studio.cancel(b.id).status == "cancelled"
    # On disk at once: a crash now (before any other save) must not bring it back as waiting.
    stored = {j["id"]: j["status"] for j in json.loads(paths.queue_file.read_text(encoding="utf-8"))["jobs"]}
    assert stored == {a.id: "running", b.id: "cancelled", c.id: "queued"}
    studio.queue.close()
    gate.set()
    studio.stop()
    engine = CpuTestEngine()
    again = make(paths, engine)
    try:
        assert again.queue.wait_for(c.id, ("done", "failed"), 60).status == "done"
        assert again.job(b.id).status == "cancelled" and again.job(b.id).error == "Cancelled before it started."
        assert [seed for _preset, seed in engine.renders] == [3]  # the cancelled one never ran
        assert_accounted(again, [a.id, b.id, c.id])
    finally:
        again.stop()


def test_a_queue_save_that_fails_loses_no_job(paths: Paths, monkeypatch, caplog) -> None:
    real = backend.jobs.queue.write_bytes_atomic
    failing = {"on": True}

    def write(path: Path, data: bytes) -> None:
        if failing["on"]:
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    studio = make(paths, CpuTestEngine())
    try:
        monkeypatch.setattr(backend.jobs.queue, "write_bytes_atomic", write)
        jobs = studio.submit("saved while the disk is full", seed=4, count=2, **SMALL)  # no exception
        for job in jobs:
            assert studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
        assert "Could not save the queue" in caplog.text and "No space left" in caplog.text
        failing["on"] = False
        (later,) = studio.submit("after space was freed", seed=9, **SMALL)
        studio.queue.wait_for(later.id, ("done", "failed"), 60)
    finally:
        studio.stop()
    stored = {j["id"]: j["status"] for j in json.loads(paths.queue_file.read_text(encoding="utf-8"))["jobs"]}
    assert stored == {j.id: "done" for j in [*jobs, later]}  # the first save that worked wrote them all
    again = make(paths, CpuTestEngine())
    try:
        assert_accounted(again, [j.id for j in [*jobs, later]])
        assert_gallery_whole(again)
    finally:
        again.stop()


class CrashOnce(CpuTestEngine):
    """Raises what a driver fault looks like from torch (a plain RuntimeError over several lines), once."""

    def render(self, request: GenerationRequest, config: EngineConfig, on_event: EventSink,
               cancel: CancelToken, **extras: Any) -> RenderedVideo:
        if not self.renders:
            self.renders.append((config.preset.name, request.seed))
            raise RuntimeError("CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be "
                               "asynchronously reported at some other API call.\nCompile with TORCH_USE_CUDA_DSA.")
        return super().render(request, config, on_event, cancel, **extras)


def test_a_plain_engine_error_fails_that_job_in_one_sentence_and_the_next_runs(paths: Paths) -> None:
    engine = CrashOnce()
    studio = make(paths, engine)
    try:
        first, second = studio.submit("x", seed=1, count=2, **SMALL)
        failed = studio.queue.wait_for(first.id, ("done", "failed"), 60)
        assert failed.status == "failed" and failed.error_kind == "engine_failed"
        assert failed.error == ("The engine failed: CUDA error: an illegal memory access was encountered. See the "
                                "log file for details.")
        assert studio.queue.wait_for(second.id, ("done", "failed"), 60).status == "done"
        assert studio.engine_state.state != "error"
        assert_accounted(studio, [first.id, second.id])
    finally:
        studio.stop()


@pytest.mark.parametrize("preset", ["8gb"])
def test_out_of_vram_on_the_lowest_preset_fails_clearly_without_a_retry(paths: Paths, preset: str) -> None:
    engine = CpuTestEngine(oom_presets=(preset,))
    studio = make(paths, engine)
    try:
        (job,) = studio.submit("x", seed=21, preset=preset, **SMALL)
        failed = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert engine.renders == [(preset, 21)]  # once: there is nothing lower to retry on
        assert failed.status == "failed" and failed.error_kind == "out_of_vram" and failed.notes == ()
        assert failed.error == ("The GPU ran out of memory while denoising. Try fewer frames or a smaller size, and "
                                "close other programs that use the GPU.")
    finally:
        studio.stop()
