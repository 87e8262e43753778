"""Run-time text on the page, from the catalog (backend/catalog_page.py) in the viewer's language.

`say` words one message in a language and escapes it for HTML; `both` is for a widget's first value, drawn
once for every visitor before the page knows its language: both languages, ui/lang.css shows the page's;
`word` is either, by whether the language is known.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.i18n import LANGS, Message, text
from ui.formatting import esc


def say(lang: str, key: str, **values: object) -> str:
    """The message in `lang`, HTML-escaped (values included; a value that is a message is worded in `lang`)."""
    return esc(text(key, lang, **{k: v.text(lang) if isinstance(v, Message) else v for k, v in values.items()}))


def both(key: str, **values: object) -> str:
    """The message in English and in Chinese, each in a span that ui/lang.css shows only in its language."""
    return f'<span class="wan-en" lang="en">{say("en", key, **values)}</span>' \
           f'<span class="wan-zh" lang="zh">{say("zh", key, **values)}</span>'


def fill(lang: str, key: str, **html_values: str) -> str:
    """The message in `lang` with values that are HTML already (a link, code): only the words are escaped."""
    return esc(text(key, lang)).format(**html_values)


def word(lang: str | None, key: str, **values: object) -> str:
    """`say` in a known language; `both` while it is not known yet (a widget's first value)."""
    return both(key, **values) if lang is None else say(lang, key, **values)


def both_drawn(draw: Callable[[str], str], tag: str = "div") -> str:
    """A widget's first value that `draw(lang)` builds (HTML), in each language, each in a `tag` that
    ui/lang.css shows only in its language."""
    return "".join(f'<{tag} class="wan-{lang}" lang="{lang}">{draw(lang)}</{tag}>' for lang in LANGS)
