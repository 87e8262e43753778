"""A friend with the link and the password, in a real browser: they log in as a guest and the page shows
only what a guest can use; the owner, through the owner link, gets the whole page without a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.owner_key import owner_url
from backend.settings import Paths
from tests.conftest import SMALL
from tests.support.ui_app import running_app
from ui.server import LaunchOptions

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
OWNER_ONLY = ("#wan-free-gpu", "#wan-delete", "#wan-open-folder", "#wan-cancel-waiting", "#wan-clear-finished",
              "#wan-queue [data-act=requeue]", "#wan-weights-dir", "#wan-download", "#wan-low-ram", "#wan-doctor-run",
              "#wan-folders", "#wan-notices-row", "#wan-dismiss")

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


def tabs(page) -> list[str]:
    return [t.strip() for t in page.locator("button[role=tab]:visible").all_inner_texts() if t.strip()]


def test_a_guest_sees_only_what_a_guest_can_use(paths: Paths) -> None:
    with running_app(paths, options=LaunchOptions(listen=True)) as app, sync_api.sync_playwright() as pw:
        (job,) = app.studio.submit("the owner's private fox", seed=3, **SMALL)
        owner_clip = app.studio.clip(app.studio.queue.wait_for(job.id, ("done",), 60).clip_id or "")
        app.studio.update_settings(prompt="the owner's unsent idea")
        user, password = app.access.credentials or ("", "")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            guest = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
            guest.set_default_timeout(30_000)
            guest.goto(app.url)
            guest.wait_for_selector("input[type=password]")
            guest.fill("input[type=text]", user)
            guest.fill("input[type=password]", password)
            guest.click("button:has-text('Login')")
            guest.wait_for_selector("#wan-generate")
            guest.wait_for_function("() => document.querySelector('#wan-progress').innerText.includes('Nothing')")
            guest.wait_for_function("() => !document.querySelector('#wan-free-gpu') || "
                                    "document.querySelector('#wan-free-gpu').offsetParent === null")
            assert tabs(guest) == ["Studio"], tabs(guest)  # no Models, no System (settings, doctor, folders)
            for selector in OWNER_ONLY:
                assert not guest.locator(selector).is_visible(), selector
            text = guest.locator("body").inner_text()
            assert "the owner's private fox" not in text and owner_clip.id not in text
            assert str(paths.data_dir) not in guest.content() and password not in guest.content()
            assert "local network" not in text  # the start-up notices are the owner's
            assert guest.locator("#wan-prompt textarea").input_value() != "the owner's unsent idea"

            guest.locator("#wan-prompt textarea").fill("a guest's heron at dusk")
            guest.click("#wan-generate")
            guest.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('Queued 1 clip')")
            card = "#wan-gallery .wan-card:has-text(\"a guest's heron\")"
            guest.wait_for_selector(card, timeout=90_000)
            assert "the owner's private fox" not in guest.locator("#wan-gallery").inner_text()
            # The new clip plays up front; its poster loads by clip id, never by a folder of the owner's.
            guest.wait_for_function("() => document.querySelector('#wan-clip-info').innerText.includes('heron')")
            guest.wait_for_selector(card + " img", timeout=30_000)
            guest.locator(card + " img").evaluate("(img) => img.decode()")  # rejects unless the image loaded
            assert guest.locator(card + " img").get_attribute("src").startswith("poster/")
            assert str(paths.data_dir) not in guest.content()
            assert not guest.locator("#wan-queue [data-act=requeue]").count()
            guest.screenshot(path=str(ARTIFACTS / "browser-guest-page.png"), full_page=True)

            owner = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
            owner.set_default_timeout(30_000)
            owner.goto(owner_url(app.url, app.policy.owner_key or ""))
            owner.wait_for_selector("#wan-generate")  # no login page for the owner
            assert "?owner=" not in owner.url
            owner.wait_for_selector("button[role=tab]:has-text('Models')")  # shown to the owner at page load
            owner.wait_for_selector("#wan-notices li:has-text('local network')")
            assert {"Studio", "Models", "System"} <= set(tabs(owner))
            assert owner.locator("#wan-free-gpu").is_visible() and owner.locator("#wan-delete").is_visible()
            owner.wait_for_selector("#wan-gallery .wan-card:has-text(\"the owner's private fox\")")
            owner.screenshot(path=str(ARTIFACTS / "browser-owner-page.png"), full_page=True)
        finally:
            browser.close()
