"""The step hook's preview half: x0 from the runner's scheduler on the GPU (decoded there by the tiny
decoder when it is ready), sent to pinned host memory with a non-blocking copy. The worker thread never
waits for it; the preview thread does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from backend.engine.base import StepPreviews
from backend.engine.lightx2v_tiny import TinyDecoder
from backend.preview.latent_rgb import decoded_to_rgb, x0_after_step

logger = logging.getLogger(__name__)


def host_copy(x0: Any) -> Callable[[], np.ndarray]:
    """Start copying a GPU tensor to pinned host memory on the current stream; the returned function
    waits for that copy alone (a CUDA event) and gives the array.

    The GPU tensor may be freed right after: the caching allocator reuses its block only for work queued
    after the copy on the same stream."""
    import torch

    host = torch.empty(tuple(x0.shape), dtype=x0.dtype, pin_memory=True)
    host.copy_(x0, non_blocking=True)
    copied = torch.cuda.Event()
    copied.record()

    def fetch() -> np.ndarray:
        copied.synchronize()
        return host.float().numpy()

    return fetch


def capture_step(runner: Any, previews: StepPreviews, step: int, total_steps: int,
                 tiny: TinyDecoder | None = None, notes: list[str] | None = None) -> None:
    """Offer the x0 of the step that just ended: decoded by the tiny decoder when it is ready, else as
    latents for the colour map. A failure only costs this preview (or the sharper ones), never the clip."""
    try:
        x0 = x0_after_step(runner.model.scheduler)  # LightX2V's WanStepDistillScheduler: latents, noise_pred, sigmas
    except Exception as err:
        logger.warning("No preview for step %d: %s: %s", step, type(err).__name__, err)
        return
    if tiny is not None and tiny.ready:
        try:
            decoded = host_copy(tiny.decode(x0))
        except Exception as err:  # out of GPU memory, for one: this step and the rest use the colour map
            note = tiny.failed(err)
            if notes is not None:
                notes.append(note)
        else:
            previews.offer(step, total_steps, lambda: decoded_to_rgb(decoded()), rgb=True)
            return
    try:
        fetch = host_copy(x0)
    except Exception as err:
        logger.warning("No preview for step %d: %s: %s", step, type(err).__name__, err)
        return
    previews.offer(step, total_steps, fetch)
