"""Launch rules: localhost by default, a login for --listen and --share, only the clips folder served."""

from __future__ import annotations

import argparse
import io
import logging
import socket
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import httpx
import pytest
from gradio_client.exceptions import AuthenticationError

from backend.errors import BadRequest
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import free_port, running_app
from ui.areas.notices import notices_html
from ui.context import ServerInfo, UiContext
from ui.server import LaunchOptions, announce, launch_kwargs, plan_access, record_launch, serve


def make_clip(studio: Studio) -> Path:
    (job,) = studio.submit("served clip", 832, 480, 5, 1, "auto")
    assert studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
    return studio.clips()[0].path


# ---- who may reach the page ----------------------------------------------------------------------------
def test_localhost_by_default_without_login() -> None:
    access = plan_access(LaunchOptions())
    assert access.host == "127.0.0.1" and access.credentials is None and not access.remote


@pytest.mark.parametrize("options", [LaunchOptions(listen=True), LaunchOptions(share=True),
                                     LaunchOptions(listen=True, share=True)])
def test_listen_and_share_always_get_a_login(options: LaunchOptions, tmp_path: Path) -> None:
    access = plan_access(options)
    assert access.credentials is not None and access.generated
    user, password = access.credentials
    assert user and len(password) >= 16
    assert plan_access(options).credentials != access.credentials  # made up fresh each launch
    kwargs = launch_kwargs(options, access, tmp_path / "clips")
    assert kwargs["auth"] == access.credentials and kwargs["share"] == options.share
    assert kwargs["server_name"] == ("0.0.0.0" if options.listen else "127.0.0.1")


def test_given_auth_is_used_and_checked(tmp_path: Path) -> None:
    access = plan_access(LaunchOptions(share=True, auth="ann:pa:ss-long"))
    assert access.credentials == ("ann", "pa:ss-long") and not access.generated
    for bad in ("annpass", ":password", "ann:"):
        with pytest.raises(BadRequest, match="user:password"):
            plan_access(LaunchOptions(listen=True, auth=bad))
    for short in ("ann:p", "ann:1234567", "ann:pa:ss"):
        with pytest.raises(BadRequest, match="at least 8 characters"):
            plan_access(LaunchOptions(listen=True, auth=short))
    with pytest.raises(BadRequest, match="reserved"):
        plan_access(LaunchOptions(share=True, auth="owner (this computer):long enough"))


def test_launch_kwargs_serve_only_the_clips_folder(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    options = LaunchOptions(port=8123, no_browser=True)
    kwargs = launch_kwargs(options, plan_access(options), clips)
    assert kwargs["allowed_paths"] == [str(clips.resolve())]
    assert kwargs["server_port"] == 8123 and kwargs["inbrowser"] is False and kwargs["auth"] is None
    assert kwargs["max_file_size"] and kwargs["ssr_mode"] is False and kwargs["show_error"] is False
    # serve() opens the browser itself, on the owner link (tests/test_roles.py), never Gradio on the bare URL
    assert launch_kwargs(LaunchOptions(), plan_access(LaunchOptions()), clips)["inbrowser"] is False
    with pytest.raises(BadRequest):  # a hand-made Access without a login cannot be shared
        launch_kwargs(LaunchOptions(share=True), plan_access(LaunchOptions()), clips)


# ---- the running server ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_page_starts_on_a_computer_too_busy_to_answer_gradios_own_probe(paths: Paths, monkeypatch) -> None:
    """Gradio asks its own page once with a 3 s timeout; a loaded computer answers late. The studio starts
    anyway (CI saw "When localhost is not accessible, a shareable link must be created")."""
    import gradio.networking

    monkeypatch.setattr(gradio.networking, "url_ok", lambda url: False)  # the probe's answer came too late
    with running_app(paths) as app:
        assert httpx.get(app.url, cookies=app.owner_cookies()).status_code == 200


@pytest.mark.slow
def test_listen_refuses_requests_without_login(paths: Paths) -> None:
    with running_app(paths, options=LaunchOptions(listen=True)) as app:
        clip = make_clip(app.studio)
        page = httpx.get(app.url)
        assert '"auth_required":true' in page.text.replace(" ", "") and "wan-generate" not in page.text
        assert httpx.get(f"{app.url}config").status_code == 401
        assert httpx.get(f"{app.url}gradio_api/info").status_code == 401
        assert httpx.get(app.file_url(clip)).status_code == 401
        assert httpx.post(f"{app.url}gradio_api/queue/join", json={}).status_code == 401
        assert httpx.post(f"{app.url}gradio_api/run/progress", json={"data": []}).status_code == 401
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            type(app.client())(app.url, verbose=False)
        user, password = app.access.credentials or ("", "")
        wrong = httpx.post(f"{app.url}login", data={"username": user, "password": password + "x"})
        assert wrong.status_code == 400
        with httpx.Client() as browser:
            assert browser.post(f"{app.url}login", data={"username": user, "password": password}).status_code == 200
            assert browser.get(app.file_url(clip)).status_code == 403  # a guest: the owner's clip is not theirs
            assert "wan-generate" in browser.get(app.url).text
        assert httpx.get(app.file_url(clip), cookies=app.owner_cookies()).status_code == 200
        assert "Nothing is running" in app.client().predict(api_name="/progress")[0]


@pytest.mark.slow
def test_file_route_serves_clips_and_nothing_else(paths: Paths, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the page")
    with running_app(paths) as app:
        clip = make_clip(app.studio)
        inside = httpx.get(app.file_url(clip))
        assert inside.status_code == 200 and inside.content == clip.read_bytes()
        assert inside.headers["content-type"] == "video/mp4"
        refused = [outside, paths.settings_file, paths.queue_file, paths.clips_dir / ".." / "queue.json",
                   Path(__file__), Path("/etc/passwd")]
        for path in refused:
            assert httpx.get(app.file_url(path)).status_code in (403, 404), path


def test_share_failure_is_said_and_the_page_keeps_working(paths: Paths) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    ctx = UiContext(studio, ServerInfo(share_requested=True, user="studio", generated_password="pw123"))
    demo = SimpleNamespace(local_url="http://127.0.0.1:7860/", server_port=7860, share_url=None)
    info = record_launch(ctx, demo)  # type: ignore[arg-type]
    out = io.StringIO()
    announce(info, out)
    text = out.getvalue()
    assert "public link could not be made" in text and "http://127.0.0.1:7860/" in text and "pw123" in text
    assert "could not be made" in notices_html([], ctx.server) and "pw123" in notices_html([], ctx.server)
    shared = record_launch(ctx, SimpleNamespace(local_url="x", server_port=1, share_url="https://a.gradio.live"))  # type: ignore[arg-type]
    assert "https://a.gradio.live" in notices_html([], shared)


# ---- serve(), as app.py calls it -----------------------------------------------------------------------
def serve_args(**changes: object) -> argparse.Namespace:
    values = {"port": free_port(), "listen": False, "share": False, "auth": None, "no_browser": True,
              "no_preload": True, **changes}
    return argparse.Namespace(**values)


@pytest.mark.slow
def test_serve_shares_behind_a_login_and_survives_a_failed_tunnel(paths: Paths, monkeypatch, capsys, caplog) -> None:
    def no_tunnel(*_args: object, **_kwargs: object) -> str:
        raise OSError("no network (test)")

    seen: dict[str, int] = {}

    def instead_of_blocking(demo: gr.Blocks) -> None:
        url = f"http://127.0.0.1:{demo.server_port}/"
        seen["config"] = httpx.get(f"{url}config").status_code

    monkeypatch.setattr("gradio.networking.setup_tunnel", no_tunnel)
    monkeypatch.setattr("ui.server.wait_until_stopped", instead_of_blocking)
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()  # app.py owns the Studio; serve() only serves it
    try:
        with caplog.at_level(logging.INFO):
            assert serve(studio, serve_args(share=True)) == 0
        assert studio.worker._thread is not None and studio.worker._thread.is_alive()  # serve left it running
    finally:
        studio.stop()
    assert seen["config"] == 401  # the served app required the login
    out = capsys.readouterr().out
    assert "public link could not be made" in out and "Login: user 'studio', password '" in out
    password = out.split("password '", 1)[1].split("'", 1)[0]
    assert password not in caplog.text  # printed for the person, never logged


@pytest.mark.slow
def test_serve_reports_a_busy_port_and_a_bad_login(paths: Paths, caplog) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    assert serve(studio, serve_args(listen=True, auth="nocolon")) == 2
    assert "user:password" in caplog.text
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert serve(studio, serve_args(port=busy.getsockname()[1])) == 1
    assert "Choose another with --port" in caplog.text
