"""After "Free GPU memory" (and after a preset change) nothing of the old pipeline may stay alive: on an H200
the clip after Free GPU memory ran with the old pipeline's GPU memory and 19 GB of pinned RAM still taken.
Against the recording LightX2V fake, with every object the adapter hangs on a runner in use: the step hook
with previews, the sharper previews' decoder, a LoRA branch, a cancelled job, a failed one, LightX2V's
gc.freeze() and the last clip's frames still held by whoever saves them."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from backend.engine.base import CancelToken, RenderExtras
from backend.engine.lightx2v import LightX2VEngine
from backend.errors import Cancelled, OutOfVram
from backend.lora.folders import LoraLibrary
from backend.request import build_request
from tests.support.fake_lightx2v import Recorder
from tests.test_lightx2v_adapter import config, rec, weights
from tests.test_lightx2v_preview import Taken
from tests.test_lora_adapter import library, prepared
from tests.test_preview_decoder_engine import place_decoder

__all__ = ["library", "rec", "weights"]  # fixtures


def render(engine: LightX2VEngine, weights: Path, cancel: CancelToken | None = None, loras: Any = None) -> Any:
    request = build_request("a cat", 256, 256, 9, seed=5)
    return engine.render(request, config(weights, "16gb"), lambda e: None, cancel or CancelToken(), loras=loras,
                         extras=RenderExtras(previews=Taken()))


def alive(refs: list[weakref.ref]) -> list[str]:
    gc.collect()
    return [type(o).__name__ for o in (r() for r in refs) if o is not None]


def watch(rec: Recorder) -> list[weakref.ref]:
    """Weak references to every pipeline the fake built and what hangs on it, then the fake's own list dropped."""
    refs = []
    for pipe in rec.pipelines:
        refs.append(weakref.ref(pipe))
        runner = getattr(pipe, "runner", None)
        if runner is not None:
            refs += [weakref.ref(runner), weakref.ref(runner.model.scheduler)]
    rec.pipelines.clear()
    return refs


def test_nothing_of_the_old_pipeline_outlives_free_gpu_memory(rec: Recorder, weights: Path,
                                                               library: LoraLibrary) -> None:
    place_decoder(weights)
    rec.freeze_gc = True
    engine = LightX2VEngine()
    try:
        kept = [render(engine, weights, loras=prepared(library, ("style.safetensors", 0.5)))]  # LoRA + tiny decoder
        kept.append(render(engine, weights))  # the branch removed again
        cancel = CancelToken()
        cancel.cancel()
        with pytest.raises(Cancelled) as cancelled:
            render(engine, weights, cancel)
        errors: list[BaseException] = [cancelled.value]  # kept, as a caller could keep an error and its traceback
        rec.fail_at_step = 2
        with pytest.raises(OutOfVram) as failed:
            render(engine, weights)  # drops that pipeline: the next render builds another
        errors.append(failed.value)
        rec.fail_at_step = None
        kept.append(render(engine, weights))
        refs = watch(rec)
        assert len(refs) == 6 and engine._hooks is not None and engine._hooks.tiny.ready
        hooks = weakref.ref(engine._hooks)
        engine.unload()
        assert alive([*refs, hooks]) == []
        assert [v.rgb().shape for v in kept] == [(9, 256, 256, 3)] * 3  # the frames outlive the pipeline
    finally:
        gc.unfreeze()
