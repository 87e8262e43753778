"""Launching the page: who may reach it, what it serves, and where the console says it is.

Localhost by default; --listen and --share only behind a login, which makes the person a guest; the owner
comes in through the owner link the launcher opens (backend/owner_key.py). Only the clips folder is served.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import inspect
import io
import logging
import secrets
import socket
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import gradio as gr
from gradio.route_utils import CustomCORSMiddleware
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from backend.access import Viewer
from backend.errors import BadRequest
from backend.i18n import text
from backend.owner_key import owner_url
from backend.studio import Studio
from ui import gradio_zh
from ui.areas import gallery
from ui.context import ServerInfo, UiContext
from ui.grid_route import grid_routes
from ui.handoff import handoff_routes
from ui.labels import translations
from ui.layout import build
from ui.login_gate import GatePolicy, LoginGate
from ui.network import lan_addresses
from ui.poster_route import poster_routes
from ui.roles import OWNER_USER, guard_endpoints

logger = logging.getLogger(__name__)

LOCAL_HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
GENERATED_USER = "studio"
MIN_PASSWORD = 8
MAX_UPLOAD = "1mb"
"""The page takes no uploads; anything sent to the upload route is refused beyond this."""
CSS_FILE = Path(__file__).with_name("page.css")
LANG_CSS_FILE = Path(__file__).with_name("lang.css")


@dataclass(frozen=True)
class LaunchOptions:
    """The serve command's options (app.py's argparse names)."""

    port: int = 7860
    listen: bool = False
    share: bool = False
    auth: str | None = None
    no_browser: bool = False
    no_preload: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LaunchOptions:
        return cls(port=int(args.port), listen=bool(args.listen), share=bool(args.share), auth=args.auth or None,
                   no_browser=bool(args.no_browser), no_preload=bool(getattr(args, "no_preload", False)))


@dataclass(frozen=True)
class Access:
    """Where the server binds and the one login it accepts (None: no login, localhost only)."""

    host: str
    credentials: tuple[str, str] | None
    generated: bool

    @property
    def remote(self) -> bool:
        return self.host != LOCAL_HOST


def parse_auth(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user.strip() or not password:
        raise BadRequest("--auth must look like user:password, with both parts filled in.")
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"The --auth password is too short: use at least {MIN_PASSWORD} characters "
                         "(anyone with the link can try passwords).")
    if user.strip() == OWNER_USER:
        raise BadRequest(f"The user name {OWNER_USER!r} is reserved; choose another for --auth.")
    return user.strip(), password


def generated_password() -> str:
    """A fresh password; never starting with '-', so it can be typed after a command-line option."""
    while True:
        password = secrets.token_urlsafe(12)
        if not password.startswith("-"):
            return password


def plan_access(options: LaunchOptions) -> Access:
    """Localhost needs no login; the network or a public link always does (one is made up if not given)."""
    host = ALL_INTERFACES if options.listen else LOCAL_HOST
    if options.auth:
        return Access(host, parse_auth(options.auth), generated=False)
    if options.listen or options.share:
        return Access(host, (GENERATED_USER, generated_password()), generated=True)
    return Access(host, None, generated=False)


def clip_fetch_rule(studio: Studio) -> Callable[[Viewer, str], bool]:
    """Which files a guest may fetch: in the clips folder, or named like a clip (Gradio's cached copies),
    only the clips they may see; anything else is left to Gradio's own allowed-paths check."""
    clips_dir = studio.paths.clips_dir.resolve()

    def may_fetch(viewer: Viewer, path: str) -> bool:
        file = Path(path)
        stem = file.name.split(".", 1)[0] if not file.name.startswith(".") else file.name
        try:
            inside = file.resolve().is_relative_to(clips_dir)
        except (OSError, ValueError):
            inside = False
        if not inside and stem not in {c.id for c in studio.clips()}:
            return True
        return stem in {c.id for c in studio.clips_for(viewer)}

    return may_fetch


def launch_kwargs(options: LaunchOptions, access: Access, clips_dir: Path,
                  policy: GatePolicy | None = None, routes: list[BaseRoute] | None = None) -> dict[str, Any]:
    """Everything passed to Blocks.launch. Only the clips folder is served; auth goes with any exposure.
    The browser is opened by `serve` itself, on the owner link. `routes` go in front of Gradio's (the local
    hand-off of `app.py generate`)."""
    if (options.listen or options.share) and access.credentials is None:
        raise BadRequest("Sharing the page needs a login.")  # plan_access never allows this; keep it enforced
    return {
        "server_name": access.host,
        "server_port": options.port,
        "share": options.share,
        "auth": access.credentials,
        "auth_message": "Wan Studio: log in with the user and password shown where the app was started.",
        "inbrowser": False,
        "allowed_paths": [str(clips_dir.resolve())],
        "max_file_size": MAX_UPLOAD,
        "show_error": False,
        "quiet": True,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "run_history": False,
        "footer_links": ["api"],  # Gradio's own "Settings" panel is for developers, not the app's settings
        "css_paths": [CSS_FILE, LANG_CSS_FILE],
        # the clips grid's first request, before Gradio's scripts load; Gradio's fixed English labels in Chinese
        "head": gallery.PAGE_HEAD + gradio_zh.HEAD,
        "i18n": translations(),  # static labels in the browser's language (ui/labels.py)
        # Gradio leaves some of its routes open even with a login; the gate closes them (ui/login_gate.py).
        "app_kwargs": {"middleware": [Middleware(LoginGate, policy=policy or GatePolicy())],
                       "routes": list(routes or [])},
        **skip_hosted_notebook_probe(),
    }


def skip_hosted_notebook_probe() -> dict[str, Any]:
    """Gradio's launch asks its own page once (a 3 s timeout) and, for hosted notebooks, refuses to start
    without a share link when that answer is late: on a busy computer (a model loading, a virus scan) the
    studio would stop with "When localhost is not accessible…". The server is already up when launch asks
    (Gradio waits for it), and this page is never in a hosted notebook, so the probe is turned off where
    this Gradio has the switch."""
    return {"_frontend": False} if "_frontend" in inspect.signature(gr.Blocks.launch).parameters else {}


def page_routes(studio: Studio) -> list[BaseRoute]:
    """Routes in front of Gradio's: the clips grid's first draw and its posters, and the local hand-off of
    `app.py generate`."""
    return grid_routes(studio) + poster_routes(studio) + handoff_routes(studio)


def build_app(studio: Studio, access: Access, share: bool = False) -> tuple[gr.Blocks, UiContext]:
    """The page for this Studio. Handlers return at once (jobs run on the Studio's worker), so no event
    needs to wait behind another: no default concurrency limit."""
    user = access.credentials[0] if access.credentials else None
    password = access.credentials[1] if access.credentials and access.generated else None
    ctx = UiContext(studio, ServerInfo(listen=access.remote, share_requested=share, user=user,
                                       generated_password=password))
    demo = build(ctx)
    guard_endpoints(demo, ctx.lang)  # refuses to serve an event without a declared role
    demo.queue(default_concurrency_limit=None)
    return demo, ctx


def drop_cross_site_headers(demo: gr.Blocks) -> None:
    """Gradio echoes any Origin back with credentials allowed once the page is reached by a name other
    than localhost (the LAN address, the public link): another web site could then read the page with the
    visitor's login. The page is same-origin only, so that middleware is removed; the stack is rebuilt at
    the next request."""
    app = demo.app
    app.user_middleware = [m for m in app.user_middleware if m.cls is not CustomCORSMiddleware]
    app.middleware_stack = None


def record_launch(ctx: UiContext, demo: gr.Blocks) -> ServerInfo:
    """What the running server turned out to be (the public link may have failed)."""
    info = replace(ctx.server, local_url=str(demo.local_url or ""), port=int(demo.server_port or 0),
                   share_url=getattr(demo, "share_url", None))
    ctx.set_server(info)
    return info


def announce(info: ServerInfo, out: TextIO, owner_link: str | None = None, lang: str = "en") -> None:
    """The console lines a person needs, in the console's language. The one place the app writes to stdout:
    the generated password and the owner link must reach the user and must not go into the log file."""
    if owner_link:  # a login guards the page: the owner's own way in first, then the address that asks for it
        lines = [text("serve.owner_link", lang, url=owner_link), text("serve.guest_login", lang, url=info.local_url)]
    else:
        lines = [text("serve.running", lang, url=info.local_url)]
    if info.listen:
        addresses = lan_addresses()
        where = (", ".join(f"http://{a}:{info.port}/" for a in addresses) if addresses
                 else text("serve.network_any", lang))
        lines.append(text("serve.network", lang, port=info.port, addresses=where))
    if info.share_requested:
        lines.append(text("serve.public", lang, url=info.share_url) if info.share_url else
                     text("serve.no_public", lang))
    if info.user and info.generated_password:
        lines.append(text("serve.login_generated", lang, user=info.user, password=info.generated_password))
    elif info.user:
        lines.append(text("serve.login_given", lang, user=info.user))
    lines.append(text("serve.stop", lang))
    out.write("\n".join(lines) + "\n")
    out.flush()


def port_problem(port: int, err: OSError) -> str:
    """Why the page could not start, in one line of the app's words."""
    if "empty port" in str(err) or getattr(err, "errno", None) == errno.EADDRINUSE:
        return (f"The page could not start: port {port} is in use (another program, or Wan Studio already "
                "running). Choose another with --port.")
    return f"The page could not start on port {port} ({err.strerror or err}). Choose another with --port."


def wait_until_stopped(demo: gr.Blocks) -> None:
    """Keep `demo` served: block the main thread until Ctrl+C or SIGTERM (raised as KeyboardInterrupt for the
    caller to report as "Stopped"; Gradio's own block_thread would print its developer message instead)."""
    while True:
        time.sleep(0.5)


def serve(studio: Studio, args: argparse.Namespace, reserved: socket.socket | None = None) -> int:
    """Serve the page for a started Studio (its owner, app.py, stops it); block until Ctrl+C. 0 on a clean stop.
    `reserved` has held the port since before the Studio started; it is let go just before the page binds it."""
    options = LaunchOptions.from_args(args)
    try:
        access = plan_access(options)
    except BadRequest as err:
        logger.error("%s", err.user_text())
        return 2
    demo: gr.Blocks | None = None
    try:
        demo, ctx = build_app(studio, access, share=options.share)
        policy = GatePolicy(owner_key=studio.owner_key(), may_fetch=clip_fetch_rule(studio))
        if reserved is not None:
            reserved.close()
        said = io.StringIO()  # Gradio prints its own advice (share link, ports) for developers: kept for the log
        try:
            with contextlib.redirect_stdout(said):
                demo.launch(prevent_thread_lock=True, **launch_kwargs(options, access, studio.paths.clips_dir,
                                                                      policy, page_routes(studio)))
        except OSError as err:
            logger.debug("Launch failed: %s", err)
            logger.error("%s", port_problem(options.port, err))
            return 1
        if said.getvalue().strip():
            logger.info("Gradio said: %s", " ".join(said.getvalue().split()))
        drop_cross_site_headers(demo)
        info = record_launch(ctx, demo)
        link = owner_url(f"http://{LOCAL_HOST}:{info.port}", policy.owner_key or "")
        studio.publish_address(link)  # a second launch opens the owner link; app.py generate hands its job here
        # one line each: where it runs, and the public link or why there is none
        announce(info, sys.stdout, link if access.credentials else None, getattr(args, "lang", "en"))
        if not options.no_browser:
            webbrowser.open(link)
        wait_until_stopped(demo)
    finally:
        if demo is not None:
            demo.close(verbose=False)
    return 0
