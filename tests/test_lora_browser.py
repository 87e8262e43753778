"""In Chromium: pick a LoRA with a strength, see what it matches and what it adds to the fit badge before
the job runs, generate, and find it in the clip's details."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.lora import parse
from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.lora_files import make_layers, write_lora
from tests.support.ui_app import RunningApp, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture
def app(paths: Paths) -> Iterator[RunningApp]:
    layers = make_layers(parse.WAN21_14B, 4, ("self_attn.q", "ffn.0"), blocks=(0, 1, 2), alpha=4.0)
    write_lora(paths.lora_dir / "paper-cut.safetensors", layers, "kohya", "BF16")
    with running_app(paths, CpuTestEngine(step_delay=0.05)) as running:
        running.studio.update_settings(prompt="A paper boat on a pond", frames=5, width=832, height=480)
        yield running


def test_pick_a_lora_generate_and_see_it_in_the_clip(app: RunningApp) -> None:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.set_default_timeout(20_000)
            page.goto(app.url)
            page.wait_for_selector("#wan-generate")
            page.get_by_text("LoRA add-ons (styles, motion)").click()
            page.locator("#wan-lora-1 input").click()
            page.get_by_role("option", name=re.compile("paper-cut.safetensors")).first.click()
            box = page.locator("#wan-lora-strength-1 input[type=number]")
            box.fill("0.6")
            box.press("Enter")
            page.wait_for_function("() => document.querySelector('#wan-lora-report').innerText"
                                   ".includes('paper-cut.safetensors × 0.6 · matched 6 of 6 layers · rank 4')")
            page.wait_for_function("() => document.querySelector('#wan-preset-summary').innerText"
                                   ".includes('LoRAs add')")
            page.click("#wan-generate")
            page.wait_for_function("() => document.querySelector('#wan-message').innerText.includes('Queued 1 clip')")
            (job,) = app.studio.jobs()
            assert [(u.name, u.strength) for u in job.request.loras] == [("paper-cut.safetensors", 0.6)]
            done = app.studio.wait_for_job(job.id, ("done", "failed"), 60)
            assert done.status == "done", done.error
            page.locator("#wan-gallery .wan-card", has_text="A paper boat").first.click()
            page.wait_for_function("() => document.querySelector('#wan-clip-info').innerText"
                                   ".includes('paper-cut.safetensors × 0.6')")
            assert "applied to 6 layers" in page.locator("#wan-clip-info").inner_text()
        finally:
            browser.close()
