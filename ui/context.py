"""The per-app UI context: the Studio, what the server looks like, and the typed registry of shared widgets.

One context per built page, never module globals, so a test can build the page twice in one process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

import gradio as gr
from gradio.context import LocalContext

from backend.access import Viewer
from backend.i18n import Lang
from backend.studio import Studio
from ui.language import PageLanguages
from ui.roles import require_viewer

WidgetName = Literal[
    "prompt",
    "size",
    "frames",
    "seed",
    "seed_lock",
    "count",
    "preset",
    "loras",
    "reuse",
    "picked_clip",
    "fast_timer",
    "slow_timer",
]
"""Widgets one area creates and another reads or fills (the form, the clip shown, the two refresh timers)."""

T = TypeVar("T")


@dataclass(frozen=True)
class ServerInfo:
    """How the page is reached, filled in once the server runs; the page shows it to the user."""

    local_url: str = ""
    port: int = 0
    share_requested: bool = False
    share_url: str | None = None
    listen: bool = False
    user: str | None = None
    generated_password: str | None = None
    """Only a password the app made up is shown; one the user chose is theirs to remember."""

    @property
    def remote(self) -> bool:
        """Whether people on other machines may use the page (the server's desktop is not theirs)."""
        return self.listen or self.share_requested


@dataclass(frozen=True)
class Redraw:
    """What to draw again after a language switch (ui/areas/language.py runs them)."""

    api_name: str
    fn: Callable[..., Any]
    outputs: list[gr.components.Component]
    inputs: list[gr.components.Component]
    preprocess: bool = True


class UiContext:
    """What every area gets: the Studio (all state comes from it), shared widgets and server facts."""

    def __init__(self, studio: Studio, server: ServerInfo | None = None) -> None:
        self.studio = studio
        self._server = server or ServerInfo()
        self._server_lock = threading.Lock()
        self._widgets: dict[WidgetName, gr.components.Component] = {}
        self._areas: dict[type, Any] = {}
        self._owner_only: list[gr.components.Component] = []
        self._redraws: list[Redraw] = []
        self.languages = PageLanguages()
        self.demo: gr.Blocks | None = None

    # ---- shared widgets ----------------------------------------------------------------------------
    def publish(self, name: WidgetName, widget: gr.components.Component) -> None:
        if name in self._widgets:
            raise ValueError(f"Widget {name!r} is published twice; each name belongs to one area.")
        self._widgets[name] = widget

    def widget(self, name: WidgetName) -> Any:
        """A widget another area published. Typed Any so callers can use the concrete class's events."""
        try:
            return self._widgets[name]
        except KeyError:
            raise KeyError(f"Widget {name!r} was not rendered; render every area before any listen().") from None

    def form(self) -> list[gr.components.Component]:
        """The generation form in the order handlers take it: prompt, size, frames, seed, lock, count, preset."""
        names: tuple[WidgetName, ...] = ("prompt", "size", "frames", "seed", "seed_lock", "count", "preset")
        return [self.widget(n) for n in names]

    # ---- an area's own widgets ---------------------------------------------------------------------
    def keep(self, widgets: T) -> T:
        """Remember what an area's render() made, so its listen() can find it again."""
        self._areas[type(widgets)] = widgets
        return widgets

    def area(self, kind: type[T]) -> T:
        return cast(T, self._areas[kind])

    # ---- roles ---------------------------------------------------------------------------------------
    def owner_only(self, *widgets: Any) -> None:
        """Parts of the page a guest never sees: drawn hidden, shown to the owner when the page loads (the
        page cannot hide a tab again once shown); their events refuse guests anyway (ui/roles.py)."""
        for widget in widgets:
            widget.visible = False
        self._owner_only.extend(widgets)

    def owner_widgets(self) -> list[gr.components.Component]:
        return list(self._owner_only)

    def viewer(self, request: gr.Request | None) -> Viewer:
        """Who sent this event: the owner or one guest session (ui/roles.py decides)."""
        return require_viewer(request, self.blocks().app)

    # ---- the page's language -------------------------------------------------------------------------
    def lang(self, request: gr.Request | None = None) -> Lang:
        """The language to word this event's run-time text in (the browser's choice, ui/language.py). Without
        `request`, the request of the event being handled (for handlers that take *values)."""
        return self.languages.lang(request if request is not None else LocalContext.request.get(None))

    def on_language(self, api_name: str, redraw: Callable[..., Any], outputs: list[gr.components.Component],
                    inputs: list[gr.components.Component] | None = None, preprocess: bool = True) -> None:
        """Redraw text that is not on a timer after a language switch (`redraw` may take a gr.Request);
        `api_name` needs its role in ui/roles.py like any event. `preprocess=False` gives it the raw values."""
        self._redraws.append(Redraw(api_name, redraw, outputs, inputs or [], preprocess))

    def language_redraws(self) -> list[Redraw]:
        return list(self._redraws)

    # ---- server facts --------------------------------------------------------------------------------
    @property
    def server(self) -> ServerInfo:
        with self._server_lock:
            return self._server

    def set_server(self, info: ServerInfo) -> None:
        with self._server_lock:
            self._server = info

    def blocks(self) -> gr.Blocks:
        if self.demo is None:
            raise RuntimeError("The page is not built yet.")
        return self.demo
