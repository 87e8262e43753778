"""Sharing: with --listen, and with --share (the tunnel simulated, no network), every route the server has
(page, API, file, queue, upload, config…) refuses a request without a login, except the login page itself."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import httpx
import pytest

from backend.settings import Paths
from tests.conftest import SMALL
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import NO_TLS, RunningApp, free_port, running_app
from ui.login_gate import GatePolicy
from ui.server import (
    LaunchOptions,
    build_app,
    clip_fetch_rule,
    drop_cross_site_headers,
    launch_kwargs,
    plan_access,
    record_launch,
)

SHARING = ("listen", "share")
PUBLIC = {
    # The login page: without a session Gradio serves only the page shell, whose config says "log in first".
    ("GET", "/"), ("HEAD", "/"),
    # Where the login form posts, and logging out (which only clears the cookie).
    ("POST", "/login"), ("POST", "/login/"), ("GET", "/logout"),
    # Files the login page is drawn with (Gradio's compiled scripts and styles, fonts, theme), and the icon
    # browsers ask for on their own. test_browser_logs_in_through_the_gate shows the login page needs no more.
    ("GET", "/assets/{path:path}"), ("GET", "/static/{path:path}"), ("GET", "/theme.css"), ("GET", "/favicon.ico"),
    # Gradio's launch calls this on its own server before anyone can log in; it starts the queue once, no data.
    ("GET", "/gradio_api/startup-events"),
}
"""(method, route) pairs that answer without a login, each with the reason above it."""
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PUBLIC_URLS = {path for _method, path in PUBLIC if "{" not in path}
REFUSED = (401, 403)
FILL = {"path_or_url": "{clip}", "api_name": "progress", "path": "index.html"}
"""Values for route parameters; anything not named here gets 'x'."""


def routes(app_routes: Iterable[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers and mounts, as FastAPI and Starlette nest them."""
    for route in app_routes:
        inner = getattr(route, "original_router", None)  # FastAPI ≥ 0.120 keeps included routers nested
        if inner is not None:
            yield from routes(inner.routes, prefix + getattr(route.include_context, "prefix", ""))  # type: ignore[attr-defined]
            continue
        path = prefix + str(getattr(route, "path", ""))
        methods = getattr(route, "methods", None)
        if methods is None and getattr(route, "routes", None) is not None:  # a mounted sub-application
            yield from routes(route.routes, path)  # type: ignore[attr-defined]
            continue
        for method in sorted(methods or {"GET"}):
            yield method, path


def url_for(app: RunningApp, path: str, clip: str) -> str:
    def fill(match: re.Match[str]) -> str:
        return FILL.get(match.group(1), "x").format(clip=clip)

    return app.url.rstrip("/") + re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)


@contextmanager
def shared_app(paths: Paths, mode: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningApp]:
    """--listen as running_app starts it; --share through Gradio's real share path with the tunnel failing."""
    if mode == "listen":
        with running_app(paths, options=LaunchOptions(listen=True)) as app:
            yield app
        return

    def no_tunnel(*_args: object, **_kwargs: object) -> str:
        raise OSError("no network in this test")

    monkeypatch.setattr("gradio.networking.setup_tunnel", no_tunnel)
    from backend.studio import Studio
    from tests.conftest import FakeGpu

    engine = CpuTestEngine()
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    options = LaunchOptions(share=True, port=free_port(), no_browser=True)
    access = plan_access(options)
    demo, ctx = build_app(studio, access, share=True)
    policy = GatePolicy(owner_key=studio.owner_key(), may_fetch=clip_fetch_rule(studio))
    try:
        demo.launch(prevent_thread_lock=True, **launch_kwargs(options, access, paths.clips_dir, policy))
        drop_cross_site_headers(demo)
        assert record_launch(ctx, demo).share_url is None  # the tunnel really was tried, and failed
        yield RunningApp(studio, engine, demo, ctx, access, f"http://127.0.0.1:{demo.server_port}/", policy)
    finally:
        demo.close(verbose=False)
        studio.stop()


@pytest.mark.slow
@pytest.mark.parametrize("mode", SHARING)
def test_no_route_answers_without_login(paths: Paths, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with shared_app(paths, mode, monkeypatch) as app:
        (job,) = app.studio.submit("private clip", seed=1, **SMALL)
        clip = str(app.studio.clip(app.studio.queue.wait_for(job.id, ("done",), 60).clip_id or "").path)
        assert isinstance(app.demo, gr.Blocks)
        found = sorted(set(routes(app.demo.app.routes)))
        assert len(found) > 40 and ("POST", "/gradio_api/upload") in found  # really the whole server
        answered = []
        for method, path in found:
            if (method, path) in PUBLIC:
                continue
            with httpx.stream(method, url_for(app, path, clip), json={} if method == "POST" else None,
                              timeout=10, verify=NO_TLS) as response:
                if response.status_code not in REFUSED:
                    answered.append((method, path, response.status_code))
        assert answered == []

        shell = httpx.get(app.url)
        assert shell.status_code == 200 and "wan-generate" not in shell.text and "private clip" not in shell.text
        user, password = app.access.credentials or ("", "")
        with httpx.Client() as browser:  # logged in, the same routes answer: the refusals above were the login
            assert browser.post(f"{app.url}login", data={"username": user, "password": password}).status_code == 200
            assert browser.get(f"{app.url}config").status_code == 200
            file_url = url_for(app, "/gradio_api/file={path_or_url:path}", clip)
            assert browser.get(file_url).status_code == 403  # a guest; the owner made this clip
            app.studio.update_settings(guests_see_all_clips=True)
            assert browser.get(file_url).status_code == 200
            with browser.stream("GET", f"{app.url}gradio_api/heartbeat/abc", timeout=10) as beat:
                assert beat.status_code == 200
        assert "Nothing is running" in app.client().predict(api_name="/progress")[0]


@pytest.mark.slow
@pytest.mark.browser
def test_browser_logs_in_through_the_gate(paths: Paths) -> None:
    """The login page draws with only the public routes, and after logging in the whole page works."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)")
    with running_app(paths, options=LaunchOptions(listen=True)) as app, sync_api.sync_playwright() as pw:
        user, password = app.access.credentials or ("", "")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            before: list[tuple[int, str]] = []
            page.on("response", lambda r: before.append((r.status, r.url.removeprefix(app.url.rstrip("/")))))
            page.goto(app.url)
            page.wait_for_selector("input[type=password]", timeout=20_000)
            paths_seen = {url.split("?")[0] for _status, url in before}
            assert all(path in PUBLIC_URLS or path.startswith(("/assets/", "/static/")) for path in paths_seen), \
                paths_seen
            page.fill("input[type=text]", user)
            page.fill("input[type=password]", password)
            page.click("button:has-text('Login')")
            page.wait_for_selector("#wan-generate", timeout=20_000)
            page.wait_for_function("() => document.querySelector('#wan-progress').innerText.includes('Nothing')")
        finally:
            browser.close()
