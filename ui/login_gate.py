"""The login gate: in front of every route Gradio has (including ones a later Gradio adds), one place that
decides whether a request gets through.

- Closed to everyone: uploads; requests from another site (a foreign Origin); without a login, any Host but
  this computer's own name (DNS rebinding).
- The owner link (`/?owner=KEY`, backend/owner_key.py) is traded for an owner session cookie (HttpOnly,
  SameSite=Strict) and the key is dropped from the address bar.
- With a login, every request but the login page and its files needs a live session: Gradio checks the
  login on most of its routes but not on all of them (heartbeat, cancel, stream, reset, startup events, app
  id, custom component files, its OpenAPI schema…). Sessions expire; logins are slowed after failures.
- A guest may fetch only the clips they may see.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, unquote

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.access import Viewer
from backend.handoff import JOBS_PATH
from backend.i18n import Lang, text
from backend.owner_key import OWNER_PARAM, is_owner_key
from ui.edges import LoginThrottle, client_address, is_closed, local_host_header, same_origin
from ui.language import STORAGE_KEY, page_lang
from ui.roles import OWNER_USER, session_token, viewer_from

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({
    "/",  # without a session Gradio serves only the page shell, whose config says "log in first"
    "/login", "/login/",  # where the login form posts
    "/logout",  # only clears the session cookie
    "/theme.css", "/favicon.ico",  # the login page's look; browsers ask for the icon on their own
    "/gradio_api/startup-events",  # Gradio calls it on itself at launch; it only starts the queue, once
})
PUBLIC_PREFIXES = ("/assets/", "/static/")
"""Gradio's compiled scripts, styles and fonts: the login page cannot be drawn without them."""
FILE_PREFIXES = ("/gradio_api/file=", "/file=")
SESSION_MAX_AGE_S = 24 * 3600.0
"""A login lasts a day; then the person logs in again."""


SELF_CHECKED_PREFIXES = (JOBS_PATH,)
"""Routes that check their caller themselves (the owner key, from this computer only: ui/handoff.py)."""


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES + SELF_CHECKED_PREFIXES)


def has_session(server: Any, connection: HTTPConnection) -> bool:
    """Whether the request carries a session cookie Gradio issued at login (the same test Gradio makes)."""
    return session_token(server, connection.cookies) is not None


@dataclass
class GatePolicy:
    """What the gate needs from the running app: the owner key, which files a guest may fetch, and the
    state it keeps (failed logins, when each session started)."""

    owner_key: str | None = None
    may_fetch: Callable[[Viewer, str], bool] = lambda _viewer, _path: True
    session_max_age_s: float = SESSION_MAX_AGE_S
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    clock: Callable[[], float] = time.monotonic
    _started: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def live(self, server: Any, token: str | None) -> bool:
        """A known session younger than the maximum age; an older one is ended here."""
        if token is None:
            return False
        now = self.clock()
        with self._lock:
            started = self._started.setdefault(token, now)
            for old in [t for t in self._started if t not in server.tokens]:
                del self._started[old]  # logged out: forget it
        if now - started <= self.session_max_age_s:
            return True
        server.tokens.pop(token, None)
        logger.info("A login session expired")
        return False


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def refusal_lang(scope: Scope) -> Lang:
    """The language of a refusal sent before any page: the browser's stored choice (the cookie the page's
    language switch keeps next to its own storage), else its Accept-Language."""
    headers = Headers(scope=scope)
    return page_lang(HTTPConnection(scope).cookies.get(STORAGE_KEY), headers.get("accept-language", ""))


class LoginGate:
    """ASGI middleware inside Gradio's app. `policy` comes from ui/server.py (a default one in tests)."""

    def __init__(self, app: ASGIApp, policy: GatePolicy | None = None) -> None:
        self.app = app
        self.policy = policy or GatePolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._check(scope)
        if refusal is None:
            send = self._watch_login(scope, send) if _path(scope) in ("/login", "/login/") else send
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await refusal(scope, receive, send)

    # ---- the decision ----------------------------------------------------------------------------------
    def _check(self, scope: Scope) -> Response | None:
        """None to let the request through, else the response that refuses it."""
        server = scope.get("app")  # Starlette puts the app being served here: Gradio's, with its logins
        headers = Headers(scope=scope)
        path = _path(scope)
        login = getattr(server, "auth", None) is not None
        lang = refusal_lang(scope)
        if not same_origin(headers):
            return _refuse(403, text("gate.other_site", lang))
        if not login and not local_host_header(headers):
            return _refuse(403, text("gate.own_address", lang))
        if is_closed(path):
            return _refuse(403, text("gate.no_uploads", lang))
        if path == "/" and OWNER_PARAM in _query(scope):
            return self._owner_link(scope, server, headers, login)
        if path in ("/login", "/login/"):
            wait = self.policy.throttle.wait_left(client_address(scope.get("client"), headers))
            if wait > 0:
                return _refuse(429, text("gate.too_many", lang, wait=f"{wait:.0f}"),
                               {"Retry-After": str(max(1, round(wait)))})
        if not login:
            return None
        cookies = HTTPConnection(scope).cookies
        if not self.policy.live(server, session_token(server, cookies)):
            return None if is_public(path) else _refuse(401, "Not authenticated")
        viewer = viewer_from(server, cookies)
        if viewer is not None and not viewer.is_owner and path.startswith(FILE_PREFIXES):
            wanted = unquote(path.split("=", 1)[1])
            if not self.policy.may_fetch(viewer, wanted):
                return _refuse(403, text("gate.not_yours", lang))
        return None

    def _owner_link(self, scope: Scope, server: Any, headers: Headers, login: bool) -> Response:
        """Trade the owner key for an owner session and send the browser on to the page without the key."""
        address = client_address(scope.get("client"), headers)
        wait = self.policy.throttle.wait_left(address)
        given = _query(scope).get(OWNER_PARAM, [""])[0]
        if wait > 0 or self.policy.owner_key is None or not is_owner_key(given, self.policy.owner_key):
            if wait <= 0:
                self.policy.throttle.failed(address)
            return _refuse(403, text("gate.owner_link", refusal_lang(scope)))
        self.policy.throttle.succeeded(address)
        response = RedirectResponse(str(scope.get("root_path") or "") + "/", status_code=303)
        if login:
            token = secrets.token_urlsafe(32)
            server.tokens[token] = OWNER_USER
            cookie_id = getattr(server, "cookie_id", "")
            response.set_cookie(f"access-token-{cookie_id}", token, httponly=True, samesite="strict", secure=True)
            response.set_cookie(f"access-token-unsecure-{cookie_id}", token, httponly=True, samesite="strict")
        logger.info("The owner link was used")
        return response

    # ---- the login form --------------------------------------------------------------------------------
    def _watch_login(self, scope: Scope, send: Send) -> Send:
        """Count wrong passwords per address, and make Gradio's session cookies SameSite=Strict (it sets
        SameSite=None, which lets any other web site send them along)."""
        address = client_address(scope.get("client"), Headers(scope=scope))
        throttle = self.policy.throttle

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                status = int(message["status"])
                if status == 200:
                    throttle.succeeded(address)
                    _strict_cookies(message)
                elif 400 <= status < 500 and throttle.failed(address) > 0:
                    logger.warning("Repeated wrong passwords from %s; slowing its logins", address)
            await send(message)

        return watching


def _strict_cookies(message: Message) -> None:
    headers = MutableHeaders(scope=message)
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for raw in cookies:
        parsed = SimpleCookie()
        parsed.load(raw)
        for morsel in parsed.values():
            morsel["samesite"] = "Strict"
            morsel["httponly"] = True
            headers.append("set-cookie", morsel.OutputString())


def _query(scope: Scope) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def _path(scope: Scope) -> str:
    path, root = str(scope.get("path", "")), str(scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    return path
