"""The page's language per browser: the choice kept in the browser (localStorage, so a guest's choice is
never the owner's), the browser's own language (Accept-Language, navigator.language) when it is "auto",
and which language each page session gets its run-time text in. The choice is also kept in a cookie of the
same name, so the server's refusals sent before any page (ui/login_gate.py) follow it.

Static labels follow Gradio's translation (`gr.I18n`, ui/labels.py) in the browser; a switch tells that
translation the new locale through Gradio's own `changeLocale` (what its footer settings use) and tells
the server, so text built at run time (status lines, errors, the doctor) follows too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Literal

import gradio as gr

from backend.i18n import Lang, pick_language

Choice = Literal["auto", "en", "zh"]
CHOICES: list[tuple[str, Choice]] = [("Auto (browser) · 自动", "auto"), ("English", "en"), ("简体中文", "zh")]
"""Each language named in itself, so a person who cannot read the page's current language still finds theirs."""
STORAGE_KEY = "wan-studio-lang"
MAX_SESSIONS = 4096
"""Page sessions remembered (oldest forgotten first); a forgotten one falls back to its browser's language."""

APPLY_JS = """
const wanLanguage = async (pick) => {
  const nav = (navigator.language || 'en').toLowerCase();
  const locale = (pick === 'zh' || (pick === 'auto' && nav.startsWith('zh'))) ? 'zh-CN' : 'en';
  try { localStorage.setItem('@KEY@', pick); } catch (e) {}
  document.cookie = '@KEY@=' + pick + '; path=/; max-age=31536000; SameSite=Strict';
  const core = performance.getEntriesByType('resource').map((e) => e.name)
    .find((name) => /\\/assets\\/core-[^/]*\\.js(\\?|$)/.test(name));
  if (!core) { console.warn('Wan Studio: Gradio translation module not found'); return; }
  try { (await import(core)).changeLocale(locale); } catch (e) { console.warn('Wan Studio: language switch', e); }
};
""".replace("@KEY@", STORAGE_KEY)
"""Keep the choice in this browser and switch Gradio's translation of the static labels to it."""

LOAD_JS = "async (choice) => {" + APPLY_JS + """
  let saved = null;
  try { saved = localStorage.getItem('@KEY@'); } catch (e) {}
  const pick = ['auto', 'en', 'zh'].includes(saved) ? saved : 'auto';
  if (pick !== 'auto') await wanLanguage(pick);
  else document.cookie = '@KEY@=auto; path=/; max-age=31536000; SameSite=Strict';
  return pick;
}""".replace("@KEY@", STORAGE_KEY)
CHANGE_JS = "async (choice) => {" + APPLY_JS + """
  const pick = ['auto', 'en', 'zh'].includes(choice) ? choice : 'auto';
  await wanLanguage(pick);
  if (window.wanSwapLabels) window.wanSwapLabels();
  return pick;
}"""


class PageLanguages:
    """Page session → its chosen language; safe across Gradio's worker threads."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._chosen: OrderedDict[str, Choice] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def choose(self, session: str, choice: object) -> Choice:
        """Remember a session's choice ("auto" for anything that is not one)."""
        picked: Choice = choice if choice in ("en", "zh") else "auto"
        with self._lock:
            self._chosen[session] = picked
            self._chosen.move_to_end(session)
            while len(self._chosen) > self._limit:
                self._chosen.popitem(last=False)
        return picked

    def knows(self, session: str) -> bool:
        with self._lock:
            return session in self._chosen

    def lang(self, request: gr.Request | None) -> Lang:
        """The language of the page that sent this event: its choice, else its browser's language."""
        return page_lang(self._choice(request), accept_language(request))

    def overrides(self, request: gr.Request | None) -> bool:
        """Whether this page's choice words its text otherwise than its browser's language would (then text
        drawn at its load, before the page told its choice, is drawn again)."""
        return self.lang(request) != page_lang("auto", accept_language(request))

    def _choice(self, request: gr.Request | None) -> Choice:
        session = getattr(request, "session_hash", None) if request is not None else None
        with self._lock:
            return self._chosen.get(session or "", "auto")


def accept_language(request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) if request is not None else None
    return str(headers.get("accept-language", "")) if headers is not None else ""


def page_lang(choice: object, accept_language: str) -> Lang:
    """A page's language: its choice, else (for "auto" or anything else) its browser's Accept-Language."""
    if choice in ("en", "zh"):
        return "zh" if choice == "zh" else "en"
    return pick_language(first_language(accept_language))


def first_language(accept_language: str) -> str:
    """The most wanted language of an Accept-Language header ('zh-CN,zh;q=0.9,en;q=0.8' → 'zh-CN')."""
    best, best_q = "", -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > best_q:
            best, best_q = tag, q
    return best
