"""A small animated WebP from preview frames: latent size, enlarged for display, looping."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from backend.preview.latent_rgb import TEMPORAL_SCALE
from backend.request import FPS

DISPLAY_WIDTH = 320
"""Large enough to judge a seed in the current-job area (phones too); at 416 encoding took ~1.5× as long."""
QUALITY = 70


def display_size(width: int, height: int) -> tuple[int, int]:
    """The preview's size for frames of `width`×`height`, keeping the aspect ratio (even numbers)."""
    scale = DISPLAY_WIDTH / max(width, height) if height > width else DISPLAY_WIDTH / width
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def encode_webp(frames: np.ndarray) -> bytes:
    """[T, h, w, 3] uint8 → animated WebP bytes. Each frame stands for TEMPORAL_SCALE video frames, so the
    preview plays at the clip's speed."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"expected [T, h, w, 3] uint8 frames, got {frames.dtype} {tuple(frames.shape)}")
    size = display_size(frames.shape[2], frames.shape[1])
    images = [Image.fromarray(f).resize(size, Image.Resampling.BILINEAR) for f in frames]
    out = io.BytesIO()
    duration = round(1000 * TEMPORAL_SCALE / FPS)
    images[0].save(out, format="WEBP", save_all=True, append_images=images[1:], duration=duration, loop=0,
                   quality=QUALITY, method=0, minimize_size=False)
    return out.getvalue()
