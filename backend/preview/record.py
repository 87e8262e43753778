"""The preview a job holds: which step it shows, where its file is, and when it was made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class JobPreview:
    """The latest preview of a job. `path` is an animated WebP under the previews folder."""

    step: int
    total_steps: int
    path: str
    step_ended_at: float
    """time.time() when the denoising step ended."""
    made_at: float
    """time.time() when the preview file was in place: made_at - step_ended_at is its delay."""

    @property
    def delay_s(self) -> float:
        return self.made_at - self.step_ended_at

    def read(self) -> bytes:
        return Path(self.path).read_bytes()

    @classmethod
    def from_dict(cls, data: Any) -> JobPreview | None:
        """A stored preview, or None when the entry is missing or not one."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(step=int(data["step"]), total_steps=int(data["total_steps"]), path=str(data["path"]),
                       step_ended_at=float(data["step_ended_at"]), made_at=float(data["made_at"]))
        except (KeyError, TypeError, ValueError):
            return None
