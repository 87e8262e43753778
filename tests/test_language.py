"""The page's language per browser session (ui/language.py): a choice is one session's, never the server's;
"auto" and unknown sessions follow the browser's Accept-Language; the switch's events are open to guests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ui.language import CHANGE_JS, CHOICES, LOAD_JS, STORAGE_KEY, PageLanguages, first_language
from ui.roles import ENDPOINT_ROLES


def request(session: str, accept: str = "") -> SimpleNamespace:
    return SimpleNamespace(session_hash=session, headers={"accept-language": accept} if accept else {})


@pytest.mark.parametrize(("header", "first"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("en-US,en;q=0.9,zh-CN;q=0.8", "en-US"),
    ("en;q=0.5, zh-Hans;q=0.9", "zh-Hans"), ("*", ""), ("", ""), ("de;q=x, fr", "fr"),
])
def test_first_language_of_an_accept_language_header(header: str, first: str) -> None:
    assert first_language(header) == first


def test_each_session_has_its_own_choice_and_auto_follows_the_browser() -> None:
    pages = PageLanguages()
    assert pages.lang(request("owner", "zh-CN,zh;q=0.9")) == "zh"  # never chose: its browser's language
    assert pages.lang(request("guest", "en-US")) == "en"
    pages.choose("guest", "zh")
    assert pages.lang(request("guest", "en-US")) == "zh"
    assert pages.lang(request("owner", "en-US")) == "en", "a guest's choice is theirs only"
    pages.choose("owner", "auto")
    assert pages.lang(request("owner", "zh-TW")) == "zh" and pages.lang(request("owner", "fr")) == "en"
    assert pages.choose("owner", "<script>") == "auto" and pages.choose("owner", None) == "auto"
    assert pages.lang(None) == "en" and pages.knows("guest") and not pages.knows("nobody")


def test_sessions_are_bounded_oldest_forgotten_first() -> None:
    pages = PageLanguages(limit=3)
    for i in range(5):
        pages.choose(f"s{i}", "zh")
    pages.choose("s2", "zh")  # used again: kept
    pages.choose("s5", "zh")
    assert [pages.knows(f"s{i}") for i in range(6)] == [False, False, True, False, True, True]
    assert pages.lang(request("s0", "en")) == "en"


def test_the_switch_is_for_everyone_and_lives_in_the_browser() -> None:
    assert ENDPOINT_ROLES["page_language"] == "guest" and ENDPOINT_ROLES["choose_language"] == "guest"
    assert [value for _, value in CHOICES] == ["auto", "en", "zh"]
    assert all("简体中文" in name or "English" in name or "自动" in name for name, _ in CHOICES)
    for js in (LOAD_JS, CHANGE_JS):
        assert f"localStorage.setItem('{STORAGE_KEY}'" in js and "changeLocale" in js and "@KEY@" not in js
    assert f"localStorage.getItem('{STORAGE_KEY}')" in LOAD_JS


def test_a_choice_overrides_only_when_it_differs_from_the_browser() -> None:
    """At load the areas are drawn again only for a page whose stored choice words it otherwise than its
    browser's Accept-Language (what the other load events may have used before the page told its choice)."""
    pages = PageLanguages()
    pages.choose("zh-on-en", "zh")
    pages.choose("en-on-en", "en")
    pages.choose("auto", "auto")
    assert pages.overrides(request("zh-on-en", "en-US,en;q=0.9"))
    assert not pages.overrides(request("zh-on-en", "zh-CN"))
    assert not pages.overrides(request("en-on-en", "en-US"))
    assert pages.overrides(request("en-on-en", "zh-CN"))
    assert not pages.overrides(request("auto", "zh-CN"))
    assert not pages.overrides(request("unknown", "en"))
    assert {"language_clip_on_load", "language_preset_on_load", "language_doctor_on_load"} <= set(ENDPOINT_ROLES)
