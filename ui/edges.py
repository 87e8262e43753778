"""The server's edges, as plain rules the login gate applies: which Origin and Host a request may carry,
which routes are closed to everyone, and how login attempts are slowed down per address."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers

CLOSED_PREFIXES = ("/gradio_api/upload", "/upload")
"""The page takes no files: Gradio's upload route (and its progress stream) is closed to everyone."""
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
FREE_FAILURES = 5
"""Wrong passwords allowed from one address before each further attempt must wait."""
FIRST_WAIT_S = 2.0
MAX_WAIT_S = 15 * 60.0
TRACKED_ADDRESSES = 10_000


def host_name(netloc: str) -> str:
    """'127.0.0.1:7860' → '127.0.0.1'; '[::1]:7860' → '::1'."""
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def same_origin(headers: Headers) -> bool:
    """True without an Origin header (not a browser's cross-site request) or when the Origin is this server
    as the browser addressed it; 'null' and every other site are foreign."""
    origin = headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    host = headers.get("host", "").lower()
    if not parts.netloc or not host:
        return False
    default = {"http": ":80", "https": ":443"}.get(parts.scheme)
    if default is None:
        return False
    return parts.netloc.lower().removesuffix(default) == host.removesuffix(default)


def local_host_header(headers: Headers) -> bool:
    """Without a login the page is for this computer only: a Host naming anything else is a web site that
    pointed its own name at 127.0.0.1 (DNS rebinding), not this computer's browser."""
    return host_name(headers.get("host", "")) in LOOPBACK_NAMES


def is_closed(path: str) -> bool:
    return path.startswith(CLOSED_PREFIXES)


def client_address(scope_client: tuple[str, int] | None, headers: Headers) -> str:
    """Who is trying to log in. The share tunnel arrives from 127.0.0.1 and names the real sender in
    X-Forwarded-For; from anywhere else that header is not trusted."""
    host = scope_client[0] if scope_client else "?"
    forwarded = headers.get("x-forwarded-for")
    if host in LOOPBACK_NAMES and forwarded:
        return "fwd:" + forwarded.split(",")[0].strip()[:64]
    return host


class LoginThrottle:
    """After FREE_FAILURES wrong passwords from one address, each attempt waits: 2 s, 4 s, 8 s … 15 min.
    A right password clears the address. Bounded: the oldest addresses are forgotten first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address → (failures, wait until)

    def wait_left(self, address: str) -> float:
        """Seconds this address must still wait before its next attempt (0: go ahead)."""
        with self._lock:
            _failures, until = self._seen.get(address, (0, 0.0))
        return max(0.0, until - self._clock())

    def failed(self, address: str) -> float:
        """Record a wrong password; returns the wait now imposed on the address."""
        with self._lock:
            failures = self._seen.pop(address, (0, 0.0))[0] + 1
            wait = 0.0
            if failures >= FREE_FAILURES:
                wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_FAILURES))
            self._seen[address] = (failures, self._clock() + wait)
            while len(self._seen) > TRACKED_ADDRESSES:
                self._seen.popitem(last=False)
            return wait

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._seen.pop(address, None)
