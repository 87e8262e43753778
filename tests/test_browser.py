"""One real-browser journey: Debian's Chromium driven by Playwright against the app on the CPU test engine."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.request import FPS
from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import RunningApp, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FRAMES = 17
PROMPT = "A red fox trots through fresh snow at dawn, slow tracking shot."
VIDEO_READY = """() => { const v = document.querySelector('#wan-video video');
  return v !== null && v.readyState >= 1 && isFinite(v.duration) && v.duration > 0; }"""

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture
def app(paths: Paths) -> Iterator[RunningApp]:
    gate = threading.Event()
    gate.set()  # open; the queued-job step closes it to hold the engine
    with running_app(paths, CpuTestEngine(step_delay=0.7, gate=gate)) as running:
        # The page restores the last-used form when it loads; with the same values stored, a restore that
        # lands after the test has typed cannot undo the typing (a race seen on a loaded 2-core machine).
        running.studio.update_settings(prompt=PROMPT, frames=FRAMES)
        yield running


@pytest.fixture
def page(app: RunningApp):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1300})
            tab.set_default_timeout(20_000)
            tab.goto(app.url)
            tab.wait_for_selector("#wan-generate")
            yield tab
        finally:
            browser.close()


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def set_number(page, selector: str, value: int) -> None:
    box = page.locator(f"{selector} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_generate_watch_play_reuse_and_cancel(app: RunningApp, page) -> None:
    page.locator("#wan-prompt textarea").fill(PROMPT)
    set_number(page, "#wan-frames", FRAMES)
    page.wait_for_function("() => document.querySelector('#wan-length').innerText.includes('17 frames = 1.06 s')")

    # Generate, and watch the progress text change while the job runs.
    page.click("#wan-generate")
    page.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('Queued 1 clip')")
    (job,) = app.studio.jobs()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while app.studio.queue.get(job.id).status != "done" and time.monotonic() < deadline:
        text = text_of(page, "#wan-progress .wan-stage")  # not the status tracker's timer
        if not seen or seen[-1] != text:
            seen.append(text)
        time.sleep(0.1)
    assert app.studio.queue.get(job.id).status == "done"
    assert len(set(seen)) >= 3, seen  # the progress text changed at least twice
    assert any(re.match(r"Step \d of 4 · \d+%", s) for s in seen), seen

    # The clip appears in the gallery; picking it plays it for frames/16 seconds.
    gallery_cell = page.locator("#wan-gallery [role=gridcell]", has_text=PROMPT[:40])
    gallery_cell.first.click()
    page.wait_for_function(VIDEO_READY)
    duration = page.evaluate("() => document.querySelector('#wan-video video').duration")
    assert abs(duration - FRAMES / FPS) < 0.2, duration
    # Ask again while paused: the player may still be swapping sources when the first play() lands.
    page.wait_for_function("""() => { const v = document.querySelector('#wan-video video');
      if (v.paused) { v.play().catch(() => {}); } return v.currentTime > 0; }""", polling=200)
    page.wait_for_function("() => document.querySelector('#wan-clip-info').innerText.includes('seed')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-finished-clip.png"), full_page=True)

    # Reuse settings puts the clip's values back into a changed form.
    clip = app.studio.clips()[0]
    page.locator("#wan-prompt textarea").fill("something else entirely")
    set_number(page, "#wan-frames", 33)
    page.click("#wan-reuse")
    page.wait_for_function(f"() => document.querySelector('#wan-prompt textarea').value === {PROMPT!r}")
    assert page.locator("#wan-frames input[type=number]").input_value() == str(FRAMES)
    assert page.locator("#wan-seed input").input_value() == str(clip.record.seed)
    assert page.locator("#wan-seed-lock input[type=checkbox]").is_checked()

    # Bad input: a clear message; the form keeps its values and the queue is unchanged.
    page.locator("#wan-prompt textarea").fill("   ")
    page.click("#wan-generate")
    page.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('The prompt is empty')")
    assert "Describe the video" in text_of(page, "#wan-message")
    assert page.locator("#wan-frames input[type=number]").input_value() == str(FRAMES)
    assert page.locator("#wan-seed input").input_value() == str(clip.record.seed)
    assert len(app.studio.jobs()) == 1

    # Hold the engine, queue two clips, and cancel the one still waiting from the queue view.
    app.engine.gate.clear()
    page.locator("#wan-prompt textarea").fill("held in the queue")
    set_number(page, "#wan-count", 2)
    page.click("#wan-generate")
    page.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('Queued 2 clips')")
    held, waiting = [j for j in app.studio.jobs() if j.request.prompt == "held in the queue"]
    app.studio.queue.wait_for(held.id, ("running",), 20)
    # The picker's choices arrive with the queue table they belong to: wait for both jobs in the table.
    page.wait_for_function("() => (document.querySelector('#wan-queue').innerText"
                           ".match(/held in the queue/g) || []).length === 2")
    picker = page.locator("#wan-job input")
    picker.click()
    picker.fill(waiting.id)
    page.get_by_role("option", name=re.compile(waiting.id)).first.click()
    page.click("#wan-cancel-job")
    page.wait_for_function("() => document.querySelector('#wan-queue-message').innerText.includes('Cancelled')")
    assert app.studio.queue.get(waiting.id).status == "cancelled"
    assert app.studio.queue.get(held.id).status == "running"
    page.wait_for_function("() => document.querySelector('#wan-queue').innerText.includes('cancelled')")
    app.engine.gate.set()
    assert app.studio.queue.wait_for(held.id, ("done", "failed"), 60).status == "done"
