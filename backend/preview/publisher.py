"""The preview thread: turns each step's captured latents into a WebP file off the GPU worker's path.

The engine offers a capture at the end of a step (its host copy may still be in flight) and returns at
once. One capture waits per job: a newer step replaces the waiting one, and a conversion still running
when the job's next step ends is dropped when it finishes. Nothing queues up behind a slow conversion.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.preview.animate import encode_webp
from backend.preview.latent_rgb import latents_to_rgb
from backend.preview.record import JobPreview

logger = logging.getLogger(__name__)
SUFFIX = ".webp"


@dataclass(frozen=True)
class Capture:
    """One step's x0 on its way to the host. `fetch` blocks (the preview thread only) until the copy is
    done and returns [16, T, h, w] float latents, or [T, H, W, 3] uint8 frames when `rgb`."""

    job_id: str
    step: int
    total_steps: int
    fetch: Callable[[], np.ndarray]
    step_ended_at: float
    rgb: bool = False


@dataclass
class PreviewCounts:
    offered: int = 0
    published: int = 0
    replaced: int = 0
    """Waiting captures replaced by a newer step before the thread got to them."""
    stale: int = 0
    """Conversions finished after the job's next step had ended: dropped."""
    failed: int = 0


Publish = Callable[[str, JobPreview], None]


class PreviewTap:
    """What the engine gets for one job: offer a capture at the end of each step, never wait."""

    def __init__(self, publisher: PreviewPublisher, job_id: str) -> None:
        self._publisher = publisher
        self.job_id = job_id

    def offer(self, step: int, total_steps: int, fetch: Callable[[], np.ndarray], rgb: bool = False) -> None:
        self._publisher.offer(Capture(self.job_id, step, total_steps, fetch, time.time(), rgb))


class PreviewPublisher:
    """One daemon thread; files are `<job id>-<step>.webp` in `folder`, the job's older one removed."""

    def __init__(self, folder: Path, publish: Publish, encode: Callable[[np.ndarray], bytes] = encode_webp,
                 archive: Path | None = None) -> None:
        self.folder = folder
        self.archive = archive
        """When set, every published preview is also kept here as `<job id>-step<N>.webp` (the CLI)."""
        self._publish = publish
        self._encode = encode
        self._cond = threading.Condition()
        self._waiting: dict[str, Capture] = {}
        self._newest: dict[str, int] = {}
        self._busy = False
        self._closed = False
        self.counts = PreviewCounts()
        self._thread = threading.Thread(target=self._run, name="preview", daemon=True)
        self._thread.start()

    def tap(self, job_id: str) -> PreviewTap:
        return PreviewTap(self, job_id)

    def offer(self, capture: Capture) -> None:
        with self._cond:
            self.counts.offered += 1
            if capture.job_id in self._waiting:
                self.counts.replaced += 1
                del self._waiting[capture.job_id]  # re-inserted last: jobs keep their order
            self._waiting[capture.job_id] = capture
            self._newest[capture.job_id] = max(capture.step, self._newest.get(capture.job_id, 0))
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing waits or converts (the CLI before it exits, tests). False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._waiting or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def prune(self, keep: set[str]) -> int:
        """Remove preview files of jobs not in `keep` (cleared or forgotten jobs); returns how many."""
        removed = 0
        for path in self.folder.glob(f"*{SUFFIX}") if self.folder.is_dir() else ():
            if path.name.rsplit("-", 1)[0] not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job_id = next(iter(self._waiting))
                capture = self._waiting.pop(job_id)
                self._busy = True
            try:
                self._convert(capture)
            except Exception:  # a preview must never take the thread down; the clip is unaffected
                logger.exception("Preview of job %s step %d failed", capture.job_id, capture.step)
                with self._cond:
                    self.counts.failed += 1
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _convert(self, capture: Capture) -> None:
        data = capture.fetch()
        frames = data if capture.rgb else latents_to_rgb(data)
        payload = self._encode(frames)
        with self._cond:
            if self._newest.get(capture.job_id, 0) > capture.step:
                self.counts.stale += 1
                logger.debug("Preview of job %s step %d dropped: a newer step ended", capture.job_id, capture.step)
                return
        path = self.folder / f"{capture.job_id}-{capture.step}{SUFFIX}"
        _write(path, payload)
        if self.archive is not None:
            _write(self.archive / f"{capture.job_id}-step{capture.step}{SUFFIX}", payload)
        for old in self.folder.glob(f"{capture.job_id}-*{SUFFIX}"):
            if old != path:
                old.unlink(missing_ok=True)
        preview = JobPreview(capture.step, capture.total_steps, str(path), capture.step_ended_at, time.time())
        with self._cond:
            self.counts.published += 1
        self._publish(capture.job_id, preview)


def _write(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one. No fsync: a preview lost to a power cut costs nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
