"""End to end on a real GPU: the Studio → worker → LightX2V adapter → clip writer, with synthetic weights.

Marked `gpu` (excluded by default). Run on a CUDA machine with LightX2V importable and synthetic weights
written by `python -m bench.synth_weights --out DIR`:
    WAN_STUDIO_GPU_WEIGHTS=DIR python -m pytest -m gpu tests/test_gpu_engine.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from backend.settings import Paths
from backend.studio import Studio
from backend.video import probe

pytestmark = pytest.mark.gpu
WEIGHTS = os.environ.get("WAN_STUDIO_GPU_WEIGHTS")


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory):
    if not WEIGHTS:
        pytest.skip("WAN_STUDIO_GPU_WEIGHTS is not set")
    from backend.engine.lightx2v import LightX2VEngine

    s = Studio(Paths.default(tmp_path_factory.mktemp("home")), LightX2VEngine(), preload=False)
    s.update_settings(weights_dir=str(Path(WEIGHTS)), low_ram="off")
    s.start()
    yield s
    s.stop()


def test_small_clip_through_the_product_path(studio: Studio) -> None:
    assert studio.unavailable_reason() is None
    (job,) = studio.submit("a small test clip", width=256, height=256, frames=9, seed=3, preset="12gb")
    done = studio.queue.wait_for(job.id, ("done", "failed", "cancelled"), timeout=900)
    assert done.status == "done", done.error
    clip = studio.clip(done.clip_id)
    assert probe(clip.path)["frames"] == 9
    assert clip.record.kernels.quant_scheme in ("fp8-triton", "fp8-torchao", "int8-triton")
    assert 0 < (clip.record.peaks.vram_mib or 0) < 12 * 1024


def test_cancel_between_steps_then_warm_reuse(studio: Studio) -> None:
    first, second = studio.submit("cancel me", width=256, height=256, frames=9, seed=4, preset="12gb", count=2)
    studio.queue.wait_for(first.id, ("running",), timeout=60)
    while studio.queue.get(first.id).progress.stage not in ("denoising", "decoding"):
        time.sleep(0.05)
    studio.cancel(first.id)
    assert studio.queue.wait_for(first.id, ("cancelled", "done", "failed"), 300).status == "cancelled"
    done = studio.queue.wait_for(second.id, ("done", "failed", "cancelled"), 300)
    assert done.status == "done", done.error
    assert studio.clip(done.clip_id).record.warm is True
