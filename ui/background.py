"""One slow task at a time on a daemon thread (the doctor's checks), so no page handler waits on it.

The run belongs to the app, not to a tab: every open tab sees the same result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ui.messages import problem_text

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RunState(Generic[T]):
    """Where the task stands. `version` grows on every start and finish, so pollers can tell news."""

    running: bool = False
    result: T | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    version: int = 0


class BackgroundRun(Generic[T]):
    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._state: RunState[T] = RunState()

    def start(self, task: Callable[[], T]) -> bool:
        """Start `task` unless one is still running; False means it was already running."""
        with self._lock:
            if self._state.running:
                return False
            self._state = RunState(running=True, started_at=time.time(), version=self._state.version + 1,
                                   result=self._state.result)
        threading.Thread(target=self._run, args=(task,), name=self._name, daemon=True).start()
        return True

    def _run(self, task: Callable[[], T]) -> None:
        result: T | None = None
        error: str | None = None
        try:
            result = task()
        except Exception as err:  # the thread must always end in a state the page can show
            error = problem_text(err, f"running {self._name}")
        with self._lock:
            self._state = RunState(running=False, result=result, error=error, started_at=self._state.started_at,
                                   finished_at=time.time(), version=self._state.version + 1)

    def state(self) -> RunState[T]:
        with self._lock:
            return self._state
