"""Turning outcomes into what the page shows: one human sentence plus what to do, never a stack trace."""

from __future__ import annotations

import logging

from backend.errors import StudioError
from ui.formatting import esc

logger = logging.getLogger(__name__)


def problem_text(err: BaseException, doing: str) -> str:
    """A StudioError's own sentence; anything else is logged in full and summarised."""
    if isinstance(err, StudioError):
        return err.user_text()
    logger.error("Unexpected error while %s", doing, exc_info=err)
    return f"Something went wrong while {doing} ({type(err).__name__}). The log file has the details."


def problem(err: BaseException, doing: str) -> str:
    """Markdown for a failure, ready for a message widget."""
    return f"⚠️ {esc(problem_text(err, doing))}"


def done(text: str) -> str:
    return f"✅ {esc(text)}"


def note(text: str) -> str:
    return f"ℹ️ {esc(text)}"
