"""The app's own run-time messages in English and Simplified Chinese, keyed by message id.

One catalog (backend/catalog.py) for everything the app builds at run time: console lines, stage words,
the doctor's frame, every error class. Numbers, sizes and times are written the same way in both
languages (the formatters here take no language). Prompts are never passed through this module."""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping
from typing import Literal

from backend.catalog import CATALOG

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
LANG_NAMES: dict[Lang, str] = {"en": "English", "zh": "简体中文"}


def pick_language(value: str | None) -> Lang:
    """'zh', 'zh-CN', 'zh_CN.UTF-8', 'zh-Hans', 'Chinese (Simplified)_China.936' → zh; anything else → en."""
    if not value:
        return "en"
    low = value.strip().lower().replace("_", "-")
    return "zh" if low.startswith(("zh", "chinese")) else "en"


def system_language(env: Mapping[str, str] | None = None) -> Lang:
    """The console's language from the system locale: LANGUAGE, LC_ALL, LC_MESSAGES, LANG, then the
    platform's own locale (Windows sets no variables)."""
    env = os.environ if env is None else env
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return pick_language(value.split(":")[0])
        if value:
            return "en"
    try:
        found = locale.getlocale()[0]
    except ValueError:
        found = None
    return pick_language(found)


def text(key: str, lang: str = "en", **values: object) -> str:
    """The message `key` in `lang` (English when the language is unknown), with `{name}` filled in.
    An unknown key is a programming error and raises KeyError."""
    entry = CATALOG[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def stage_text(stage: str, lang: str = "en") -> str:
    """A stage id ('denoising') or its English words ('decoding the video') in `lang`."""
    for name, key in STAGE_KEYS.items():
        if stage in (name, CATALOG[key]["en"]):
            return text(key, lang)
    return stage


STAGE_KEYS = {
    "queued": "stage.queued", "loading": "stage.loading", "encoding": "stage.encoding",
    "denoising": "stage.denoising", "decoding": "stage.decoding", "saving": "stage.saving", "done": "stage.done",
}


def progress_text(stage: str, step: int, total_steps: int, lang: str = "en") -> str:
    """'Step 3 of 8' / '第 3/8 步' while denoising, else the stage's words, first letter capitalised."""
    if stage == "denoising" and total_steps:
        words = text("stage.step", lang, step=step, total=total_steps)
    else:
        words = stage_text(stage, lang)
    return words[:1].upper() + words[1:]


# Numbers, sizes and times: one spelling for both languages (SI symbols, digits, ISO dates).

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
