"""Turning outcomes into what the page shows: one human sentence plus what to do, never a stack trace."""

from __future__ import annotations

import logging

from backend.errors import StudioError
from backend.i18n import text
from ui.formatting import esc

logger = logging.getLogger(__name__)


def problem_text(err: BaseException, doing: str, lang: str = "en") -> str:
    """A StudioError's own sentence in `lang`; anything else is logged in full and summarised. `doing` is a
    catalog key ("page.doing.…") or, from areas not worded yet, English words."""
    said = text(doing, lang) if doing.startswith("page.doing.") else doing
    if isinstance(err, StudioError):
        return err.user_text(lang)
    logger.error("Unexpected error while %s", said, exc_info=err)
    return text("page.unexpected", lang, doing=said, kind=type(err).__name__)


def problem(err: BaseException, doing: str, lang: str = "en") -> str:
    """Markdown for a failure, ready for a message widget."""
    return f"⚠️ {esc(problem_text(err, doing, lang))}"


def done(text: str) -> str:
    return f"✅ {esc(text)}"


def note(text: str) -> str:
    return f"ℹ️ {esc(text)}"
