"""Atomic files on disk: write to a temporary name then rename, and set corrupt files aside."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from backend.i18n import say

logger = logging.getLogger(__name__)
REPLACE_TRIES = 10
REPLACE_PAUSE_S = 0.1
"""On Windows an antivirus or indexer opens a new file for a moment; a rename then fails with a sharing or
permission error. Retried for about a second before it counts as a failure."""
TEMP_SUFFIX = ".tmp"


def replace_file(src: Path | str, dst: Path) -> None:
    """os.replace, retried briefly while another program holds either file (PermissionError: Windows'
    "access denied" and "used by another process" both arrive as that)."""
    for attempt in range(REPLACE_TRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError as err:
            if attempt == REPLACE_TRIES - 1:
                raise
            logger.debug("Replacing %s failed (%s); trying again", dst.name, err)
            time.sleep(REPLACE_PAUSE_S)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Delete temporary files of atomic saves (`.<name>.<random>.tmp`) that a crash left in `folder`.
    Only the folder's owner calls this, at start, so no save of its own can be in flight."""
    gone = 0
    for tmp in folder.glob(f".*{TEMP_SUFFIX}"):
        try:
            tmp.unlink()
            gone += 1
        except OSError as err:
            logger.warning("Could not remove the leftover %s: %s", tmp.name, err)
    return gone


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))


def quarantine(path: Path, reason: str) -> Path:
    """Keep a copy of a bad file beside it (name.bad-<time>) and say so in the log."""
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6}")
    replace_file(path, target)
    logger.warning("Set aside unreadable %s as %s: %s", path.name, target.name, reason)
    return target


def read_json(path: Path) -> tuple[Any | None, str | None]:
    """Read JSON; a missing file is (None, None), a corrupt one is quarantined: (None, note)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, say("notes.unreadable", file=path.name, error=str(err))
    try:  # bytes that are not UTF-8 are damage too, not a reason to stop the app from starting
        return json.loads(raw.decode("utf-8")), None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        kept = quarantine(path, str(err))
        return None, say("notes.damaged", file=path.name, kept=kept.name)
