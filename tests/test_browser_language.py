"""The language switch in a real browser (Debian Chromium): a Chinese browser starts in Chinese, the switch
changes its page at once and is remembered by that browser across reloads, and it is never a server-wide
setting: another browser keeps its own language, and the server words each one's run-time text in it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.ui_app import RunningApp, running_app
from ui.areas.prompt import EXAMPLE_PROMPTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
GENERATE_IS = "(word) => document.getElementById('wan-generate')?.innerText.trim() === word"
TEXT_HAS = "([id, pattern]) => new RegExp(pattern).test(document.getElementById(id)?.innerText || '')"

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture
def app(paths: Paths) -> Iterator[RunningApp]:
    with running_app(paths, CpuTestEngine()) as running:
        yield running


def server_language(app: RunningApp, tab, browser_says: str) -> str:
    """The language the server words this page's run-time text in, once the page has told it its choice."""
    session = tab.evaluate("() => window.__gradio_session_hash__")
    request = SimpleNamespace(session_hash=session, headers={"accept-language": browser_says})
    deadline = time.monotonic() + 30
    while not app.ctx.languages.knows(session) and time.monotonic() < deadline:
        time.sleep(0.05)
    return app.ctx.languages.lang(request)  # type: ignore[arg-type]


def choose(tab, name: str) -> None:
    tab.locator("#wan-language input").click()
    tab.get_by_role("option", name=name).click()


def test_switch_is_per_browser_and_remembered(app: RunningApp) -> None:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            mine = browser.new_context(locale="zh-CN")
            tab = mine.new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            tab.wait_for_function(GENERATE_IS, arg="生成")
            assert "语言" in tab.locator("#wan-language").inner_text()

            choose(tab, "English")
            tab.wait_for_function(GENERATE_IS, arg="Generate")
            assert tab.evaluate("() => document.documentElement.lang") == "en"
            assert tab.evaluate("() => localStorage.getItem('wan-studio-lang')") == "en"
            assert server_language(app, tab, "zh-CN") == "en"
            tab.reload()
            tab.wait_for_function(GENERATE_IS, arg="Generate")  # remembered by this browser
            tab.wait_for_function("() => document.querySelector('#wan-language input')?.value === 'English'")
            assert server_language(app, tab, "zh-CN") == "en"  # the new page told the server its choice

            other = browser.new_context(locale="zh-CN").new_page()  # another person's browser
            other.set_default_timeout(30_000)
            other.goto(app.url)
            other.wait_for_function(GENERATE_IS, arg="生成")
            assert other.evaluate("() => localStorage.getItem('wan-studio-lang')") is None
            assert server_language(app, other, "zh-CN") == "zh"

            choose(tab, "简体中文")
            tab.wait_for_function(GENERATE_IS, arg="生成")
            choose(tab, "Auto (browser) · 自动")
            tab.wait_for_function(GENERATE_IS, arg="生成")  # its browser says zh-CN
            assert tab.evaluate("() => localStorage.getItem('wan-studio-lang')") == "auto"
        finally:
            browser.close()


def test_an_english_browser_can_choose_chinese(app: RunningApp) -> None:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(locale="en-US").new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            tab.wait_for_function(GENERATE_IS, arg="Generate")
            choose(tab, "简体中文")
            tab.wait_for_function(GENERATE_IS, arg="生成")
            assert "提示词" in tab.locator("#wan-prompt").inner_text()
            tab.reload()
            tab.wait_for_function(GENERATE_IS, arg="生成")
        finally:
            browser.close()


def test_a_chosen_language_words_the_server_text_after_a_reload_and_back(paths: Paths) -> None:
    """An English browser that chose 简体中文 gets the server-drawn text of the next page load in Chinese (the
    start-up notice, the fit badge, the System tab's folders), not in its browser's language; switching back
    to English redraws the clip's details in English."""
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text("[]", encoding="utf-8")  # not settings: a start-up notice for the owner
    with running_app(paths, CpuTestEngine()) as app:
        chosen_then_reloaded(app)


def chosen_then_reloaded(app: RunningApp) -> None:
    (job,) = app.studio.submit(EXAMPLE_PROMPTS[0], 256, 256, 5, None, "auto")
    assert app.studio.queue.wait_for(job.id, ("done", "failed"), 90).status == "done"
    assert app.studio.notes
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(locale="en-US").new_page()
            tab.set_default_timeout(30_000)
            tab.goto(app.url)
            tab.wait_for_function(GENERATE_IS, arg="Generate")
            tab.wait_for_function(TEXT_HAS, arg=["wan-clip-info", "Prompt:"])
            choose(tab, "简体中文")
            tab.wait_for_function(GENERATE_IS, arg="生成")
            tab.wait_for_function(TEXT_HAS, arg=["wan-clip-info", "提示词："])

            tab.reload()
            tab.wait_for_function(GENERATE_IS, arg="生成")
            for where, chinese in (("wan-preset-summary", "放得下|紧张|太大|无法判断"), ("wan-notices", "已忽略"),
                                   ("wan-clip-info", "提示词：")):
                tab.wait_for_function(TEXT_HAS, arg=[where, chinese])
            tab.get_by_role("tab", name="系统").click()
            tab.wait_for_function(TEXT_HAS, arg=["wan-folders", "日志文件"])
            assert "Log file" not in tab.locator("#wan-folders").inner_text()
            tab.get_by_role("tab", name="创作").click()

            choose(tab, "English")
            tab.wait_for_function(GENERATE_IS, arg="Generate")
            tab.wait_for_function(TEXT_HAS, arg=["wan-clip-info", "Prompt:"])
            assert "提示词" not in tab.locator("#wan-clip-info").inner_text()
            tab.wait_for_function(TEXT_HAS, arg=["wan-preset-summary", "fits|tight|too big|fit unknown"])
        finally:
            browser.close()
