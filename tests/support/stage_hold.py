"""Holding the CPU test engine, or the clip writer, inside one chosen stage so a test can fault it right there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.engine.base import EventSink, StageEvent
from tests.support.cpu_engine import CpuTestEngine

HOLD_LIMIT_S = 30.0
"""A hold nobody releases ends the job as failed instead of hanging the suite."""


@dataclass
class HoldingEngine(CpuTestEngine):
    """Stops right after it reports the stage event `hold_at` ((stage, step)), once `skip` such events have
    passed, until `release` is set. While held it does not look at the cancel flag: like LightX2V inside an
    offloaded step or a model load, a cancel can only land at the next check."""

    hold_at: tuple[str, int] | None = None
    skip: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def _emit(self, on_event: EventSink, event: StageEvent) -> None:
        super()._emit(on_event, event)
        if self.hold_at is None or (event.stage, event.step) != self.hold_at:
            return
        if self.skip > 0:
            self.skip -= 1
            return
        self.hold_at = None
        self.reached.set()
        if not self.release.wait(HOLD_LIMIT_S):
            raise AssertionError(f"held at {event.stage} for {HOLD_LIMIT_S:.0f} s and never released")


class SaveHold:
    """Wraps the gallery's mp4 writer: once the hidden partial file is completely written (the job is
    `saving`, nothing is published yet), it waits for `release`."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.partial: Path | None = None

    def wrap(self, write_mp4: Callable[..., None]) -> Callable[..., None]:
        def held(frames: Any, path: Path, *args: Any, **kwargs: Any) -> None:
            write_mp4(frames, path, *args, **kwargs)
            if self.release.is_set():
                return
            self.partial = path
            self.reached.set()
            if not self.release.wait(HOLD_LIMIT_S):
                raise AssertionError(f"held while saving for {HOLD_LIMIT_S:.0f} s and never released")

        return held
