"""The real worker, queue, writer and gallery on the CPU test engine."""

from __future__ import annotations

import threading
import weakref

from backend.request import FPS
from backend.studio import Studio
from backend.video import probe, read_comment
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine


def test_generate_writes_real_mp4_with_metadata(studio: Studio) -> None:
    (job,) = studio.submit("a red fox in snow", seed=7, **SMALL)
    done = studio.queue.wait_for(job.id, ("done", "failed"), timeout=60)
    assert done.status == "done", done.error
    clip = studio.clip(done.clip_id)
    info = probe(clip.path)
    assert info["frames"] == 5 and info["size"] == (256, 256) and info["fps"] == FPS
    meta = read_comment(clip.path)
    assert meta is not None and meta["seed"] == 7 and meta["request"]["prompt"] == "a red fox in snow"
    assert clip.path.with_suffix(".json").exists()
    assert [c.id for c in studio.clips()] == [clip.id]


def test_cancel_running_then_next_job_runs(paths, tmp_path) -> None:
    gate = threading.Event()
    engine = CpuTestEngine(gate=gate)
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0)
    studio.start()
    try:
        first, second = studio.submit("one", seed=1, count=2, **SMALL)
        studio.queue.wait_for(first.id, ("running",), timeout=10)
        studio.cancel(first.id)
        gate.set()
        assert studio.queue.wait_for(first.id, ("cancelled", "failed", "done"), 30).status == "cancelled"
        assert studio.queue.wait_for(second.id, ("done", "failed"), 60).status == "done"
        assert second.request.seed == 2
        assert len(studio.clips()) == 1
    finally:
        studio.stop()


def wait_until(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_free_gpu_unloads_when_idle_and_the_next_job_loads_again(paths) -> None:
    engine = CpuTestEngine()
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        assert studio.free_engine() == (False, "The model is not loaded: there is nothing to free.")
        (first,) = studio.submit("load it", seed=1, **SMALL)
        assert studio.queue.wait_for(first.id, ("done", "failed"), 60).status == "done"
        assert engine.loads == 1 and studio.engine_state.state == "ready"
        asked, text = studio.free_engine()
        assert asked and "given back" in text
        wait_until(lambda: studio.engine_state.state == "idle")
        assert engine._key is None and "Model unloaded" in studio.engine_state.detail
        (second,) = studio.submit("loads again", seed=2, **SMALL)
        assert studio.queue.wait_for(second.id, ("done", "failed"), 60).status == "done"
        assert engine.loads == 2 and len(studio.clips()) == 2
    finally:
        studio.stop()


def test_free_gpu_while_busy_waits_for_the_queue_to_empty(paths) -> None:
    gate = threading.Event()
    engine = CpuTestEngine(gate=gate)
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        first, second = studio.submit("busy", seed=1, count=2, **SMALL)
        studio.queue.wait_for(first.id, ("running",), timeout=10)
        assert studio.free_engine() == (True, "The model will be unloaded when the queue is empty.")
        gate.set()
        for job in (first, second):  # both still run, on the loaded model
            assert studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
        wait_until(lambda: studio.engine_state.state == "idle")
        assert engine.loads == 1 and engine._key is None and not studio.worker.unload_pending
    finally:
        studio.stop()


class HeldByTraceback:
    """Stands for the GPU tensors a failed attempt's frames still reference."""


class OomKeepsFrames(CpuTestEngine):
    """Runs out of VRAM on 12gb with a big object in the failing frame, like LightX2V's activations."""

    def __init__(self) -> None:
        super().__init__(oom_presets=("12gb",))
        self.held: list[weakref.ref[HeldByTraceback]] = []
        self.alive_at_retry: list[bool] = []

    def render(self, request, config, on_event, cancel, *args, **kwargs):
        if config.preset.name != "12gb":
            self.alive_at_retry = [ref() is not None for ref in self.held]
            return super().render(request, config, on_event, cancel, *args, **kwargs)
        activations = HeldByTraceback()  # a local of the frame the error's traceback keeps
        self.held.append(weakref.ref(activations))
        return super().render(request, config, on_event, cancel, *args, **kwargs)


def test_oom_retry_runs_after_the_failed_attempt_is_released(paths) -> None:
    engine = OomKeepsFrames()
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (job,) = studio.submit("too big for twelve", seed=3, preset="12gb", **SMALL)
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.preset_used == "8gb"
        assert engine.renders == [("12gb", 3), ("8gb", 3)]
        assert engine.alive_at_retry == [False]  # nothing of the failed attempt was alive when the retry started
    finally:
        studio.stop()
