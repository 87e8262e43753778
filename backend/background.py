"""One slow task at a time on a daemon thread (the doctor's checks), so no caller waits on it.

The run belongs to the Studio, not to a page tab: every open tab sees the same result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from backend.errors import StudioError

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
        self._thread: threading.Thread | None = None

    def start(self, task: Callable[[], T]) -> bool:
        """Start `task` unless one is still running; False means it was already running."""
        with self._lock:
            if self._state.running:
                return False
            self._state = RunState(running=True, started_at=time.time(), version=self._state.version + 1,
                                   result=self._state.result)
            self._thread = threading.Thread(target=self._run, args=(task,), name=self._name, daemon=True)
            self._thread.start()
        return True

    def _run(self, task: Callable[[], T]) -> None:
        result: T | None = None
        error: str | None = None
        try:
            result = task()
        except StudioError as err:
            error = err.user_text()
        except Exception as err:  # the thread must always end in a state the page can show
            logger.error("Unexpected error while running %s", self._name, exc_info=err)
            error = (f"Something went wrong while running {self._name} ({type(err).__name__}). "
                     "The log file has the details.")
        with self._lock:
            self._state = RunState(running=False, result=result, error=error, started_at=self._state.started_at,
                                   finished_at=time.time(), version=self._state.version + 1)

    def wait(self, timeout: float | None = None) -> RunState[T]:
        """The state once the current run has ended (or at `timeout`)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.state()

    def state(self) -> RunState[T]:
        with self._lock:
            return self._state
