"""In a real browser (Debian's Chromium through Playwright), desktop and phone: the current-job area shows
the preview, a new image after each step, then the finished clip. Steps advance only when the test has
seen the page catch up, so nothing here depends on timing."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import pytest

from backend.engine.base import EventSink, StageEvent
from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import running_app
from tests.test_browser import CHROMIUM as CHROMIUM_PATH
from tests.test_browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM_PATH.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)

VIEWPORTS = {"desktop": {"viewport": {"width": 1400, "height": 1300}},
             "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}
SHOWN_STEP = """(step) => { const d = document.querySelector('#wan-preview [data-step]');
  return d !== null && d.dataset.step === String(step) && d.querySelector('img') !== null; }"""


@dataclass
class StepwiseEngine(CpuTestEngine):
    """Pauses after each denoising step (its preview already offered) until the test lets it go on."""

    reached: queue.Queue[int] = field(default_factory=queue.Queue)
    go_on: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def _emit(self, on_event: EventSink, event: StageEvent) -> None:
        super()._emit(on_event, event)
        if event.stage == "denoising" and event.step > 0:
            self.reached.put(event.step)
            if not self.go_on.acquire(timeout=60):
                raise AssertionError(f"never let past step {event.step}")


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_preview_changes_every_step_then_the_clip(paths: Paths, device: str) -> None:
    engine = StepwiseEngine()
    with running_app(paths, engine) as app, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(**VIEWPORTS[device]).new_page()
            page.set_default_timeout(30_000)
            page.goto(app.url)
            # Idle and finished states stay in the page but hidden: the player beside it plays the finished clip.
            page.wait_for_selector("#wan-preview [data-state=empty]", state="attached")
            app.studio.submit("a red fox in snow", 832, 480, 5, seed=9)
            sources: list[str] = []
            for step in (1, 2, 3, 4):
                assert engine.reached.get(timeout=60) == step
                page.wait_for_function(SHOWN_STEP, arg=step)
                image = page.locator("#wan-preview img")
                sources.append(image.get_attribute("src") or "")
                box = image.bounding_box()
                assert box is not None and 0 < box["width"] <= VIEWPORTS[device]["viewport"]["width"]  # type: ignore[index]
                engine.go_on.release()
            assert all(s.startswith("data:image/webp;base64,") for s in sources)
            assert len(set(sources)) == 4  # a new image at every step
            page.wait_for_selector("#wan-preview [data-state=clip] video", state="attached")
            page.wait_for_function("() => document.querySelector('#wan-video video') !== null")
        finally:
            engine.go_on.release(8)
            browser.close()
