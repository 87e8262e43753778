"""Finding the process that owns a data folder and its page: for a second launch (show the running one
instead of starting) and for `app.py generate` (hand the job over)."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from backend.data_lock import OwnerRecord, read_owner

START_WAIT_S = 20.0
"""How long a second launch waits for an owner that is still starting to bring its page up."""
PROBE_TIMEOUT_S = 2.0


def url_answers(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether an HTTP server answers at `url` (any status counts: a page behind a login says 401)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def wait_for_page(data_dir: Path, timeout: float = START_WAIT_S) -> OwnerRecord | None:
    """The owner record once its page answers; None when the owner has no page (`app.py generate`) or it
    does not answer within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        record = read_owner(data_dir)
        if record is not None and record.command != "serve":  # app.py generate, or a Studio without a page
            return None
        if record is not None and record.url and url_answers(record.url):
            return record
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.25)


def bind_host(listen: bool) -> str:
    """Where the page listens: this computer only, or every interface with --listen."""
    return "0.0.0.0" if listen else "127.0.0.1"


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind the page's port before the Studio starts, so a busy port stops the launch before any job runs;
    the caller closes it just before the page binds. Raises OSError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: otherwise a bind can share a port in use
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:  # POSIX: as the page's server does, so connections of a previous run in TIME_WAIT do not count
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1)
    except OSError:
        sock.close()
        raise
    return sock
