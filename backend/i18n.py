"""The app's own run-time messages in English and Simplified Chinese, keyed by message id.

One catalog (backend/catalog.py) for everything the app builds at run time: console lines, stage words,
the doctor's frame, every error class. Numbers, sizes and times are written the same way in both
languages (the formatters here take no language). Prompts are never passed through this module."""

from __future__ import annotations

import locale
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

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


Value = Union[str, int, float, "Message"]


@dataclass(frozen=True)
class Message:
    """A run-time sentence kept as its id and values, so any language can word it later (a job's error
    read back from disk, a doctor line shown on a Chinese page). A value may itself be a Message, worded in
    the same language; other values (names, numbers, paths, the system's own words) are shown as they are."""

    key: str
    values: tuple[tuple[str, Value], ...] = ()

    @classmethod
    def of(cls, key: str, **values: Value) -> Message:
        if set(values) != fields(key):  # an unknown key raises KeyError here
            raise ValueError(f"{key} takes {sorted(fields(key))}, given {sorted(values)}")
        return cls(key, tuple(values.items()))

    def text(self, lang: str = "en") -> str:
        filled = {name: value.text(lang) if isinstance(value, Message) else value for name, value in self.values}
        return text(self.key, lang, **filled)

    def __str__(self) -> str:
        return self.text()

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key,
                "values": {k: v.to_json() if isinstance(v, Message) else v for k, v in self.values}}

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        """A stored message; None for anything that is not one this catalog can word (an older or newer
        app's key, a damaged file): the caller falls back to the stored English sentence."""
        if not isinstance(data, dict) or data.get("key") not in CATALOG or not isinstance(data.get("values"), dict):
            return None
        values: dict[str, Value] = {}
        for name, value in data["values"].items():
            if isinstance(value, dict):
                inner = cls.from_json(value)
                if inner is None:
                    return None
                values[str(name)] = inner
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                values[str(name)] = value
            else:
                return None
        if set(values) != fields(data["key"]):  # a message of another version: its fields differ
            return None
        return cls(data["key"], tuple(values.items()))


class Said(str):
    """A sentence in English (what logs and older callers read) that keeps its Message, so a page can word it
    again in its own language (start-up notes: `words(note, lang)`)."""

    said: Message

    def __new__(cls, message: Message) -> Said:
        made = super().__new__(cls, message.text())
        made.said = message
        return made

    def __reduce__(self) -> tuple[type[Said], tuple[Message]]:
        return Said, (self.said,)


def say(key: str, **values: Value) -> Said:
    """The message `key` with its values, as English text that keeps the message (Said)."""
    return Said(Message.of(key, **values))


def fields(key: str) -> set[str]:
    """The `{name}` fields of a message (the same in every language: tests/test_i18n.py)."""
    return {name for _, name, _, _ in string.Formatter().parse(CATALOG[key]["en"]) if name}


def words(value: Message | str, lang: str = "en") -> str:
    """A message in `lang` (a Said sentence too), or text that is not one (a name, the system's own words) as
    it is."""
    if isinstance(value, Said):
        return value.said.text(lang)
    return value.text(lang) if isinstance(value, Message) else value


def stage_message(stage: str) -> Message | str:
    """A stage id ('denoising') or its English words as a message; anything else as it is."""
    for name, key in STAGE_KEYS.items():
        if stage in (name, CATALOG[key]["en"]):
            return Message.of(key)
    return stage


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
