"""Owner and guest: every endpoint declares its role, the server refuses a guest every owner-only endpoint
(called directly, not through the page), and a guest queues, cancels and sees only what is theirs."""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client import Client

from backend.owner_key import owner_key_file, owner_url, read_owner_key
from backend.settings import Paths
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.sessions import call_event, guest_session, outputs, owner_session, refused
from tests.support.ui_app import eventually, running_app
from ui import layout
from ui.repeat import REPEAT_WINDOW_S
from ui.roles import ENDPOINT_ROLES, UndeclaredEndpoint
from ui.server import LaunchOptions, build_app, plan_access

LISTEN = LaunchOptions(listen=True)


# ---- the registry ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_every_endpoint_of_the_app_declares_a_role(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        info = owner_session(app).get(f"{app.url}gradio_api/info").json()  # the app's own API info
        named = {name.lstrip("/") for name in info["named_endpoints"]}
        every = {str(f.api_name) for f in app.demo.fns.values()}  # private events too: the page calls them
    assert named and named <= every
    assert every == set(ENDPOINT_ROLES), (every - set(ENDPOINT_ROLES), set(ENDPOINT_ROLES) - every)
    assert {"generate", "cancel_job", "progress", "queue_view", "gallery_view"} <= {
        n for n, r in ENDPOINT_ROLES.items() if r == "guest"}


def test_an_event_without_a_role_stops_the_page_from_being_served(paths: Paths, monkeypatch) -> None:
    from backend.studio import Studio

    def extra(ctx: object) -> None:
        gr.Button("new").click(lambda: None, api_name="brand_new_endpoint")

    monkeypatch.setattr(layout, "LISTENERS", (*layout.LISTENERS, extra))
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    with pytest.raises(UndeclaredEndpoint, match="brand_new_endpoint"):
        build_app(studio, plan_access(LISTEN))


# ---- the owner link ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_owner_link_gives_an_owner_session_and_the_password_only_a_guest_one(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        key = read_owner_key(paths.data_dir)
        assert key == app.policy.owner_key and len(key or "") >= 40
        if os.name == "posix":
            assert stat.S_IMODE(owner_key_file(paths.data_dir).stat().st_mode) == 0o600
        answer = httpx.get(owner_url(app.url, key or ""), follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/"  # the key leaves the address bar
        cookies = answer.headers.get_list("set-cookie")
        assert cookies and all("httponly" in c.lower() and "samesite=strict" in c.lower() for c in cookies)
        for wrong in ("", "x", (key or "")[:-1], (key or "") + "x"):
            assert httpx.get(owner_url(app.url, wrong), follow_redirects=False).status_code == 403
        # From this computer but without the key: a login page, like anyone else (the share tunnel is local too).
        assert httpx.get(f"{app.url}config").status_code == 401
        guest = guest_session(app)
        assert "wan-generate" in guest.get(app.url).text
        assert refused(call_event(guest, app, "free_gpu"))
        owner = owner_session(app)
        assert not refused(call_event(owner, app, "free_gpu"))
        login_cookies = guest.cookies
        assert all("samesite" not in c.lower() or "strict" in c.lower() for c in
                   httpx.post(f"{app.url}login", data=dict(zip(("username", "password"),
                                                                app.access.credentials or ("", ""), strict=True)))
                   .headers.get_list("set-cookie"))
        assert login_cookies


# ---- every owner-only endpoint, called directly ------------------------------------------------------------
@pytest.mark.slow
def test_guest_is_refused_every_owner_endpoint_and_nothing_changes(paths: Paths, tmp_path: Path) -> None:
    with running_app(paths, options=LISTEN) as app:
        (job,) = app.studio.submit("the owner's secret prompt", seed=5, **SMALL)
        app.studio.queue.wait_for(job.id, ("done",), 60)
        clip = app.studio.clips()[0]
        app.studio.update_settings(prompt="the owner's saved form")
        settings_before = paths.settings_file.read_bytes()
        owner_only = sorted(n for n, role in ENDPOINT_ROLES.items() if role == "owner")
        guest = guest_session(app)
        for name in owner_only:
            answer = call_event(guest, app, name)
            assert refused(answer), (name, answer.get("output", {}).get("data"))
            assert str(paths.data_dir) not in str(answer) and "saved form" not in str(answer), name
        # Through gradio_client as well (the public ones; private ones the client itself will not call).
        client = app.client()
        public = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        for name in owner_only:
            if f"/{name}" not in public:
                continue
            fn = app.demo.fns[_index(app, name)]
            values = [getattr(c, "value", None) for c in fn.inputs]
            if not fn.targets or any(event in ("click", "submit") for _target, event in fn.targets):  # API-only too
                with pytest.raises(Exception, match="only for the person at the computer"):
                    client.predict(*values, api_name=f"/{name}")
            else:  # fired by every page on its own: answered with no change and no data
                result = client.predict(*values, api_name=f"/{name}")
                assert str(paths.data_dir) not in str(result) and "saved form" not in str(result), name
        assert paths.settings_file.read_bytes() == settings_before
        assert clip.path.is_file() and app.studio.clips()[0].id == clip.id
        assert app.studio.settings.weights_dir == ""
        # The owner, the same calls: not refused.
        owner = owner_session(app)
        for name in ("restore_form", "doctor_on_load", "weights_on_load"):
            assert not refused(call_event(owner, app, name)), name
        form = outputs(call_event(owner, app, "restore_form"))
        assert form[0] == "the owner's saved form"


def _index(app: object, name: str) -> int:
    demo = app.demo  # type: ignore[attr-defined]
    return next(i for i, f in demo.fns.items() if f.api_name == name)


# ---- what a guest can do --------------------------------------------------------------------------------
@pytest.mark.slow
def test_guests_queue_up_to_their_cap_cancel_their_own_and_see_their_own(paths: Paths) -> None:
    engine = CpuTestEngine(gate=threading.Event())  # rendering held until the gate is set: jobs stay queued
    with running_app(paths, engine=engine, options=LISTEN) as app:
        ann, bob = guest_session(app), guest_session(app)
        form = ["ann's fox", "256x256", 5, 1, False, 1, "auto", None]  # prompt … count, preset, LoRAs
        message, *_ = outputs(call_event(ann, app, "generate", form))
        assert "Queued 1 clip" in message
        eventually(app.studio.active_job)  # the first runs (held); the cap counts waiting jobs
        message, *_ = outputs(call_event(ann, app, "generate", [*form[:5], 3, "auto", None]))
        assert "Queued 3 clips" in message
        message, *_ = outputs(call_event(ann, app, "generate", [*form[:5], 2, "auto", None]))
        assert "at most 4 jobs waiting" in message and "Add at most 1" in message
        time.sleep(REPEAT_WINDOW_S)  # the same form again within a second is a double click, merged
        message, *_ = outputs(call_event(ann, app, "generate", form))
        assert "Queued 1 clip" in message
        time.sleep(REPEAT_WINDOW_S)
        message, *_ = outputs(call_event(ann, app, "generate", form))
        assert "at most 4 jobs waiting" in message
        assert len([j for j in app.studio.jobs() if j.request.prompt == "ann's fox"]) == 5
        message, *_ = outputs(call_event(bob, app, "generate", ["bob's owl", *form[1:]]))
        assert "Queued 1 clip" in message  # the cap is per guest
        assert app.studio.settings.prompt == ""  # a guest's form never becomes the owner's saved form

        table, _ = outputs(call_event(ann, app, "queue_view", [None]))
        assert "ann's fox" in table and "bob's owl" not in table and "someone else" in table
        bob_job = next(j for j in app.studio.jobs() if j.request.prompt == "bob's owl")
        ann_job = next(j for j in app.studio.jobs() if j.request.prompt == "ann's fox" and j.status == "queued")
        assert f'data-act="cancel" data-job="{ann_job.id}"' in table  # a Cancel on her own lines only
        assert f'data-act="cancel" data-job="{bob_job.id}"' not in table and 'data-act="requeue"' not in table
        answer = outputs(call_event(ann, app, "cancel_job", [bob_job.id]))[0]
        assert "someone else's" in answer.lower() and app.studio.queue.get(bob_job.id).status == "queued"
        answer = outputs(call_event(ann, app, "queue_act", [None], {"job": bob_job.id, "act": "cancel"}))[0]
        assert "someone else's" in answer.lower() and app.studio.queue.get(bob_job.id).status == "queued"
        assert "Cancelled" in outputs(call_event(ann, app, "cancel_job", [ann_job.id]))[0]
        answer = outputs(call_event(ann, app, "queue_act", [None], {"job": ann_job.id, "act": "requeue"}))[0]
        assert "only for the person at the computer" in answer
        assert app.studio.queue.get(ann_job.id).status == "cancelled"

        app.studio.update_settings(guests_see_prompts=True)  # the owner allows it in Settings
        table = outputs(call_event(ann, app, "queue_view", [None]))[0]
        assert "bob's owl" in table

        engine.gate.set()
        for job in app.studio.jobs():
            app.studio.queue.wait_for(job.id, ("done", "cancelled"), 60)
        (owner_job,) = app.studio.submit("owner's own", seed=9, **SMALL)
        app.studio.queue.wait_for(owner_job.id, ("done",), 60)
        by_prompt = {c.request.prompt if c.request else "": c for c in app.studio.clips()}
        grid = outputs(call_event(bob, app, "gallery_view", [None, None]))[0]
        assert set(re.findall(r'data-clip="([^"]+)"', grid)) == {by_prompt["bob's owl"].id}
        assert str(paths.data_dir) not in grid  # posters by clip id, never by folder
        shown = outputs(call_event(bob, app, "show_clip", [by_prompt["owner's own"].id]))
        assert shown[0] is None and "someone else's clip" in shown[1].lower()
        assert bob.get(app.file_url(by_prompt["owner's own"].path)).status_code == 403
        assert bob.get(app.file_url(by_prompt["bob's owl"].path)).status_code == 200
        shown = outputs(call_event(bob, app, "show_clip", [by_prompt["bob's owl"].id]))
        assert "bob's owl" in shown[1] and str(paths.data_dir) not in str(shown)  # no absolute paths for guests
        app.studio.posters.wait_idle()
        bobs, owners = by_prompt["bob's owl"].id, by_prompt["owner's own"].id
        assert bob.get(f"{app.url}poster/{bobs}").status_code == 200
        assert bob.get(f"{app.url}poster/{owners}").status_code == 404
        first_draw = bob.get(f"{app.url}grid")  # the grid's first draw, fetched by the page itself
        assert set(re.findall(r'data-clip="([^"]+)"', first_draw.text)) == {bobs}
        assert "owner's own" not in first_draw.text
        assert httpx.get(f"{app.url}grid").status_code == 401  # no session, no grid
        picked = outputs(call_event(bob, app, "pick_clip", [], {"clip": by_prompt["bob's owl"].id}))
        assert picked == [by_prompt["bob's owl"].id]
        app.studio.update_settings(guests_see_all_clips=True)
        grid = outputs(call_event(bob, app, "gallery_view", [None, None]))[0]
        assert set(re.findall(r'data-clip="([^"]+)"', grid)) == {c.id for c in app.studio.clips()}
        first_draw = bob.get(f"{app.url}grid")
        assert set(re.findall(r'data-clip="([^"]+)"', first_draw.text)) == {c.id for c in app.studio.clips()}
        app.studio.posters.wait_idle()  # the listing asked for the poster it had not made yet
        assert bob.get(f"{app.url}poster/{owners}").status_code == 200


@pytest.mark.slow
def test_a_guest_page_holds_no_owner_data(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        (job,) = app.studio.submit("owner prompt in the config", seed=2, **SMALL)
        app.studio.queue.wait_for(job.id, ("done",), 60)
        app.studio.update_settings(prompt="owner's unsent text")
        guest = guest_session(app)
        for page in (guest.get(app.url).text, guest.get(f"{app.url}config").text):
            assert str(paths.data_dir) not in page and str(paths.weights_dir) not in page
            assert "owner prompt in the config" not in page and "owner's unsent text" not in page
        hidden = outputs(call_event(guest, app, "role_view"))
        assert hidden and all(update.get("visible") is False for update in hidden)
        shown = outputs(call_event(owner_session(app), app, "role_view"))
        assert all(update.get("visible") is True for update in shown)


@pytest.mark.slow
def test_start_up_notices_reach_the_owner_only(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        app.studio.notes.append("a note about the owner's files")
        _user, password = app.access.credentials or ("", "")
        assert password
        guest = guest_session(app)
        answers = [call_event(guest, app, name) for name in ("notices", "language_notices", "dismiss_notices")]
        answers += [call_event(guest, app, "role_view")]
        for page in (guest.get(app.url).text, guest.get(f"{app.url}config").text, *map(str, answers)):
            assert password not in page and "owner's files" not in page and "local network" not in page
        assert all(refused(answer) for answer in answers[:3])
        owner = outputs(call_event(owner_session(app), app, "notices"))
        assert password in owner[0] and "owner's files" in owner[0] and "local network" in owner[0]
        assert owner[1].get("visible") is True


@pytest.mark.slow
def test_gradio_client_as_guest_and_as_owner(paths: Paths) -> None:
    with running_app(paths, options=LISTEN) as app:
        guest: Client = app.client()
        message, _ = guest.predict("client fox", "256x256", 5, 1, False, 1, "auto", api_name="/generate")
        assert "Queued 1 clip" in message
        with pytest.raises(Exception, match="only for the person at the computer"):
            guest.predict(api_name="/free_gpu")
        owner = app.owner_client()
        assert "only for the person" not in owner.predict(api_name="/free_gpu")
