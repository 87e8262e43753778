"""The running job's Cancel button in a real browser: off (and looking off) while nothing of this viewer's
runs, on for the owner while a job runs, still off for a guest watching the owner's job, and off again once
the job has finished; switched by the same refresh that draws the current job."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from backend.owner_key import owner_url
from backend.settings import Paths
from tests.conftest import SMALL
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import running_app
from ui.server import LaunchOptions

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CANCEL = "#wan-cancel-running"
LOOK = f"""() => {{ const b = document.querySelector('{CANCEL}'), s = getComputedStyle(b);
  return {{disabled: b.disabled, opacity: s.opacity, cursor: s.cursor, background: s.backgroundColor}}; }}"""
SHOWS_JOB = "(id) => document.querySelector(`#wan-progress [data-job='${id}']`) !== null"
IDLE = "() => !document.querySelector('#wan-progress [data-job]')"

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


def reddish(css_color: str) -> bool:
    r, g, b = (int(float(v)) for v in css_color[css_color.index("(") + 1:].rstrip(")").split(",")[:3])
    return r > g + 80 and r > b + 80


def test_cancel_is_on_only_while_a_job_of_this_viewer_runs(paths: Paths) -> None:
    gate = threading.Event()
    with running_app(paths, CpuTestEngine(step_delay=0.2, gate=gate), options=LaunchOptions(listen=True)) as app, \
            sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            owner = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            owner.set_default_timeout(45_000)
            owner.goto(owner_url(app.url, app.policy.owner_key or ""))
            guest = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            guest.set_default_timeout(45_000)
            guest.goto(app.url)
            user, password = app.access.credentials or ("", "")
            guest.fill("input[type=text]", user)
            guest.fill("input[type=password]", password)
            guest.click("button:has-text('Login')")
            for page in (owner, guest):
                page.wait_for_selector("#wan-generate")
                page.wait_for_function("() => document.querySelector('#wan-progress').innerText.length > 0")
            idle = owner.evaluate(LOOK)
            assert idle["disabled"] and guest.evaluate(LOOK)["disabled"], idle
            assert not reddish(idle["background"]), idle  # not a paler red stop button: a grey one
            ARTIFACTS.mkdir(exist_ok=True)
            owner.locator(CANCEL).screenshot(path=str(ARTIFACTS / "cancel-idle.png"))

            (job,) = app.studio.submit("the owner's fox", seed=3, **SMALL)  # held on the engine by the gate
            for page in (owner, guest):
                page.wait_for_function(SHOWS_JOB, arg=job.id)
            owner.wait_for_function(f"() => !document.querySelector('{CANCEL}').disabled")
            running = owner.evaluate(LOOK)
            assert guest.evaluate(LOOK)["disabled"]  # the owner's job: a guest cannot cancel it
            assert reddish(running["background"]) and running["cursor"] == "pointer", running
            owner.locator(CANCEL).screenshot(path=str(ARTIFACTS / "cancel-running.png"))

            gate.set()
            assert app.studio.queue.wait_for(job.id, ("done",), 90).status == "done"
            owner.wait_for_function(IDLE)
            owner.wait_for_function(f"() => document.querySelector('{CANCEL}').disabled")
            assert owner.evaluate(LOOK) == idle
        finally:
            gate.set()
            browser.close()
