"""Download progress: what each file and the whole set have done, the speed and the ETA, shared by the
download thread (writer) and the page (reader) under one lock, and logged every few seconds."""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from backend.i18n import Message

logger = logging.getLogger("backend.download")

DownloadState = Literal["idle", "checking", "downloading", "verifying", "done", "failed", "cancelled"]
FileState = Literal["pending", "present", "downloading", "verifying", "done", "failed"]
LOG_EVERY_S = 10.0
SPEED_WINDOW_S = 8.0


@dataclass(frozen=True)
class FileProgress:
    path: str
    done_bytes: int
    total_bytes: int | None
    state: FileState


@dataclass(frozen=True)
class DownloadProgress:
    """A snapshot for the page; `message` is one sentence (on failure: what is wrong and what to do)."""

    state: DownloadState
    message: str
    files: tuple[FileProgress, ...]
    done_bytes: int
    total_bytes: int
    speed_bps: float
    eta_s: float | None
    said: Message | None = None
    """`message` as the catalog's message, for any language (None: a sentence of the system's own)."""

    def message_in(self, lang: str) -> str:
        return self.said.text(lang) if self.said is not None else self.message


def gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.2f} MB"


class DownloadTracker:
    """Mutable progress shared by the download thread (writer) and the page (reader), under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: DownloadState = "idle"
        self.said: Message | None = Message.of("download.none_started")
        self.message = self.said.text()
        self.files: dict[str, list[Any]] = {}  # path -> [done, total, state]
        self.net_bytes = 0
        self._samples: collections.deque[tuple[float, int]] = collections.deque()
        self._last_log = 0.0

    def set(self, state: DownloadState, message: Message | str) -> None:
        with self.lock:
            self.state, self.message = state, str(message)
            self.said = message if isinstance(message, Message) else None
            if state == "downloading":  # the speed window starts now, not at the first chunk
                self._samples.append((time.monotonic(), self.net_bytes))
        logger.info("Weights download %s: %s", state, message)

    def file(self, path: str, done: int | None = None, state: FileState | None = None) -> None:
        with self.lock:
            entry = self.files[path]
            entry[0] = entry[0] if done is None else done
            entry[2] = entry[2] if state is None else state

    def add(self, path: str, n: int) -> None:
        now = time.monotonic()
        with self.lock:
            self.files[path][0] += n
            self.net_bytes += n
            self._samples.append((now, self.net_bytes))
            if now - self._last_log < LOG_EVERY_S:
                return
            self._last_log = now
        snap = self.snapshot()
        eta = f"{snap.eta_s / 60:.0f} min" if snap.eta_s is not None else "unknown"
        logger.info("Downloading weights: %s of %s (%.0f%%), %.1f MB/s, %s left", gb(snap.done_bytes),
                    gb(snap.total_bytes), 100 * snap.done_bytes / max(snap.total_bytes, 1), snap.speed_bps / 1e6, eta)

    def snapshot(self) -> DownloadProgress:
        now = time.monotonic()
        with self.lock:
            while len(self._samples) > 1 and now - self._samples[0][0] > SPEED_WINDOW_S:
                self._samples.popleft()
            speed = 0.0
            if self._samples and now - self._samples[0][0] > 0.05:
                t0, b0 = self._samples[0]
                speed = (self.net_bytes - b0) / (now - t0)
            files = tuple(FileProgress(p, d, t, s) for p, (d, t, s) in self.files.items())
            state, message, said = self.state, self.message, self.said
        done, total = sum(f.done_bytes for f in files), sum(f.total_bytes or 0 for f in files)
        eta = (total - done) / speed if speed > 0 and state == "downloading" else None
        return DownloadProgress(state, message, files, done, total, speed, eta, said)
