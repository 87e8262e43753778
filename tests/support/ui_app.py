"""Start the real page in-process on a free port, on a Studio with the CPU test engine, and always close it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr
import httpx
from gradio_client import Client

from backend.gpu import GpuSource
from backend.owner_key import owner_url
from backend.settings import Paths
from backend.studio import Studio
from tests.support.cpu_engine import CpuTestEngine
from ui.context import UiContext
from ui.login_gate import GatePolicy
from ui.server import (
    Access,
    LaunchOptions,
    build_app,
    clip_fetch_rule,
    drop_cross_site_headers,
    launch_kwargs,
    page_routes,
    plan_access,
    record_launch,
)

T = TypeVar("T")
NO_TLS = False
"""`verify=` for the tests' requests: plain http to 127.0.0.1, so no certificate is ever checked. Left on, httpx
loads the whole CA bundle into a new TLS context for every client, and gradio_client makes one per request:
0.05-0.4 s each on a loaded two-core machine, a quarter of the time of a test that drives the page."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    studio: Studio
    engine: CpuTestEngine
    demo: gr.Blocks
    ctx: UiContext
    access: Access
    url: str
    policy: GatePolicy

    def client(self) -> Client:
        """A fresh gradio_client session (a new 'tab'), logged in with the password when the app needs a
        login: a guest then, the owner when the page is for this computer only."""
        return Client(self.url, auth=self.access.credentials, verbose=False, download_files=False, ssl_verify=NO_TLS)

    def owner_cookies(self) -> httpx.Cookies:
        """The owner session the owner link gives (as the launcher's browser gets it)."""
        response = httpx.get(owner_url(self.url, self.policy.owner_key or ""), follow_redirects=False, verify=NO_TLS)
        assert response.status_code == 303, response.text
        return response.cookies

    def owner_client(self) -> Client:
        """A gradio_client session with the owner's cookie."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.owner_cookies().items())
        return Client(self.url, headers={"Cookie": cookie}, verbose=False, download_files=False, ssl_verify=NO_TLS)

    def file_url(self, path: Path | str) -> str:
        return f"{self.url}gradio_api/file={path}"


@contextmanager
def running_app(paths: Paths, engine: CpuTestEngine | None = None, gpu: GpuSource | None = None,
                options: LaunchOptions | None = None, host_ram: float = 64.0) -> Iterator[RunningApp]:
    """The page exactly as `serve` builds it (same builder, same launch options) but on a free port,
    without a browser, a share tunnel or a blocking main thread."""
    from tests.conftest import FakeGpu

    engine = engine or CpuTestEngine()
    studio = Studio(paths, engine, gpu=gpu or FakeGpu(), host_ram=host_ram, preload=False)
    studio.start()
    options = options or LaunchOptions()
    access = plan_access(options)
    demo, ctx = build_app(studio, access, share=False)
    policy = GatePolicy(owner_key=studio.owner_key(), may_fetch=clip_fetch_rule(studio))
    kwargs = launch_kwargs(options, access, paths.clips_dir, policy, page_routes(studio))
    kwargs.update(server_port=free_port(), inbrowser=False, share=False)
    try:
        demo.launch(prevent_thread_lock=True, **kwargs)
        drop_cross_site_headers(demo)
        record_launch(ctx, demo)
        url = f"http://127.0.0.1:{demo.server_port}/"
        yield RunningApp(studio, engine, demo, ctx, access, url, policy)
    finally:
        demo.close(verbose=False)
        if engine.gate is not None:  # a failed test must not leave the worker parked on a closed gate
            engine.gate.set()
        studio.stop()


def eventually(check: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout:.0f} s (last value: {last!r})")
