"""What `app.py generate` runs its job through: this process's Studio, or the page that owns the data folder
(backend/handoff.py), behind one small interface; and console text that survives any console encoding."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from backend.jobs.job import Job
from backend.studio import Studio


class ConsoleWriter:
    """Writes text to a console stream in the stream's own encoding, replacing what it cannot show (a
    Japanese prompt on a cp1252 or cp437 console, output redirected to a file) instead of raising."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._encoding = getattr(stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> None:
        try:
            self._stream.write(text.encode(self._encoding, "replace").decode(self._encoding, "replace"))
        except LookupError:  # an encoding name Python does not know: ASCII is always safe
            self._stream.write(text.encode("ascii", "replace").decode("ascii"))

    def flush(self) -> None:
        getattr(self._stream, "flush", lambda: None)()


class JobSource(Protocol):
    """Where the command's job runs: this process's Studio, or a running page it hands the job to."""

    def submit(self, args: Any) -> Job:
        """Check the command's arguments, then queue the job (StudioError with the reason otherwise)."""
        ...

    def wait_for_change(self, job: Job, timeout: float) -> Job: ...

    def clip_path(self, job: Job) -> Path: ...

    def keep_previews_in(self, folder: Path) -> None:
        """Write each step's preview into `folder` (`--preview-dir`)."""
        ...

    def previews_kept(self, job_id: str) -> list[Path]: ...


class LocalJobs:
    """The command's own Studio (when no other process owns the data folder)."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def submit(self, args: Any) -> Job:
        return self.studio.submit_command(args.prompt, args.width, args.height, args.frames, args.seed,
                                          args.preset, args.negative_prompt, list(args.lora or ()))

    def wait_for_change(self, job: Job, timeout: float) -> Job:
        return self.studio.wait_for_change(job, timeout)

    def clip_path(self, job: Job) -> Path:
        return self.studio.clip(job.clip_id or "").path

    def keep_previews_in(self, folder: Path) -> None:
        self.studio.keep_previews_in(folder)

    def previews_kept(self, job_id: str) -> list[Path]:
        return self.studio.previews_kept(job_id)
