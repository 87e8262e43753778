"""A small animated WebP from preview frames, looping at the clip's speed.

Frames are encoded at the size they come in (the latent's 1/8 for the linear map) and the page scales
the image to its box: enlarging in Pillow first added no detail and made encoding ~10× slower (a
320-pixel-wide 832×480 preview took 0.4-0.9 s on a 2-core CPU, the latent-size one 0.04-0.07 s).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from backend.preview.latent_rgb import TEMPORAL_SCALE
from backend.request import FPS

QUALITY = 85
"""Lossy; lossless was 3-5× larger at the same speed."""


def encode_webp(frames: np.ndarray) -> bytes:
    """[T, h, w, 3] uint8 → animated WebP bytes. Each frame stands for TEMPORAL_SCALE video frames, so the
    preview plays at the clip's speed."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or not len(frames):
        raise ValueError(f"expected [T, h, w, 3] uint8 frames, got {frames.dtype} {tuple(frames.shape)}")
    images = [Image.fromarray(f) for f in frames]
    out = io.BytesIO()
    duration = round(1000 * TEMPORAL_SCALE / FPS)
    images[0].save(out, format="WEBP", save_all=True, append_images=images[1:], duration=duration, loop=0,
                   quality=QUALITY, method=0)
    return out.getvalue()
