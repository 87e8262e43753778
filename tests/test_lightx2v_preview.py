"""The adapter's preview hook and draft stop, against the recording LightX2V fake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from backend.engine.base import CancelToken, RenderExtras, StageEvent
from backend.engine.lightx2v import LightX2VEngine
from backend.preview.latent_rgb import x0_after_step
from backend.request import build_request
from tests.support.fake_lightx2v import FakeEvent, Recorder
from tests.test_lightx2v_adapter import config, kwargs_of, rec, weights

__all__ = ["rec", "weights"]  # fixtures


class Taken:
    """A StepPreviews that keeps what the hook offered (fetched later, as the preview thread would)."""

    def __init__(self) -> None:
        self.offers: list[tuple[int, int, Callable[[], np.ndarray], bool]] = []

    def offer(self, step: int, total_steps: int, fetch: Callable[[], np.ndarray], rgb: bool = False) -> None:
        self.offers.append((step, total_steps, fetch, rgb))


def test_hook_offers_x0_of_every_step_from_the_scheduler(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    taken = Taken()
    request = build_request("a cat", 256, 256, 9, seed=5)
    recorded = FakeEvent.recorded
    out = engine.render(request, config(weights, "8gb"), lambda e: None, CancelToken(),
                        extras=RenderExtras(previews=taken))
    assert [o[0] for o in taken.offers] == [1, 2, 3, 4] and all(o[1] == 4 and not o[3] for o in taken.offers)
    assert FakeEvent.recorded - recorded == 4  # one event per copy: the worker never synchronised
    scheduler = rec.pipelines[-1].runner.model.scheduler
    for _, _, fetch, _ in taken.offers:
        x0 = fetch()  # each host copy is its own buffer: later steps did not overwrite earlier ones
        assert x0.shape == (16, 3, 32, 32) and x0.dtype == np.float32
        np.testing.assert_allclose(x0, scheduler.clean, atol=1e-5)
    np.testing.assert_allclose(x0_after_step(scheduler), scheduler.latents)  # the last step: latents are x0
    assert len(out.rgb()) == 9


def test_no_previews_when_none_asked(rec: Recorder, weights: Path) -> None:
    recorded = FakeEvent.recorded
    engine = LightX2VEngine()
    engine.render(build_request("a cat", 256, 256, 5, seed=5), config(weights), lambda e: None, CancelToken())
    assert FakeEvent.recorded == recorded


def test_draft_stops_after_step_one_without_decoding(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    taken = Taken()
    events: list[StageEvent] = []
    cfg = config(weights)
    out = engine.render(build_request("a cat", 256, 256, 5, seed=5), cfg, events.append, CancelToken(),
                        extras=RenderExtras(previews=taken, stop_after_step=1))
    assert [o[0] for o in taken.offers] == [1]
    assert kwargs_of(rec, "step") == [1] and not kwargs_of(rec, "run_vae_decoder")
    assert out.rgb().shape[0] == 0
    assert rec.pipelines[-1].runner.stop_signal is False  # reset for the next job
    # the pipeline stays warm: a full clip right after is not rebuilt and runs all 4 steps
    builds = len(rec.pipelines)
    full = engine.render(build_request("a cat", 256, 256, 5, seed=5), cfg, lambda e: None, CancelToken())
    assert len(rec.pipelines) == builds and kwargs_of(rec, "step")[-4:] == [1, 2, 3, 4] and len(full.rgb()) == 5


def test_a_cancelled_draft_is_cancelled_not_done(rec: Recorder, weights: Path) -> None:
    import pytest

    from backend.errors import Cancelled

    engine = LightX2VEngine()
    cancel = CancelToken()

    def on_event(event: StageEvent) -> None:
        if event.stage == "denoising" and event.step == 1:
            cancel.cancel()

    with pytest.raises(Cancelled):
        engine.render(build_request("a cat", 256, 256, 5, seed=5), config(weights), on_event, cancel,
                      extras=RenderExtras(stop_after_step=1))
