"""Atomic files on disk: write to a temporary name then rename, and set corrupt files aside."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))


def quarantine(path: Path, reason: str) -> Path:
    """Keep a copy of a bad file beside it (name.bad-<time>) and say so in the log."""
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6}")
    os.replace(path, target)
    logger.warning("Set aside unreadable %s as %s: %s", path.name, target.name, reason)
    return target


def read_json(path: Path) -> tuple[Any | None, str | None]:
    """Read JSON; a missing file is (None, None), a corrupt one is quarantined: (None, note)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, f"{path.name} could not be read ({err})."
    try:  # bytes that are not UTF-8 are damage too, not a reason to stop the app from starting
        return json.loads(raw.decode("utf-8")), None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        kept = quarantine(path, str(err))
        return None, f"{path.name} was damaged and was skipped; a copy is kept as {kept.name}."
