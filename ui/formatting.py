"""How numbers, sizes, times and durations read on the page."""

from __future__ import annotations

import html
import time

from backend.i18n import data_size, mib, seconds, text  # one spelling of numbers for every language
from backend.request import FPS

__all__ = ["attr", "clip_length", "clip_length_values", "data_size", "esc", "mib", "moment", "seconds", "shorten"]


def clip_length(frames: int, lang: str = "en") -> str:
    return text("page.clip_length", lang, **clip_length_values(frames))


def clip_length_values(frames: int) -> dict[str, object]:
    """The clip-length line's values: digits and SI units, spelt the same in both languages."""
    return {"frames": frames, "seconds": f"{frames / FPS:.2f}", "fps": FPS}


def moment(timestamp: float | None) -> str:
    if not timestamp:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def shorten(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def esc(text: object) -> str:
    """Escape text shown inside the page's own HTML or Markdown (prompts and file names are user text)."""
    return html.escape(str(text), quote=False)


def attr(text: object) -> str:
    """Escape a value placed inside an HTML attribute."""
    return html.escape(str(text), quote=True)
