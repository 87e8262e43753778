"""The clean-video prediction (x0) from the 4-step scheduler's state, and Wan 2.1 latents → RGB.

Both work on anything with array arithmetic: torch tensors on the GPU (the engine's step hook) and numpy
arrays (the CPU test engine, the tests, the benchmark).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

LATENT_CHANNELS = 16
SPATIAL_SCALE = 8
"""One latent pixel is 8×8 video pixels."""
TEMPORAL_SCALE = 4
"""One latent frame is 4 video frames (the first latent frame is the first video frame alone)."""

RGB_FACTORS = np.array([
    [-0.1299, -0.1692, 0.2932], [0.0671, 0.0406, 0.0442], [0.3568, 0.2548, 0.1747], [0.0372, 0.2344, 0.1420],
    [0.0313, 0.0189, -0.0328], [0.0296, -0.0956, -0.0665], [-0.3477, -0.4059, -0.2925], [0.0166, 0.1902, 0.1975],
    [-0.0412, 0.0267, -0.1364], [-0.1293, 0.0740, 0.1636], [0.0680, 0.3019, 0.1128], [0.0032, 0.0581, 0.0639],
    [-0.1251, 0.0927, 0.1699], [0.0060, -0.0633, 0.0005], [0.3477, 0.2275, 0.2950], [0.1984, 0.0913, 0.1861],
], dtype=np.float32)
"""The published linear fit from Wan 2.1's normalised latent channels (rows) to R, G, B (columns)."""
RGB_BIAS = np.array([-0.1835, -0.0868, -0.3360], dtype=np.float32)


class SchedulerState(Protocol):
    """What LightX2V's WanStepDistillScheduler holds right after step_post() (and the CPU engine mimics)."""

    latents: Any
    noise_pred: Any
    sigmas: Any
    step_index: int
    infer_steps: int


def latent_shape(width: int, height: int, frames: int) -> tuple[int, int, int, int]:
    """[C, T, h, w] of the latents for a clip of this size."""
    return (LATENT_CHANNELS, (frames - 1) // TEMPORAL_SCALE + 1, height // SPATIAL_SCALE, width // SPATIAL_SCALE)


def x0_after_step(state: SchedulerState) -> Any:
    """The clean-video prediction after the step that just ended.

    step_post() computed x0 = latents - sigma_i·noise_pred and, before the last step, moved on to
    latents = x0 + sigma_{i+1}·noise_pred (no fresh noise), so x0 = latents - sigma_{i+1}·noise_pred;
    after the last step the latents are x0. The latents themselves are 63-94 % noise until then.
    """
    i = int(state.step_index)
    if i >= int(state.infer_steps) - 1:
        return state.latents
    sigma_next = float(state.sigmas[i + 1])
    return state.latents - state.noise_pred * sigma_next


def latents_to_rgb(x0: np.ndarray) -> np.ndarray:
    """[16, T, h, w] float latents → [T, h, w, 3] uint8 frames through the linear fit; (x+1)/2, clamped."""
    if x0.ndim == 5:  # [1, C, T, h, w]
        x0 = x0[0]
    if x0.ndim != 4 or x0.shape[0] != LATENT_CHANNELS:
        raise ValueError(f"expected [16, T, h, w] latents, got shape {tuple(x0.shape)}")
    c, t, h, w = x0.shape
    flat = np.ascontiguousarray(x0, dtype=np.float32).reshape(c, t * h * w)
    rgb = RGB_FACTORS.T @ flat  # [3, T·h·w]: one BLAS call
    rgb += RGB_BIAS[:, None]
    rgb += 1.0
    rgb *= 127.5
    np.clip(rgb, 0, 255, out=rgb)
    return np.ascontiguousarray(rgb.astype(np.uint8).reshape(3, t, h, w).transpose(1, 2, 3, 0))


def decoded_to_rgb(video: np.ndarray) -> np.ndarray:
    """[3, T, H, W] decoded frames in -1..1 (the tiny decoder's) → [T, H, W, 3] uint8; (x+1)/2, clamped."""
    if video.ndim != 4 or video.shape[0] != 3:
        raise ValueError(f"expected [3, T, H, W] frames, got shape {tuple(video.shape)}")
    rgb = (np.asarray(video, dtype=np.float32) + 1.0) * 127.5
    np.clip(rgb, 0, 255, out=rgb)
    return np.ascontiguousarray(rgb.astype(np.uint8).transpose(1, 2, 3, 0))
