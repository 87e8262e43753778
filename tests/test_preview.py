"""Previews: x0 from the scheduler's state, the linear latent → RGB map, the WebP, and the preview
thread's rule that a slow conversion is skipped, never queued up or waited for."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.preview.animate import encode_webp
from backend.preview.latent_rgb import RGB_BIAS, RGB_FACTORS, latent_shape, latents_to_rgb, x0_after_step
from backend.preview.publisher import Capture, PreviewPublisher
from backend.preview.record import JobPreview
from tests.support.cpu_engine import SIGMAS
from tests.support.fake_lightx2v import FakeStepDistillScheduler


class KnownScheduler:
    """A scheduler state built by hand from a known x0 and noise: latents_t = (1 - s)·x0 + s·noise."""

    def __init__(self, x0: np.ndarray, noise: np.ndarray) -> None:
        self.x0, self.noise = x0, noise
        self.sigmas = np.array(SIGMAS, dtype=np.float64)
        self.infer_steps = 4
        self.step_index = 0
        self.latents = noise
        self.noise_pred = noise - x0

    def after_step(self, i: int) -> None:
        """As step_post leaves it: the next step's noisy latents, or x0 itself after the last step."""
        self.step_index = i
        self.latents = self.x0 if i == 3 else (1 - self.sigmas[i + 1]) * self.x0 + self.sigmas[i + 1] * self.noise


@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_x0_recovered_exactly_at_each_step(step: int) -> None:
    rng = np.random.default_rng(step)
    x0 = rng.integers(-8, 8, size=(16, 2, 3, 4)).astype(np.float64) / 8  # exact in binary
    noise = rng.integers(-8, 8, size=x0.shape).astype(np.float64) / 8
    state = KnownScheduler(x0, noise)
    state.after_step(step)
    got = x0_after_step(state)
    np.testing.assert_allclose(got, x0, rtol=0, atol=1e-12)
    if step < 3:  # the latents themselves are still mostly noise: previewing them would be wrong
        assert np.abs(state.latents - x0).max() > 0.1


def test_x0_from_the_fake_lightx2v_scheduler_arithmetic() -> None:
    """The fake mirrors WanStepDistillScheduler.step_post (sigmas 1, .9375, .8333, .625)."""
    sched = FakeStepDistillScheduler({})
    np.testing.assert_allclose(sched.sigmas, [1.0, 0.9375, 0.8333, 0.625], atol=1e-4)
    sched.prepare(3, [16, 2, 4, 4])
    for i in range(4):
        sched.step_pre(i)
        sched.infer()
        sched.step_post()
        np.testing.assert_allclose(x0_after_step(sched), sched.clean, atol=1e-5)


def test_linear_map_against_a_hand_computed_pixel() -> None:
    x0 = np.zeros((16, 1, 1, 2), np.float32)
    x0[0, 0, 0, 0] = 1.0  # pixel 0: channel 0 only
    x0[14, 0, 0, 1] = 2.0  # pixel 1: channel 14 twice
    rgb = latents_to_rgb(x0)
    assert rgb.shape == (1, 1, 2, 3) and rgb.dtype == np.uint8
    # pixel 0: (-0.1299 - 0.1835, -0.1692 - 0.0868, 0.2932 - 0.3360) → ((x + 1) / 2 · 255) floored
    assert rgb[0, 0, 0].tolist() == [87, 94, 122]
    # pixel 1: (0.6954 - 0.1835, 0.4550 - 0.0868, 0.5900 - 0.3360)
    assert rgb[0, 0, 1].tolist() == [192, 174, 159]


def test_linear_map_matches_the_formula_and_clamps() -> None:
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((16, 3, 5, 7)).astype(np.float32) * 3
    want = np.einsum("cthw,ck->thwk", x0, RGB_FACTORS) + RGB_BIAS
    want = np.clip((want + 1) * 127.5, 0, 255).astype(np.uint8)
    got = latents_to_rgb(x0)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1  # float summation order
    assert got.min() == 0 and got.max() == 255
    with pytest.raises(ValueError, match="16"):
        latents_to_rgb(np.zeros((4, 1, 2, 2), np.float32))


def test_latent_shape_of_the_real_sizes() -> None:
    assert latent_shape(832, 480, 81) == (16, 21, 60, 104)
    assert latent_shape(1280, 720, 81) == (16, 21, 90, 160)


def test_webp_is_animated_with_every_latent_frame() -> None:
    frames = np.zeros((6, 60, 104, 3), np.uint8)
    frames[:, :, :, 0] = np.arange(6)[:, None, None] * 40
    data = encode_webp(frames)
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP" and getattr(image, "n_frames", 1) == 6
    assert image.size == (104, 60)  # the latent's size; the page scales it to its box
    image.seek(5)
    assert abs(np.asarray(image.convert("RGB"))[..., 0].mean() - 200) < 6  # the last frame is the last frame
    with pytest.raises(ValueError):
        encode_webp(np.zeros((0, 4, 4, 3), np.uint8))


class Gate:
    """An encoder that waits for the test to let each conversion finish, recording what it converts."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, frames: np.ndarray) -> bytes:
        self.started.append(int(frames[0, 0, 0, 0]))
        self.entered.set()
        assert self.release.wait(10)
        return b"RIFF"


def capture(job: str, step: int) -> Capture:
    frames = np.full((1, 2, 2, 3), step, np.uint8)
    return Capture(job, step, 4, lambda: frames, 0.0, rgb=True)


def test_slow_conversion_skips_previews_instead_of_queueing(tmp_path: Path) -> None:
    published: list[tuple[str, int]] = []
    gate = Gate()
    pub = PreviewPublisher(tmp_path, lambda job, p: published.append((job, p.step)), encode=gate)
    try:
        pub.offer(capture("a", 1))
        assert gate.entered.wait(10)  # step 1 is converting and held there
        for step in (2, 3, 4):  # the next steps end meanwhile: each replaces the one waiting
            pub.offer(capture("a", step))
        gate.release.set()
        assert pub.wait_idle(10)
        assert gate.started == [1, 4]  # steps 2 and 3 were never converted
        assert published == [("a", 4)]  # step 1 finished after step 2 ended: dropped, not shown late
        assert (pub.counts.replaced, pub.counts.stale, pub.counts.published) == (2, 1, 1)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a-4.webp"]
    finally:
        gate.release.set()
        pub.close()


def test_a_jobs_last_preview_is_not_dropped_by_the_next_job(tmp_path: Path) -> None:
    published: list[tuple[str, int]] = []
    gate = Gate()
    pub = PreviewPublisher(tmp_path, lambda job, p: published.append((job, p.step)), encode=gate)
    try:
        pub.offer(capture("draft1", 1))
        assert gate.entered.wait(10)
        pub.offer(capture("draft2", 1))
        gate.release.set()
        assert pub.wait_idle(10)
        assert published == [("draft1", 1), ("draft2", 1)]
        assert pub.prune({"draft2"}) == 1 and [p.name for p in tmp_path.iterdir()] == ["draft2-1.webp"]
    finally:
        gate.release.set()
        pub.close()


def test_a_failing_fetch_costs_only_that_preview(tmp_path: Path) -> None:
    published: list[int] = []
    pub = PreviewPublisher(tmp_path, lambda job, p: published.append(p.step))

    def broken() -> np.ndarray:
        raise RuntimeError("copy failed")

    try:
        pub.offer(Capture("a", 1, 4, broken, 0.0))
        assert pub.wait_idle(10)
        pub.offer(Capture("a", 2, 4, lambda: np.zeros((16, 2, 4, 4), np.float32), 0.0))
        assert pub.wait_idle(10)
        assert published == [2] and pub.counts.failed == 1
    finally:
        pub.close()


def test_preview_record_round_trip() -> None:
    p = JobPreview(2, 4, "/x/a-2.webp", 10.0, 10.25)
    assert p.delay_s == 0.25
    assert JobPreview.from_dict({**p.__dict__}) == p
    assert JobPreview.from_dict({"step": "x"}) is None and JobPreview.from_dict(None) is None
