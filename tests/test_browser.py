"""Real-browser journeys: Debian's Chromium driven by Playwright against the app on the CPU test engine, at a
laptop size (1440×900) and a phone size (390×844). One server for the module; screenshots of both sizes
(idle, generating, finished) go to test-artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.request import FPS
from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import RunningApp, eventually, running_app
from ui.areas import gallery

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
FRAMES = 17
PROMPT = "A red fox trots through fresh snow at dawn, slow tracking shot."
VIDEO_READY = """() => { const v = document.querySelector('#wan-video video');
  return v !== null && v.readyState >= 1 && isFinite(v.duration) && v.duration > 0; }"""
VIDEO_PLAYS = """() => { const v = document.querySelector('#wan-video video');
  if (!v) return false; if (v.paused) { v.play().catch(() => {}); } return v.currentTime > 0; }"""
OVERFLOW = """() => {
  const vw = document.documentElement.clientWidth, wide = [];
  const page = [document.documentElement.scrollWidth, document.body.scrollWidth];
  const clippedInside = (e) => {  // a parent that clips sideways, itself inside the viewport, hides the rest
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['hidden', 'clip'].includes(getComputedStyle(p).overflowX)) {
        const q = p.getBoundingClientRect();
        return q.right <= vw + 1 && q.left >= -1;
      }
    }
    return false;
  };
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (e.closest('[aria-hidden=true], input, textarea')) continue;
    const outside = (r.right > vw + 1 || r.left < -1) && !clippedInside(e);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
    if (outside || scrolls) {
      const where = `${Math.round(r.left)}..${Math.round(r.right)} sw${e.scrollWidth}`;
      wide.push(`${e.tagName}#${e.id}.${String(e.className).slice(0, 40)} ${where}`);
    }
  }
  return {vw, page, wide: wide.slice(0, 20)};
}"""

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    paths = Paths.default(tmp_path_factory.mktemp("browser") / "home")
    paths.create()
    gate = threading.Event()
    gate.set()  # open; a test closes it to hold a job on the engine
    with running_app(paths, CpuTestEngine(step_delay=0.5, gate=gate)) as running:
        # The page restores the last-used form when it loads; with the same values stored, a restore that
        # lands after a test has typed cannot undo the typing (a race seen on a loaded 2-core machine).
        running.studio.update_settings(prompt=PROMPT, frames=FRAMES)
        yield running


@pytest.fixture(scope="module")
def browser(app: RunningApp):
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, app: RunningApp, viewport: dict[str, int], outside: list[str] | None = None):
    """A fresh tab at `viewport`; requests to any other host are refused and recorded in `outside`."""
    tab = browser.new_page(viewport=viewport)
    tab.set_default_timeout(45_000)  # a loaded 2-core machine: the page polls once or twice a second
    if outside is not None:
        def route(r) -> None:
            if r.request.url.startswith(app.url):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()
        tab.route("**/*", route)
    tab.goto(app.url)
    tab.wait_for_selector("#wan-generate")
    tab.wait_for_function("() => document.querySelector('#wan-progress').innerText.length > 0")
    return tab


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def wait_done(app: RunningApp, job_id: str) -> None:
    assert app.studio.queue.wait_for(job_id, ("done", "failed", "cancelled"), 90).status == "done"


def test_desktop_first_screen_ctrl_enter_and_the_clip_up_front(app: RunningApp, browser) -> None:
    page = open_page(browser, app, DESKTOP)
    try:
        box = page.locator("#wan-generate").bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], box  # no scrolling to Generate
        for selector in ("#wan-prompt", "#wan-size", "#wan-frames", "#wan-seed", "#wan-preset",
                         "#wan-preset-summary", "#wan-progress", "#wan-video"):
            top = page.locator(selector).bounding_box()
            assert top is not None and top["y"] < DESKTOP["height"], selector
        page.wait_for_function("() => document.querySelector('#wan-gallery').innerText.includes('No clips yet')")
        shot(page, "desktop-idle")

        before = {j.id for j in app.studio.jobs()}
        app.engine.gate.clear()  # the job stays on the engine until the page has shown it running
        page.locator("#wan-prompt textarea").fill(PROMPT)
        page.locator("#wan-prompt textarea").press("Control+Enter")
        page.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('Queued 1 clip')")
        (job,) = [j for j in app.studio.jobs() if j.id not in before]
        assert job.request.prompt == PROMPT and job.request.frames == FRAMES
        page.wait_for_function("(id) => document.querySelector(`#wan-progress [data-job='${id}']`) !== null",
                               arg=job.id)
        assert page.locator("#wan-cancel-running").is_enabled()  # the running job's own Cancel, beside the form
        shot(page, "desktop-generating")
        app.engine.gate.set()
        wait_done(app, job.id)

        clip = eventually(lambda: next((c for c in app.studio.clips() if c.record.job_id == job.id), None))
        card = page.locator(f'#wan-gallery .wan-card[data-clip="{clip.id}"] img')
        card.wait_for(timeout=30_000)  # the poster is made in the background, then the grid is redrawn
        page.wait_for_function("(id) => { const i = document.querySelector(`[data-clip='${id}'] img`);"
                               " return i && i.complete && i.naturalWidth > 0; }", arg=clip.id)
        page.wait_for_function(VIDEO_READY)  # the newest clip plays beside the form without a click
        duration = page.evaluate("() => document.querySelector('#wan-video video').duration")
        assert abs(duration - FRAMES / FPS) < 0.2, duration
        page.wait_for_function(VIDEO_PLAYS, polling=200)
        assert page.locator("#wan-video").bounding_box()["y"] < DESKTOP["height"]  # type: ignore[index]
        page.wait_for_function("() => document.querySelector('#wan-message').innerText.trim() === ''")
        shot(page, "desktop-finished")

        # Reuse settings puts the clip's values back into a changed form.
        page.locator("#wan-prompt textarea").fill("something else entirely")
        page.click("#wan-reuse")
        page.wait_for_function(f"() => document.querySelector('#wan-prompt textarea').value === {PROMPT!r}")
        assert page.locator("#wan-seed textarea, #wan-seed input").first.input_value() == str(clip.record.seed)
        assert page.locator("#wan-seed-lock input[type=checkbox]").is_checked()
    finally:
        app.engine.gate.set()
        page.close()


def test_the_grid_draws_from_its_own_request_and_is_not_sent_again_unchanged(app: RunningApp, browser,
                                                                             monkeypatch) -> None:
    (job,) = app.studio.submit(PROMPT, 256, 256, 5, None, "auto")
    wait_done(app, job.id)
    eventually(lambda: all(app.studio.poster(c) for c in app.studio.clips()))  # a poster made later redraws
    real, refreshes, sent, requests = gallery.refresh, [], [], []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        refreshes.append(result)
        if isinstance(result[0], str):
            sent.append(result[0])
        return result

    monkeypatch.setattr(gallery, "refresh", watched)
    page = browser.new_page(viewport=DESKTOP)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(app.url)
        page.wait_for_function("(n) => document.querySelectorAll('#wan-gallery .wan-card img').length === n",
                               arg=len(app.studio.clips()))
        eventually(lambda: len(refreshes) >= 2, timeout=45)  # two of the gallery timer's refreshes
        assert sent == []  # the page sent the key of the grid it drew: nothing changed, nothing sent again
        assert [u for u in requests if u.startswith(f"{app.url}grid")] == [f"{app.url}grid?lang=auto"]  # once
    finally:
        page.close()


def test_queue_list_cancels_a_waiting_job(app: RunningApp, browser) -> None:
    page = open_page(browser, app, DESKTOP)
    try:
        app.engine.gate.clear()
        held, waiting = app.studio.submit("held in the queue", 256, 256, 5, None, "auto", count=2)
        app.studio.queue.wait_for(held.id, ("running",), 20)
        button = page.locator(f'#wan-queue [data-act="cancel"][data-job="{waiting.id}"]')
        button.click()
        page.wait_for_function("() => document.querySelector('#wan-queue-message').innerText.includes('Cancelled')")
        assert app.studio.queue.get(waiting.id).status == "cancelled"
        assert app.studio.queue.get(held.id).status == "running"
        page.locator(f'#wan-queue [data-act="requeue"][data-job="{waiting.id}"]').wait_for()
    finally:
        app.engine.gate.set()
        page.close()
    wait_done(app, held.id)


IN_VIEW = """(s) => { const r = document.querySelector(s).getBoundingClientRect();
  return r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_picking_a_card_brings_the_player_into_view(app: RunningApp, browser, viewport: dict[str, int]) -> None:
    (job,) = app.studio.submit(PROMPT, 256, 256, 5, None, "auto")
    wait_done(app, job.id)
    clip_id = app.studio.queue.get(job.id).clip_id
    page = open_page(browser, app, viewport)
    try:
        card = page.locator(f'#wan-gallery .wan-card[data-clip="{clip_id}"]')
        card.scroll_into_view_if_needed()
        assert not page.evaluate(IN_VIEW, "#wan-video")  # the grid is below the player: it is out of sight
        card.click()
        page.wait_for_function(IN_VIEW, arg="#wan-video")  # smooth scrolling: it arrives
        assert "wan-picked" in (card.get_attribute("class") or "")
        shot(page, f"{'phone' if viewport is PHONE else 'desktop'}-picked")
    finally:
        page.close()


def test_phone_nothing_scrolls_sideways(app: RunningApp, browser) -> None:
    # Its own finished clip first: the module's other tests may run on another worker (or not at all).
    (first,) = app.studio.submit(PROMPT, 256, 256, 5, None, "auto")
    wait_done(app, first.id)
    page = open_page(browser, app, PHONE)
    try:
        page.wait_for_function(VIDEO_READY)  # the first screen, unscrolled: the prompt, Generate and the clip
        for selector in ("#wan-prompt", "#wan-generate", "#wan-video"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
        shot(page, "phone-first-screen")
        app.engine.gate.clear()
        (job,) = app.studio.submit(PROMPT + " " + "verylongwordwithoutanyspaces" * 4, 480, 832, 5, None, "auto")
        app.studio.queue.wait_for(job.id, ("running",), 20)
        page.wait_for_function("() => document.querySelectorAll('#wan-gallery .wan-card').length >= 1")
        page.wait_for_function("() => /running/.test(document.querySelector('#wan-queue').innerText)")
        found = page.evaluate(OVERFLOW)
        assert found["page"][0] <= found["vw"] and found["page"][1] <= found["vw"], found
        assert found["wide"] == [], found
        generate_top = page.locator("#wan-generate").bounding_box()["y"]  # type: ignore[index]
        assert generate_top + 50 <= 2 * PHONE["height"], generate_top  # within the first two screens
        page.locator("#wan-progress").scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('#wan-progress [data-job]') !== null")  # the job shows
        shot(page, "phone-generating")
        app.engine.gate.set()
        wait_done(app, job.id)
        page.wait_for_function("() => document.querySelectorAll('#wan-gallery .wan-card').length >= 2")
        lefts = page.evaluate("() => [...document.querySelectorAll('#wan-gallery .wan-card')].slice(0, 2)"
                              ".map(c => c.getBoundingClientRect()).map(r => [Math.round(r.left), Math.round(r.top)])")
        assert lefts[0][0] < lefts[1][0] and lefts[0][1] == lefts[1][1], lefts  # two columns side by side
        page.wait_for_function(VIDEO_READY)  # the finished clip plays up front on the phone too
        page.locator("#wan-video").scroll_into_view_if_needed()
        shot(page, "phone-finished")
        page.get_by_role("tab", name="System").click()
        page.click("#wan-doctor-run")
        page.wait_for_function("() => document.querySelectorAll('#wan-doctor-checks li').length > 3", timeout=60_000)
        found = page.evaluate(OVERFLOW)
        assert found["page"][0] <= found["vw"] and found["wide"] == [], found
        page.get_by_role("tab", name="Models").click()
        page.wait_for_selector("#wan-weights-status")
        found = page.evaluate(OVERFLOW)
        assert found["page"][0] <= found["vw"] and found["wide"] == [], found
        page.get_by_role("tab", name="Studio").click()
    finally:
        app.engine.gate.set()
        page.close()
    idle = open_page(browser, app, PHONE)
    try:
        shot(idle, "phone-idle")
    finally:
        idle.close()


def test_markdown_and_html_in_a_prompt_show_as_plain_text_and_fetch_nothing(app: RunningApp, browser) -> None:
    outside: list[str] = []
    prompt = ("*slow* **bold** <img src='http://203.0.113.7/x.png'> ![pic](http://203.0.113.7/y.png) "
              "<script>window.wanPwned = 1</script> [link](http://203.0.113.7/)")
    (job,) = app.studio.submit(prompt, 256, 256, 5, 7, "auto")
    wait_done(app, job.id)
    page = open_page(browser, app, DESKTOP, outside)
    try:
        page.wait_for_function("() => document.querySelector('#wan-clip-info').innerText.includes('*slow*')")
        for selector in ("#wan-clip-info", "#wan-gallery", "#wan-queue"):
            page.wait_for_function("(s) => document.querySelector(s).innerText.includes('<img')", arg=selector)
            assert page.locator(f"{selector} em, {selector} strong, {selector} a, {selector} script").count() == 0
            assert page.locator(f"{selector} img[src*='203.0.113']").count() == 0
        details = page.locator("#wan-clip-info").inner_text()
        assert "**bold**" in details and "![pic](http://203.0.113.7/y.png)" in details
        assert page.evaluate("() => window.wanPwned") is None
        assert outside == []
    finally:
        page.close()
