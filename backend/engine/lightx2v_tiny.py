"""The sharper live preview: LightX2V's own tiny VAE (TAEHV taew2_1) built by the adapter for previews only.

The runner names its tiny VAE class (`runner.tiny_vae_cls`, WanVAE_tiny for Wan 2.1); LightX2V's `use_tae`
would make that class decode the finished clip too, so the runner's config is never touched: the decoder is
built here, beside the runner, and sees only each step's x0. The clip is always decoded by the full VAE.
Without the file, with a damaged one, or after the decoder fails, previews use the linear colour map.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from backend.preview.decoder import decode_failed_note, decoder_status, load_failed_note
from backend.preview.latent_rgb import TEMPORAL_SCALE

logger = logging.getLogger(__name__)

PREVIEW_LONG_SIDE = 448
"""Previews are shrunk by 2, 4 or 8 until their long side is at most this: 416×240 for 832×480 and 320×180
for 1280×720 (the page shows them up to 640 wide). Encoding the WebP is the preview thread's largest cost
and grows with the pixels: half of 1280×720 took ~0.8 s on a busy 2-core CPU (bench/preview_cost.py)."""


def shrink_factor(height: int, width: int) -> int:
    """The smallest of 2, 4, 8 that brings the long side to PREVIEW_LONG_SIDE (decoded sizes are multiples of 8)."""
    return next((f for f in (2, 4) if max(height, width) // f <= PREVIEW_LONG_SIDE), 8)


def shrink_decoded(video: Any) -> Any:
    """[1, 3, F, H, W] decoded frames (-1..1) → [3, T, H/s, W/s]: one frame per latent frame (the last of its
    four), each s×s block averaged. Plain indexing and arithmetic: runs on the GPU tensor as it is."""
    frames = video[0, :, ::TEMPORAL_SCALE]
    c, t, h, w = frames.shape
    s = shrink_factor(h, w)
    return frames.reshape(c, t, h // s, s, w // s, s).mean((3, 5))


def without_progress_bar(module: Any) -> Any:
    """WanVAE_tiny.decode calls TAEHV.decode_video without `show_progress_bar`, whose default draws a tqdm bar
    on stderr at every preview (mixed into `app.py generate`'s own bar): turned off for this instance only,
    through the argument TAEHV has for it. A module without it (another LightX2V) is used as it is."""
    taehv: Any = getattr(module, "taehv", None)
    decode_video = getattr(taehv, "decode_video", None)
    if decode_video is None:
        logger.debug("The preview decoder has no TAEHV decode_video: its progress bar stays")
        return module
    taehv.decode_video = functools.partial(decode_video, show_progress_bar=False)
    return module


class TinyDecoder:
    """Owned by the adapter's runner hooks, one per pipeline. `prepare` before each job that wants previews
    (the worker thread), `decode` in the step hook; a job's notes say when previews fell back."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner
        self._module: Any = None
        self._loaded: tuple[str, int, int] | None = None
        """(path, size, mtime) of the file the module was built from, or that failed to build."""
        self._failure: str | None = None

    @property
    def ready(self) -> bool:
        return self._module is not None

    def prepare(self, weights_dir: Path) -> str | None:
        """Build (or keep, or drop) the decoder for the file now in `weights_dir`; a note for the job when
        the file is there but cannot be used. Verified against the Hub's checksum once per file. Never
        raises: the clip does not depend on it."""
        try:
            return self._prepare(weights_dir)
        except OSError as err:  # the folder went away or cannot be read between two looks
            logger.warning("Preview decoder not checked: %s", err)
            self.drop()
            return None

    def _prepare(self, weights_dir: Path) -> str | None:
        status = decoder_status(weights_dir)
        if status.state == "absent":
            self.drop()
            return None
        stat = status.path.stat() if status.path.is_file() else None
        identity = (str(status.path), stat.st_size, stat.st_mtime_ns) if stat else None
        if identity is not None and identity == self._loaded:
            return self._failure
        self.drop()
        self._loaded = identity
        if status.usable:
            status = decoder_status(weights_dir, verify=True)
        if not status.usable:
            self._failure = status.job_note()
            logger.warning("Preview decoder not used: %s", status.summary())
            return self._failure
        try:
            # Only the file and the scaling: the constructor ignores `device`, and `.to` puts it on the GPU.
            module = self._runner.tiny_vae_cls(vae_path=str(status.path), need_scaled=False)
            self._module = without_progress_bar(module.to("cuda"))
        except Exception as err:  # a file LightX2V cannot read: previews go on with the colour map
            self._failure = load_failed_note(status.path, err)
            logger.warning("Preview decoder could not be loaded from %s: %s: %s", status.path, type(err).__name__, err)
            return self._failure
        logger.info("Previews are decoded by the TAEHV preview decoder (%s)", status.path)
        return None

    def decode(self, x0: Any) -> Any:
        """x0 [16, T, h, w] on the GPU → [3, T, H/2, W/2] frames (-1..1) on the GPU, queued on the current
        stream (nothing here waits for the GPU)."""
        return shrink_decoded(self._module.decode(x0))

    def failed(self, err: BaseException) -> str:
        """A decode failed mid-job (out of GPU memory, say): drop the decoder for this file; the note says so."""
        logger.warning("Preview decoder failed, previews use the colour map: %s: %s", type(err).__name__, err)
        loaded = self._loaded
        self.drop()
        self._loaded, self._failure = loaded, decode_failed_note(err)
        return self._failure

    def drop(self) -> None:
        self._module = None
        self._loaded = None
        self._failure = None
