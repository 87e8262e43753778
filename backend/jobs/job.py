"""Job and progress snapshots: immutable values, replaced (never mutated) under the queue's lock."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from backend.engine.base import STAGE_WORDS, Stage
from backend.errors import stored_error_text
from backend.i18n import Message
from backend.preview.record import JobPreview
from backend.record_reader import read_timings
from backend.records import StageTimings
from backend.request import GenerationRequest

JobStatus = Literal["queued", "running", "saving", "done", "failed", "cancelled", "interrupted"]
ACTIVE: tuple[JobStatus, ...] = ("running", "saving")
FINISHED: tuple[JobStatus, ...] = ("done", "failed", "cancelled", "interrupted")
JobKind = Literal["clip", "draft"]
"""A draft runs only the first denoising step for its preview and is never saved as a clip."""


@dataclass(frozen=True)
class Progress:
    """Where a job stands: stage, denoising step, overall fraction and an ETA (seconds, if known)."""

    stage: Stage = "queued"
    step: int = 0
    total_steps: int = 0
    fraction: float = 0.0
    elapsed_s: float = 0.0
    eta_s: float | None = None
    updated_at: float = 0.0

    def describe(self) -> str:
        word = STAGE_WORDS.get(self.stage, self.stage)
        if self.stage == "denoising" and self.total_steps:
            word = f"step {self.step} of {self.total_steps}"
        return word[0].upper() + word[1:]


def said_error(key: str) -> dict[str, Any]:
    """A job's error fields for a sentence of the catalog's: the English one kept, and its id."""
    said = Message.of(key)
    return {"error": said.text(), "error_said": said}


@dataclass(frozen=True)
class Job:
    """One clip to make. `request.seed` is the seed actually used, always concrete."""

    id: str
    request: GenerationRequest
    status: JobStatus = "queued"
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    progress: Progress = field(default_factory=Progress)
    preset_used: str | None = None
    clip_id: str | None = None
    error: str | None = None
    error_kind: str | None = None
    error_said: Message | None = None
    """The error as the catalog's message with its values, so any language words it (None: a free sentence)."""
    notes: tuple[str, ...] = ()
    notes_said: tuple[Message, ...] = ()
    """The notes the app words itself, as messages (the engine's own notes stay as they are)."""
    timings: StageTimings = field(default_factory=StageTimings)
    peak_vram_mib: float | None = None
    kind: JobKind = "clip"
    preview: JobPreview | None = None
    """The latest step's preview; kept when the job is cancelled."""
    guest: str | None = None
    """The guest session that queued it (backend/access.py); None when the owner did."""

    @classmethod
    def new(cls, request: GenerationRequest, kind: JobKind = "clip", guest: str | None = None) -> Job:
        return cls(id=uuid.uuid4().hex[:12], request=request, kind=kind, guest=guest)

    def with_(self, **changes: Any) -> Job:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        data["notes_said"] = [m.to_json() for m in self.notes_said]
        data["timings"] = self.timings.to_json()
        data["error_said"] = self.error_said.to_json() if self.error_said else None
        return data

    def notes_in(self, lang: str = "en") -> tuple[str, ...]:
        """The notes in `lang`: one the app worded is worded again with its values, any other as it is."""
        said = {m.text(): m for m in self.notes_said}
        return tuple(said[n].text(lang) if n in said else n for n in self.notes)

    def error_text(self, lang: str = "en") -> str:
        """Why the job did not finish, in `lang`, with its values (preset, stage, sizes) kept."""
        if self.error_said is not None:
            return self.error_said.text(lang)
        if lang == "en" or not self.error_kind:
            return self.error or ""
        return stored_error_text(self.error_kind, self.error or "", lang)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Rebuild a stored job; a request that no longer validates raises BadRequest."""
        request = GenerationRequest.from_dict(data["request"])
        progress = Progress(**data.get("progress") or {})
        status = data.get("status", "queued")
        if status not in ("queued", *ACTIVE, *FINISHED):
            raise ValueError(f"unknown status {status!r}")
        kind = data.get("kind", "clip")
        if kind not in ("clip", "draft"):
            raise ValueError(f"unknown job kind {kind!r}")
        return cls(
            id=str(data["id"]),
            request=request,
            status=status,
            created_at=float(data.get("created_at", time.time())),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            progress=progress,
            preset_used=data.get("preset_used"),
            clip_id=data.get("clip_id"),
            error=data.get("error"),
            error_kind=data.get("error_kind"),
            error_said=Message.from_json(data.get("error_said")),
            notes=tuple(data.get("notes") or ()),
            notes_said=tuple(m for m in map(Message.from_json, data.get("notes_said") or ()) if m is not None),
            timings=read_timings(data.get("timings") or {}, []),
            peak_vram_mib=data.get("peak_vram_mib"),
            kind=kind,
            preview=JobPreview.from_dict(data.get("preview")),
            guest=data.get("guest") if isinstance(data.get("guest"), str) else None,
        )
