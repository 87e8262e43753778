"""The owner key: a secret made at each start and kept in the data folder, readable by this user only.

The page opened by the launcher carries it once (`/?owner=KEY`); the server trades it for an owner session
cookie. Anything else on this computer that acts for the owner (a second launch opening the browser, the
`generate` command handing its job to a running server) reads it with `read_owner_key`.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode

from backend.settings import Paths

logger = logging.getLogger(__name__)

OWNER_KEY_FILE = "owner.key"
OWNER_PARAM = "owner"
"""The query parameter of the owner's link: http://127.0.0.1:PORT/?owner=KEY"""
KEY_BYTES = 32


def owner_key_file(paths: Paths) -> Path:
    """Where the running server's owner key lives."""
    return paths.data_dir / OWNER_KEY_FILE


def new_owner_key(paths: Paths) -> str:
    """Make a fresh key (the previous one stops working) and store it for this user only (mode 0600)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    target = owner_key_file(paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # Created 0600 from the start: there is no moment when another user could read it.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return key


def read_owner_key(paths: Paths) -> str | None:
    """The running server's owner key, or None when there is none (no server, or unreadable)."""
    try:
        key = owner_key_file(paths).read_text(encoding="utf-8").strip()
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


def forget_owner_key(paths: Paths) -> None:
    """Remove the key when the server stops, so a stale one is never mistaken for a live server's."""
    owner_key_file(paths).unlink(missing_ok=True)
