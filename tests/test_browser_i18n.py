"""A Chinese browser (zh-CN locale) against the real page: Gradio's translation shows the Chinese labels,
the Studio tab has no English word left (names such as Wan, LoRA, GPU, MiB aside), and the Chinese text fits
the desktop (1440×900) and phone (390×844) layouts. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import RunningApp, running_app
from tests.test_browser import OVERFLOW as PAGE_OVERFLOW
from ui.areas.prompt import EXAMPLE_PROMPTS
from ui.gradio_zh import FIXED_LABELS_ZH

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const id of ['wan-generate', 'wan-cancel-running', 'wan-free-gpu', 'wan-prompt']) {
    const el = document.getElementById(id);
    if (!el) { out.push(id + ': missing'); continue; }
    const box = el.getBoundingClientRect();
    if (box.left < -0.5 || box.right > width + 0.5) out.push(`${id}: ${box.left}..${box.right} of ${width}`);
    for (const inner of el.querySelectorAll('button, span, label, textarea')) {
      if (inner.scrollWidth > inner.clientWidth + 1 && getComputedStyle(inner).overflowX !== 'visible')
        out.push(`${id}: text cut (${inner.scrollWidth} > ${inner.clientWidth})`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) out.push(`page ${document.documentElement.scrollWidth} wide`);
  return out;
}"""

ENGLISH_WORDS = """() => {
  const studio = document.getElementById('studio') || document.querySelector('[role=tabpanel]');
  const roots = [document.querySelector('.wan-header')?.parentElement, studio].filter(Boolean);
  const words = new Set();
  for (const root of roots) {
    for (const word of (root.innerText || '').match(/[A-Za-z][A-Za-z'-]+/g) || []) words.add(word);
    for (const el of root.querySelectorAll('textarea[placeholder], input[placeholder]'))
      for (const word of el.placeholder.match(/[A-Za-z][A-Za-z'-]+/g) || []) words.add(word);
  }
  return [...words];
}"""
HIDDEN_LABELS = """(wanted) => [...document.querySelectorAll('[aria-label],[title]')]
  .flatMap((el) => ['aria-label', 'title'].map((name) => el.getAttribute(name)))
  .filter((value) => value && wanted.includes(value))"""
"""The page's accessibility labels and tooltips that are one of `wanted`."""
NAMES = {"Wan", "Studio", "Wan2", "LoRA", "LoRAs", "GPU", "VRAM", "RAM", "MiB", "GiB", "MB", "GB", "KB", "fps",
         "FP8", "INT8", "NVIDIA", "GeForce", "RTX", "Ti", "Super", "DiT", "VAE", "T5", "CUDA", "driver", "API",
         "English", "Auto", "x", "p", "s", "W", "C", "safetensors", "min", "h", "random", "Ctrl", "Enter"} | {
    re.sub(r"^\d+", "", path.stem) for path in (Path(__file__).resolve().parent.parent / "presets").glob("*.json")}
"""Names, units, keys and the language menu's own entries, the same in both languages; a preset is named by its
file (the "gb" of "12gb", as the command line's --preset takes it)."""
PROMPT_WORDS = {w for p in EXAMPLE_PROMPTS for w in re.findall(r"[A-Za-z][A-Za-z'-]+", p)} | {
    p.split()[-1].rstrip(".…") for p in EXAMPLE_PROMPTS}
"""The example prompts are prompts: never translated (the page shows them cut short)."""

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture
def app(paths: Paths) -> Iterator[RunningApp]:
    with running_app(paths, CpuTestEngine()) as running:
        yield running


@pytest.mark.parametrize(("viewport", "name"), [({"width": 1400, "height": 1100}, "desktop"),
                                                ({"width": 390, "height": 844}, "phone")])
def test_chinese_browser_sees_chinese_labels_that_fit(app: RunningApp, viewport: dict[str, int], name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport=viewport,
                                          is_mobile=name == "phone", has_touch=name == "phone")
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            generate = tab.locator("#wan-generate")
            generate.wait_for()
            tab.wait_for_function("() => document.getElementById('wan-generate').innerText.trim() === '生成'")
            tab.locator("#wan-free-gpu").wait_for()  # owner-only: drawn hidden, shown once the page knows its owner
            assert "提示词" in tab.locator("#wan-prompt").inner_text()
            placeholder = tab.locator("#wan-prompt textarea").get_attribute("placeholder") or ""
            assert placeholder.startswith("描述视频")
            assert tab.get_by_text("Generate", exact=True).count() == 0
            tab.screenshot(path=str(ARTIFACTS / f"i18n-zh-CN-{name}.png"), full_page=True)
            assert tab.evaluate(OVERFLOW) == []
        finally:
            browser.close()


def test_english_browser_keeps_english_labels(app: RunningApp) -> None:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(locale="en-US").new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            tab.wait_for_function("() => document.getElementById('wan-generate')?.innerText.trim() === 'Generate'")
            assert "Prompt" in tab.locator("#wan-prompt").inner_text()
            assert tab.evaluate(HIDDEN_LABELS, list(FIXED_LABELS_ZH.values())) == []
        finally:
            browser.close()


@pytest.mark.parametrize(("viewport", "name"), [({"width": 1440, "height": 900}, "desktop-1440"),
                                                ({"width": 390, "height": 844}, "phone-390")])
def test_studio_tab_in_chinese_has_no_english_word(app: RunningApp, viewport: dict[str, int], name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport=viewport,
                                          is_mobile=name.startswith("phone"), has_touch=name.startswith("phone"))
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            tab.wait_for_function("() => document.getElementById('wan-generate')?.innerText.trim() === '生成'")
            # the run-time text is drawn by the page's timers in the page's language: wait for the gauge's
            tab.wait_for_function("() => /本应用|没有 GPU 读数/.test(document.getElementById('wan-gauge')?.innerText)")
            tab.wait_for_function("() => /没有正在运行/.test(document.getElementById('wan-progress')?.innerText)")
            english = sorted(set(tab.evaluate(ENGLISH_WORDS)) - NAMES - PROMPT_WORDS)
            tab.screenshot(path=str(ARTIFACTS / f"i18n-zh-CN-studio-{name}.png"), full_page=True)
            assert english == [], f"English words on the Chinese Studio tab: {english}"
            assert tab.evaluate(OVERFLOW) == []
            assert tab.evaluate(HIDDEN_LABELS, list(FIXED_LABELS_ZH)) == []  # Gradio's fixed English labels
            assert tab.evaluate(HIDDEN_LABELS, list(FIXED_LABELS_ZH.values()))  # …swapped, not just absent
        finally:
            browser.close()


def test_chinese_phone_with_a_running_job_and_clips_fits(paths: Paths) -> None:
    """The longer Chinese run-time text (queue lines, the job's progress, the clip's details and captions) on a
    390x844 phone: nothing wider than the screen, nothing scrolling sideways, and no English word left."""
    ARTIFACTS.mkdir(exist_ok=True)
    gate = threading.Event()
    gate.set()
    with running_app(paths, CpuTestEngine(step_delay=0.3, gate=gate)) as app, sync_api.sync_playwright() as pw:
        (first,) = app.studio.submit(EXAMPLE_PROMPTS[0], 256, 256, 5, None, "auto")
        assert app.studio.queue.wait_for(first.id, ("done", "failed"), 90).status == "done"
        gate.clear()  # the next job holds on the engine while the page is measured
        held, _waiting = app.studio.submit(EXAMPLE_PROMPTS[1], 480, 832, 5, 7, "auto", count=2)
        app.studio.queue.wait_for(held.id, ("running",), 30)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            phone = {"width": 390, "height": 844}
            tab = browser.new_context(locale="zh-CN", viewport=phone, is_mobile=True, has_touch=True).new_page()
            tab.set_default_timeout(45_000)
            tab.goto(app.url)
            tab.wait_for_function("() => document.getElementById('wan-generate')?.innerText.trim() === '生成'")
            tab.wait_for_function("() => /运行中/.test(document.getElementById('wan-queue')?.innerText)")
            tab.wait_for_function("() => document.querySelector('#wan-progress [data-job]') !== null")
            tab.wait_for_function("() => /种子/.test(document.getElementById('wan-clip-info')?.innerText)")
            tab.wait_for_function("() => document.querySelectorAll('#wan-gallery .wan-card').length >= 1")
            found = tab.evaluate(PAGE_OVERFLOW)
            tab.screenshot(path=str(ARTIFACTS / "i18n-zh-CN-phone-busy.png"), full_page=True)
            assert found["page"][0] <= found["vw"] and found["page"][1] <= found["vw"], found
            assert found["wide"] == [], found
            clip_file = str(app.studio.clip(app.studio.job(first.id).clip_id or "").path)  # a path is a name
            names = NAMES | PROMPT_WORDS | {"cpu-test"} | set(re.findall(r"[A-Za-z][A-Za-z'-]+", clip_file))
            english = sorted(word for word in set(tab.evaluate(ENGLISH_WORDS)) - names
                             if not any(p.startswith(word) for p in PROMPT_WORDS))  # a prompt cut short: "fi…"
            assert english == [], f"English words on the busy Chinese Studio tab: {english}"
        finally:
            gate.set()
            browser.close()
