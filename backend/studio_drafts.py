"""The Studio's drafts and previews: queueing drafts, choosing one, where each job's step previews go and
how they reach the job. A part of `Studio` (its base class), kept apart so each module stays small."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from backend.errors import BadRequest, NotFound
from backend.i18n import Message
from backend.jobs.job import FINISHED, Job, JobKind
from backend.jobs.queue import JobQueue
from backend.preview.publisher import PreviewPublisher, PreviewTap
from backend.preview.record import JobPreview
from backend.settings import UserSettings

logger = logging.getLogger(__name__)
DRAFTS_MIN, DRAFTS_MAX = 2, 8

__all__ = ["DRAFTS_MAX", "DRAFTS_MIN", "PreviewDesk"]


class PreviewDesk:
    """Drafts and previews, for `Studio` (which provides the attributes below)."""

    if TYPE_CHECKING:
        queue: JobQueue
        settings: UserSettings
        previews: PreviewPublisher

        def submit(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
                   seed: object = None, preset: object = "auto", negative_prompt: object = "",
                   count: object = 1, loras: object = (), kind: JobKind = "clip") -> list[Job]: ...

    def submit_drafts(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
                      seed: object = None, preset: object = "auto", negative_prompt: object = "",
                      count: object = 4) -> list[Job]:
        """Queue `count` drafts: only the first denoising step of each seed, for its preview (never a clip).
        A given seed is the first and the rest count up; without one each draws its own."""
        try:
            n = int(count)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise BadRequest(Message.of("count.drafts_number", value=repr(count))) from None
        if not DRAFTS_MIN <= n <= DRAFTS_MAX:
            raise BadRequest(Message.of("count.drafts_range", count=n, min=DRAFTS_MIN, max=DRAFTS_MAX))
        return self.submit(prompt, width, height, frames, seed, preset, negative_prompt, count=n, kind="draft")

    def choose_draft(self, job_id: str) -> Job:
        """Queue the full clip of a draft: same prompt, size, frames, preset, LoRAs and seed."""
        draft = self.queue.get(job_id)
        if draft.kind != "draft":
            raise BadRequest(Message.of("count.only_draft"))
        return self.queue.enqueue([draft.request], "clip")[0]  # checked when the draft was queued

    def keep_previews_in(self, folder: Path) -> None:
        """Also write every step's preview to `folder` (`app.py generate --preview-dir`), Settings or not."""
        self.previews.archive = folder

    def previews_kept(self, job_id: str, timeout: float = 10.0) -> list[Path]:
        """The previews of a finished job written to the keep folder, once the preview thread is idle."""
        folder = self.previews.archive
        if folder is None:
            return []
        self.previews.wait_idle(timeout)
        return sorted(folder.glob(f"{job_id}-step*.webp"))

    def _previews_for(self, job: Job) -> PreviewTap | None:
        wanted = job.kind == "draft" or self.settings.previews or self.previews.archive is not None
        return self.previews.tap(job.id) if wanted else None

    def _store_preview(self, job_id: str, preview: JobPreview) -> None:
        try:
            job = self.queue.get(job_id)
            self.queue.update(job_id, persist=job.status in FINISHED, preview=preview)
        except (NotFound, KeyError):  # cleared from the queue while its preview was being made
            logger.debug("Preview for job %s arrived after it was cleared", job_id)
