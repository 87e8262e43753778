"""How numbers, sizes, times and durations read on the page."""

from __future__ import annotations

import html
import time

from backend.request import FPS


def seconds(value: float | None) -> str:
    """'45 s', '3 min 05 s', '1 h 02 min'; a dash when unknown."""
    if value is None:
        return "—"
    total = max(0, round(value))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def clip_length(frames: int) -> str:
    return f"{frames} frames = {frames / FPS:.2f} s at {FPS} fps"


def data_size(n_bytes: float | None) -> str:
    """Decimal units, as disks and download pages count them."""
    if n_bytes is None:
        return "—"
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MiB"


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
