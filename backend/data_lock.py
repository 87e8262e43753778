"""One process owns a data folder: an OS file lock (released by the OS when the owner dies, even by SIGKILL
or a power cut) and, beside it, a small owner record saying who holds it and where its page answers.

The lock is taken before anything in the folder is read for writing (queue, partial clips, settings),
before the model loads and before the worker starts; a second launch reads the record instead.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from filelock import FileLock, Timeout

from backend.errors import FolderInUse
from backend.i18n import Message
from backend.owner_key import forget_owner_key, new_owner_key
from backend.storage import write_bytes_atomic

logger = logging.getLogger(__name__)
LOCK_NAME = "studio.lock"
OWNER_NAME = "studio-owner.json"
Command = Literal["serve", "generate", "other"]


@dataclass(frozen=True)
class OwnerRecord:
    """Who holds a data folder: its process, what it runs, and (once its page is up) where it answers.
    The owner's secret is not here: it has its own file (backend/owner_key.py)."""

    pid: int
    command: str
    started_at: float
    host: str = ""
    url: str | None = None

    def describe(self) -> str:
        return self.said().text()

    def said(self) -> Message:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started_at))
        what = "app.py generate" if self.command == "generate" else "Wan Studio"
        return Message.of("lock.owner", what=what, pid=self.pid, started=started)


def read_owner(data_dir: Path) -> OwnerRecord | None:
    """The owner record, or None when there is none or it cannot be read (a crash mid-write: it is only
    advice, the lock itself decides). A record written before the owner key had its own file may still carry
    a `key`: it is ignored, and replaced with the folder's next owner."""
    try:
        data = json.loads((data_dir / OWNER_NAME).read_text(encoding="utf-8", errors="replace"))
        return OwnerRecord(pid=int(data["pid"]), command=str(data["command"]), started_at=float(data["started_at"]),
                           host=str(data.get("host", "")), url=data.get("url") or None)
    except (OSError, ValueError, KeyError, TypeError):
        return None


class DataFolderLock:
    """The exclusive lock on one data folder. `acquire()` never waits: a held folder raises FolderInUse.
    Acquiring again while held does nothing; `release()` is safe to call twice. While held, `owner_key` is
    the owner's secret for this hold (backend/owner_key.py), made when the folder is taken."""

    def __init__(self, data_dir: Path, command: Command = "other") -> None:
        self.data_dir = data_dir
        self.command = command
        # thread_local=False: the Studio may be stopped from another thread than the one that started it.
        self._lock = FileLock(str(data_dir / LOCK_NAME), timeout=0, thread_local=False)
        self.record: OwnerRecord | None = None
        self.owner_key = ""

    @property
    def held(self) -> bool:
        return self.record is not None

    def acquire(self) -> None:
        if self.held:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            owner = read_owner(self.data_dir)
            who = owner.said() if owner else Message.of("lock.another_process")
            raise FolderInUse(self.data_dir, who, owner) from None
        # A record and key left by a dead owner are replaced at once: a second launch never trusts its old
        # address, and its old key opens nothing.
        self.owner_key = new_owner_key(self.data_dir)
        self.record = OwnerRecord(pid=os.getpid(), command=self.command, started_at=time.time(),
                                  host=socket.gethostname())
        self._write()
        logger.info("Holding the data folder %s (process %d)", self.data_dir, os.getpid())

    def publish(self, url: str) -> None:
        """Say where this owner's page answers, for a second launch or a local `app.py generate`."""
        if self.record is not None:
            self.record = replace(self.record, url=url)
            self._write()

    def release(self) -> None:
        if self.record is None:
            return
        self.record = None
        try:
            (self.data_dir / OWNER_NAME).unlink(missing_ok=True)
        except OSError as err:
            logger.warning("Could not remove the owner record: %s", err)
        forget_owner_key(self.data_dir)
        self.owner_key = ""
        self._lock.release(force=True)

    def _write(self) -> None:
        assert self.record is not None
        path = self.data_dir / OWNER_NAME
        try:
            # The temporary file is created owner-only (mode 0600) and renamed: the owner link in `url` carries
            # the owner key, and is never readable by others.
            write_bytes_atomic(path, json.dumps(asdict(self.record), ensure_ascii=False).encode("utf-8"))
        except OSError as err:  # advice only: the lock still protects the folder
            logger.warning("Could not write the owner record: %s", err)
