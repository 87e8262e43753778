"""The language switch, for everyone on the page (a guest too: it changes only their own browser).

The choice lives in the browser (ui/language.py); at load the page sends it, and the server words that
session's run-time text in it. Areas whose text is drawn once (not on a timer) register a redraw with
`UiContext.on_language`, run after each switch, and at load once the page has told its stored choice
(the other load events may have worded their text in the browser's language before it did).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from ui.context import UiContext
from ui.labels import label
from ui.language import CHANGE_JS, CHOICES, LOAD_JS


@dataclass(frozen=True)
class LanguageWidgets:
    choice: gr.Dropdown


def render(ctx: UiContext) -> LanguageWidgets:
    choice = gr.Dropdown(choices=CHOICES, value="auto", label=label("language.label"), elem_id="wan-language",
                         scale=0, min_width=220, interactive=True)
    return ctx.keep(LanguageWidgets(choice))


def listen(ctx: UiContext) -> None:
    """Wire the switch; runs after every other area's listen(), so their redraws are registered."""
    w = ctx.area(LanguageWidgets)

    def choose(choice: str | None, request: gr.Request) -> str:
        return ctx.languages.choose(request.session_hash or "", choice)

    loaded = ctx.blocks().load(choose, inputs=[w.choice], outputs=[w.choice], js=LOAD_JS, show_progress="hidden",
                               api_name="page_language", api_visibility="private", queue=False)
    switched = w.choice.input(choose, inputs=[w.choice], outputs=[w.choice], js=CHANGE_JS, show_progress="hidden",
                              api_name="choose_language", api_visibility="private", queue=False)
    for redraw in ctx.language_redraws():  # each on its own after the choice: one failing never stops the rest
        switched.then(redraw.fn, inputs=redraw.inputs, outputs=redraw.outputs, show_progress="hidden",
                      api_name=redraw.api_name, api_visibility="private", queue=False, preprocess=redraw.preprocess)
        loaded.then(if_chosen(ctx, redraw.fn, len(redraw.outputs)), inputs=redraw.inputs, outputs=redraw.outputs,
                    show_progress="hidden", api_name=f"{redraw.api_name}_on_load", api_visibility="private",
                    queue=False, preprocess=redraw.preprocess)


def if_chosen(ctx: UiContext, redraw: Callable[..., Any], outputs: int) -> Callable[..., Any]:
    """`redraw` when the page's stored choice differs from its browser's language: the other load events may
    have drawn their text before the page told its choice. Otherwise their text stands (nothing is sent)."""

    @functools.wraps(redraw)
    def at_load(*args: Any, **kwargs: Any) -> Any:
        if ctx.languages.overrides(LocalContext.request.get(None)):
            return redraw(*args, **kwargs)
        skipped = tuple(gr.skip() for _ in range(outputs))
        return skipped[0] if outputs == 1 else skipped

    return at_load
