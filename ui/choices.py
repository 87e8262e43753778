"""Choices the page offers, derived from the backend's constants and Literals so each has one source.
Their words are Gradio translation keys (ui/labels.py) inside the label, so the browser shows its language."""

from __future__ import annotations

from typing import get_args

from backend.errors import BadRequest
from backend.i18n import Message
from backend.jobs.job import JobStatus
from backend.presets import Fit
from backend.request import SUPPORTED_SIZES
from backend.settings import LowRam
from backend.studio import Studio
from ui.labels import label

SizeChoice = tuple[str, str]


def size_value(width: int, height: int) -> str:
    return f"{width}x{height}"


def _size_label(width: int, height: int) -> str:
    shape = "size.landscape" if width > height else "size.portrait" if height > width else "size.square"
    return f"{width}×{height} · " + label(shape) + f" {min(width, height)}p"


SIZE_CHOICES: tuple[SizeChoice, ...] = tuple(
    (_size_label(w, h), size_value(w, h)) for h, w in SUPPORTED_SIZES
)
"""The trained sizes, landscape 480p first (SUPPORTED_SIZES holds (height, width))."""
DEFAULT_SIZE = SIZE_CHOICES[0][1]


def size_choices(current: str | None = None) -> list[SizeChoice]:
    """The trained sizes, plus `current` when a reused clip was made at another size (command line)."""
    choices = list(SIZE_CHOICES)
    if current and current not in {v for _, v in choices}:
        width, height = parse_size(current)
        choices.append((f"{width}×{height} · " + label("size.from_clip"), current))
    return choices


def parse_size(value: object) -> tuple[int, int]:
    """'832x480' to (832, 480); the backend checks the range when the request is built."""
    text = str(value or "").lower().replace("×", "x").strip()
    width, sep, height = text.partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise BadRequest(Message.of("studio.bad_size", value=repr(value)), Message.of("studio.bad_size_hint"))
    return int(width), int(height)


def preset_choices(studio: Studio) -> list[tuple[str, str]]:
    """'auto' first (saying what it picks for this card), then each preset by its label."""
    picked, card_vram_gib = studio.preset_for("auto"), studio.card_vram_gib
    if card_vram_gib is not None:
        auto = (label("preset.auto") + f": {picked.label} ({card_vram_gib:.0f} GB)", "auto")
    else:
        auto = (label("preset.auto_no_gpu") + f": {picked.label}", "auto")
    return [auto, *((p.label, p.name) for p in studio.presets.values())]


STATUS_WORDS: dict[JobStatus, tuple[str, str]] = {
    "queued": ("⏳", "studio.status.queued"),
    "running": ("▶", "studio.status.running"),
    "saving": ("💾", "studio.status.saving"),
    "done": ("✅", "studio.status.done"),
    "failed": ("❌", "studio.status.failed"),
    "cancelled": ("⏹", "studio.status.cancelled"),
    "interrupted": ("⚠", "studio.status.interrupted"),
}
"""Each job status's icon and its words' catalog key (backend/catalog_studio.py)."""
CANCELLABLE: tuple[JobStatus, ...] = ("queued", "running", "saving")
REQUEUEABLE: tuple[JobStatus, ...] = ("failed", "cancelled", "interrupted")

FIT_WORDS: dict[Fit, str] = {"green": "fits", "amber": "tight", "red": "too big", "unknown": "fit unknown"}

LOW_RAM_CHOICES: list[tuple[str, str]] = [
    (str(label(key)), value)
    for value, key in zip(get_args(LowRam), ("low_ram.auto", "low_ram.on", "low_ram.off"), strict=True)
]


def _check_complete() -> None:
    # A status or fit added to the backend must get words here; fail at import, not in a user's page.
    missing = set(get_args(JobStatus)) - set(STATUS_WORDS) | set(get_args(Fit)) - set(FIT_WORDS)
    if missing:
        raise RuntimeError(f"ui.choices lacks words for {sorted(missing)}")


_check_complete()
