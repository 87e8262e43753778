"""The server's edges through HTTP: forged, expired and logged-out session cookies on every route (the
event streams included), uploads, foreign Origins, DNS rebinding, the login slow-down, and a deleted clip
gone from Gradio's cache too."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
import pytest

from backend.settings import Paths
from tests.conftest import SMALL
from tests.support.sessions import call_event, guest_session, outputs, owner_session
from tests.support.ui_app import RunningApp, running_app
from tests.test_faults_sharing import PUBLIC, REFUSED, routes, url_for
from ui import server as server_module
from ui.context import ServerInfo
from ui.edges import FREE_FAILURES, LoginThrottle
from ui.server import LaunchOptions, announce, generated_password, plan_access

LISTEN = LaunchOptions(listen=True)


def assert_every_route_refuses(app: RunningApp, cookies: dict[str, str], clip: str) -> None:
    """Every route but the login page's answers 401/403 with these cookies, the event streams included."""
    found = sorted(set(routes(app.demo.app.routes)))
    assert ("GET", "/gradio_api/queue/data") in found and ("GET", "/gradio_api/heartbeat/{session_hash}") in found
    answered = []
    with httpx.Client(cookies=cookies, timeout=10) as http:
        for method, path in found:
            if (method, path) in PUBLIC:
                continue
            with http.stream(method, url_for(app, path, clip), json={} if method == "POST" else None) as response:
                if response.status_code not in REFUSED:
                    answered.append((method, path, response.status_code))
    assert answered == []


def session_cookies(http: httpx.Client) -> dict[str, str]:
    return {name: value for name, value in http.cookies.items() if name.startswith("access-token")}


@pytest.mark.slow
def test_forged_expired_and_logged_out_cookies_get_nothing(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        (job,) = app.studio.submit("private", seed=1, **SMALL)
        clip = str(app.studio.clip(app.studio.queue.wait_for(job.id, ("done",), 60).clip_id or "").path)
        cookie_id = app.demo.app.cookie_id
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
            assert_every_route_refuses(app, {name: "forged-" + "x" * 22}, clip)

        guest = guest_session(app)
        live = session_cookies(guest)
        assert guest.get(f"{app.url}config").status_code == 200  # the same cookies work while the session lives
        guest.get(f"{app.url}logout", follow_redirects=False)
        assert_every_route_refuses(app, live, clip)

        guest = guest_session(app)
        live = session_cookies(guest)
        assert guest.get(f"{app.url}config").status_code == 200
        started = time.monotonic()
        app.policy.clock = lambda: started + app.policy.session_max_age_s + 60  # a day later
        assert_every_route_refuses(app, live, clip)
        assert guest_session(app).get(f"{app.url}config").status_code == 200  # logging in again works


@pytest.mark.slow
def test_uploads_are_refused_to_everyone(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        files = {"files": ("a.txt", b"x" * 1000, "text/plain")}
        for http in (guest_session(app), owner_session(app)):
            assert http.post(f"{app.url}gradio_api/upload", files=files).status_code == 403
        assert not any(Path(app.demo.GRADIO_CACHE).rglob("a.txt"))


@pytest.mark.slow
@pytest.mark.parametrize("options", [LaunchOptions(), LISTEN])
def test_other_web_sites_cannot_drive_or_read_the_page(paths: Paths, options: LaunchOptions) -> None:
    with running_app(paths, options=options) as app:
        http = owner_session(app)
        own = app.url.rstrip("/")
        evil = {"Origin": "http://evil.example"}
        join = {"data": [], "fn_index": 0, "session_hash": "abc", "event_data": None, "trigger_id": None}
        for headers in (evil, {"Origin": "null"}, {"Origin": own.replace("127.0.0.1", "localhost")}):
            answer = http.post(f"{app.url}gradio_api/queue/join", json=join, headers=headers)
            assert answer.status_code == 403, headers
            assert "access-control-allow-origin" not in answer.headers
        read = http.get(f"{app.url}config", headers={**evil, "Host": "wan.lan:7860"})
        assert read.status_code == 403 and "access-control-allow-origin" not in read.headers
        assert http.get(f"{app.url}config", headers={"Origin": own}).status_code == 200  # the page itself
        assert http.post(f"{app.url}gradio_api/queue/join", json=join, headers={"Origin": own}).status_code == 200
        pre = http.options(f"{app.url}gradio_api/queue/join", headers={**evil, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in pre.headers


@pytest.mark.slow
def test_without_a_login_only_this_computers_own_name_is_answered(paths: Paths) -> None:
    with running_app(paths) as app:
        assert httpx.get(f"{app.url}config").status_code == 200
        assert httpx.get(f"{app.url}config", headers={"Host": "localhost"}).status_code == 200
        rebound = httpx.get(f"{app.url}config", headers={"Host": "attacker.example:7860"})
        assert rebound.status_code == 403


@pytest.mark.slow
def test_logins_slow_down_after_five_wrong_passwords(paths: Paths) -> None:
    now = [1000.0]
    with running_app(paths, options=LISTEN) as app:
        app.policy.throttle = LoginThrottle(clock=lambda: now[0])
        user, password = app.access.credentials or ("", "")

        def attempt(secret: str, sender: str = "203.0.113.7") -> httpx.Response:
            # The tunnel arrives from 127.0.0.1 naming the sender; from elsewhere the header is ignored.
            return httpx.post(f"{app.url}login", data={"username": user, "password": secret},
                              headers={"X-Forwarded-For": sender})

        assert [attempt("wrong").status_code for _ in range(FREE_FAILURES)] == [400] * FREE_FAILURES
        waits = []
        for _ in range(3):
            refused = attempt(password)  # even the right password waits its turn
            assert refused.status_code == 429 and "try again" in refused.text
            waits.append(int(refused.headers["retry-after"]))
            now[0] += waits[-1]
            assert attempt("wrong").status_code == 400
        assert waits[0] >= 2 and waits[1] > waits[0] and waits[2] > waits[1]  # the wait grows
        assert attempt(password, sender="198.51.100.1").status_code == 200  # another address is not slowed
        now[0] += 10_000
        ok = attempt(password)
        assert ok.status_code == 200 and "samesite=strict" in ok.headers["set-cookie"].lower()
        assert attempt("wrong").status_code == 400  # a right password cleared the count


@pytest.mark.slow
def test_a_deleted_clip_is_gone_from_gradios_cache_too(paths: Paths) -> None:
    with running_app(paths) as app:
        (job,) = app.studio.submit("to forget", seed=4, **SMALL)
        clip = app.studio.clip(app.studio.queue.wait_for(job.id, ("done",), 60).clip_id or "")
        owner = owner_session(app)
        video, _info, _download = outputs(call_event(owner, app, "show_clip", [clip.id]))
        cached = video["video"]["path"] if "video" in video else video["path"]
        assert Path(cached).is_file() and Path(cached).name == clip.path.name
        url = video["video"]["url"] if "video" in video else video["url"]
        assert owner.get(url).status_code == 200
        message = outputs(call_event(owner, app, "delete_clip", [clip.id]))[0]
        assert "Deleted" in message
        assert not Path(cached).exists() and not clip.path.exists()
        assert owner.get(url).status_code in (403, 404)


def test_listen_prints_the_lan_addresses_and_passwords_never_start_with_a_dash(monkeypatch) -> None:
    monkeypatch.setattr(server_module, "lan_addresses", lambda: ["192.168.1.20", "10.0.0.5"])
    out = io.StringIO()
    announce(ServerInfo(local_url="http://127.0.0.1:7860/", port=7860, listen=True, user="studio",
                        generated_password="pw-long-enough"), out, owner_link="http://127.0.0.1:7860/?owner=k")
    text = out.getvalue()
    assert "http://192.168.1.20:7860/" in text and "http://10.0.0.5:7860/" in text
    assert "?owner=k" in text and "keep it to yourself" in text
    first, second = text.splitlines()[:2]  # the owner reads their own link first; the login page is the guests'
    assert first.startswith("Wan Studio is running. Open it with your own link") and first.endswith("?owner=k")
    assert second.startswith("For guests: http://127.0.0.1:7860/ asks for the password")
    alone = io.StringIO()  # this computer only, no login: the page's address is the owner's
    announce(ServerInfo(local_url="http://127.0.0.1:7860/", port=7860), alone)
    assert alone.getvalue().splitlines()[0] == "Wan Studio is running at http://127.0.0.1:7860/"

    made: list[str] = ["-starts-with-dash", "_fine-one-x", "also-fine"]
    monkeypatch.setattr(server_module.secrets, "token_urlsafe", lambda _n: made.pop(0))
    assert generated_password() == "_fine-one-x"
    monkeypatch.undo()
    assert not any(generated_password().startswith("-") for _ in range(500))
    assert plan_access(LISTEN).credentials is not None
