"""Merging repeated clicks: the same form sent again within a moment is a double click, not a second order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

REPEAT_WINDOW_S = 1.0


class RepeatGuard:
    """Remembers the last form queued. A burst of identical clicks (each within the window of the one
    before) counts once; a changed form, or the same form after a pause, goes through."""

    def __init__(self, window_s: float = REPEAT_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[str, float] | None = None

    def repeated(self, form: Hashable) -> bool:
        key, now = repr(form), self._clock()
        with self._lock:
            last = self._last
            self._last = (key, now)
            return last is not None and last[0] == key and now - last[1] < self._window

    def forget(self) -> None:
        """A form that was refused is not an order: sending it again (corrected or not) is judged afresh."""
        with self._lock:
            self._last = None
