"""The login gate: when the page needs a login, every request but the login page and its files needs a session.

Gradio checks the login on most of its routes but not on all of them (heartbeat, cancel, stream, reset,
startup events, app id, custom component files, its OpenAPI schema…); this closes the rest in one place,
in front of all of Gradio's routes, including ones a later Gradio adds.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def has_session(server: Any, connection: HTTPConnection) -> bool:
    """Whether the request carries a session cookie Gradio issued at login (the same test Gradio makes)."""
    cookie_id = getattr(server, "cookie_id", "")
    token = (connection.cookies.get(f"access-token-{cookie_id}")
             or connection.cookies.get(f"access-token-unsecure-{cookie_id}"))
    return token is not None and token in getattr(server, "tokens", {})


class LoginGate:
    """ASGI middleware inside Gradio's app: a request without a session gets 401 unless its path is public.
    Without a login configured (localhost only) everything passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await JSONResponse({"detail": "Not authenticated"}, status_code=401)(scope, receive, send)

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        server = scope.get("app")  # Starlette puts the app being served here: Gradio's, with its logins
        if getattr(server, "auth", None) is None:
            return True
        path, root = str(scope.get("path", "")), str(scope.get("root_path") or "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        return is_public(path) or has_session(server, HTTPConnection(scope))
