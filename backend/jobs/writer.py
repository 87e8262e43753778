"""The clip writer thread: encodes finished frames to mp4 while the worker renders the next job."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace
from typing import Any

from backend.engine.base import CancelToken, RenderedVideo
from backend.errors import Cancelled, StudioError
from backend.gallery import Gallery
from backend.jobs.eta import EtaModel
from backend.jobs.job import Progress, said_error
from backend.jobs.queue import JobQueue
from backend.records import ClipRecord

logger = logging.getLogger(__name__)
PENDING_LIMIT = 2
"""Clips waiting to be encoded. When full, the worker waits: frames of a 720p clip are ~220 MB."""


class ClipWriter:
    """One thread; jobs reach `done` only here, after the mp4 and its sidecar are in place."""

    def __init__(self, jobs: JobQueue, gallery: Gallery, eta: EtaModel) -> None:
        self._jobs = jobs
        self._gallery = gallery
        self._eta = eta
        self._pending: queue.Queue[tuple[Any, ...] | None] = queue.Queue(PENDING_LIMIT)
        self._thread = threading.Thread(target=self._run, name="clip-writer", daemon=True)
        self._thread.start()

    def submit(self, job_id: str, rendered: RenderedVideo, record: ClipRecord, token: CancelToken,
               eta_key: tuple[str, int]) -> None:
        self._pending.put((job_id, rendered, record, token, eta_key))

    def close(self, timeout: float = 30.0) -> None:
        """Finish what is pending, then stop (never waiting longer than `timeout` on a stuck save)."""
        try:
            self._pending.put(None, timeout=timeout)
        except queue.Full:
            logger.error("The clip writer did not finish within %.0f s; pending clips are lost", timeout)
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._pending.get()
            if item is None:
                return
            try:
                self._save(*item)
            except Exception:
                logger.exception("Saving job %s crashed", item[0])
                self._jobs.finish(item[0], status="failed", error_kind="save_failed", **said_error("job.save_crashed"))

    def _save(self, job_id: str, rendered: RenderedVideo, record: ClipRecord, token: CancelToken,
              eta_key: tuple[str, int]) -> None:
        started = time.monotonic()
        job = self._jobs.get(job_id)
        self._jobs.update(job_id, persist=False,
                          progress=Progress(stage="saving", fraction=0.95, elapsed_s=job.progress.elapsed_s,
                                            eta_s=None, updated_at=time.time()))
        try:
            clip_id = self._gallery.new_id(job.request.seed)
            clip = self._gallery.save(clip_id, rendered.rgb(), rendered.fps, record,
                                      before_publish=token.raise_if_cancelled)
        except Cancelled:
            self._jobs.finish(job_id, status="cancelled", error_kind="cancelled", **said_error("job.cancelled"))
            return
        except StudioError as err:
            self._jobs.finish(job_id, status="failed", error=err.user_text(), error_kind=err.kind,
                              error_said=err.said())
            return
        timings = replace(job.timings, save_s=round(time.monotonic() - started, 3))
        self._eta.record(eta_key, timings)  # learnt before anyone sees the job done
        self._jobs.finish(job_id, status="done", clip_id=clip.id, timings=timings,
                          progress=Progress(stage="done", fraction=1.0, elapsed_s=job.progress.elapsed_s,
                                            eta_s=0.0, updated_at=time.time()))
