"""The owner secret: one key per hold on a data folder, kept in the folder's `owner.key`, readable by this
user only. This module alone makes it, stores it, reads it and removes it.

The process that holds the data folder (backend/data_lock.py) makes a fresh key when it takes the folder and
removes it when it lets go. Its page's owner link (`/?owner=KEY`) carries it once and the server trades it for
an owner session cookie; `app.py generate` beside a running page shows the same key to hand its job over.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode

logger = logging.getLogger(__name__)

OWNER_KEY_FILE = "owner.key"
OWNER_PARAM = "owner"
"""The query parameter of the owner's link: http://127.0.0.1:PORT/?owner=KEY"""
KEY_BYTES = 32


def owner_key_file(data_dir: Path) -> Path:
    """Where the owner key of the process holding `data_dir` lives."""
    return data_dir / OWNER_KEY_FILE


def new_owner_key(data_dir: Path) -> str:
    """Make a fresh key (the previous one stops working) and store it for this user only (mode 0600).
    When it cannot be stored the key still works for this process's own page (logged as a warning); a second
    launch and `app.py generate` then find no running page to use."""
    key = secrets.token_urlsafe(KEY_BYTES)
    target = owner_key_file(data_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start: there is no moment when another user could read it.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        logger.warning("Could not store the owner key in %s: %s", target, err)
    return key


def read_owner_key(data_dir: Path) -> str | None:
    """The owner key of the process holding `data_dir`, or None when there is none (no owner, or unreadable)."""
    try:
        key = owner_key_file(data_dir).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        logger.debug("No owner key: %s", err)
        return None
    return key or None


def is_owner_key(given: str | None, key: str) -> bool:
    """Compare in constant time, so the key cannot be guessed one character at a time."""
    return bool(given) and hmac.compare_digest(str(given).encode(), key.encode())


def owner_url(base_url: str, key: str) -> str:
    """The link that makes whoever opens it the owner: give it only to this computer's browser."""
    return f"{base_url.rstrip('/')}/?{urlencode({OWNER_PARAM: key})}"


def forget_owner_key(data_dir: Path) -> None:
    """Remove the key when the folder is let go, so a stale one is never mistaken for a live owner's."""
    try:
        owner_key_file(data_dir).unlink(missing_ok=True)
    except OSError as err:
        logger.warning("Could not remove the owner key: %s", err)
