"""The preset area: which VRAM preset runs the job, what it does, and whether the chosen size fits."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.errors import StudioError
from backend.i18n import text as text_of
from backend.request import FRAMES_DEFAULT
from backend.studio import Studio
from ui.choices import DEFAULT_SIZE, parse_size, preset_choices
from ui.context import UiContext
from ui.formatting import attr, esc
from ui.labels import label
from ui.messages import problem_text
from ui.words import both_drawn, fill, say


@dataclass(frozen=True)
class PresetWidgets:
    preset: gr.Dropdown
    summary: gr.HTML


def render(ctx: UiContext) -> PresetWidgets:
    studio = ctx.studio
    preset = gr.Dropdown(choices=preset_choices(studio), value="auto",
                         label=label("preset.label"), elem_id="wan-preset")
    # Drawn before the page knows its language: both, ui/lang.css shows the page's; the load words it in one.
    summary = gr.HTML(both_drawn(lambda lang: describe(studio, "auto", DEFAULT_SIZE, FRAMES_DEFAULT, lang=lang)),
                      elem_id="wan-preset-summary")
    ctx.publish("preset", preset)
    return ctx.keep(PresetWidgets(preset, summary))


FIT_KEYS = {"green": "page.fit.green", "amber": "page.fit.amber", "red": "page.fit.red", "unknown": "page.fit.unknown"}


def describe(studio: Studio, name: str | None, size: str | None, frames: object, loras: object = (),
             lang: str = "en") -> str:
    """A fit badge for this size and frame count (before any run) and one line on what the preset does, in
    `lang`."""
    try:
        preset = studio.preset_for(name or "auto")
        width, height = parse_size(size)
        count = int(float(str(frames))) if frames not in (None, "") else FRAMES_DEFAULT
    except StudioError as err:
        return f'<div class="wan-note">⚠️ {esc(err.user_text(lang))}</div>'
    except ValueError:
        count = FRAMES_DEFAULT
    names = [str(pair[0]) for pair in loras if isinstance(pair, (list, tuple)) and pair] \
        if isinstance(loras, (list, tuple)) else []
    fit, text = studio.predict_fit(preset, width, height, count, names, lang=lang)
    picked = fill(lang, "page.preset.picked", label=f"<b>{esc(preset.label)}</b>") + " " \
        if (name or "auto") == "auto" else ""
    low_ram = ""
    if studio.low_ram_for(preset):
        ram = f"{studio.host_ram_gib:.0f} GiB" if studio.host_ram_gib else text_of("page.preset.little", lang)
        low_ram = f"<div class='wan-dim'>{say(lang, 'page.preset.low_ram', ram=ram)}</div>"
    about = preset.description_in(lang)
    return (
        f'<div class="wan-preset"><div><span class="wan-fit wan-fit-{fit}" title="{attr(text)}">● '
        f"{say(lang, FIT_KEYS[fit])}</span> {esc(text)}</div>"
        f'<div class="wan-dim wan-preset-what" title="{attr(about)}">{picked}{esc(about)}</div>{low_ram}</div>'
    )


def listen(ctx: UiContext) -> None:
    w = ctx.area(PresetWidgets)
    size, frames, loras = ctx.widget("size"), ctx.widget("frames"), ctx.widget("loras")

    def refresh(name: str | None, size_value: str | None, frame_count: object, chosen: object = ()) -> str:
        try:
            return describe(ctx.studio, name, size_value, frame_count, chosen, ctx.lang())
        except Exception as err:  # a preview must never break the form
            return f'<div class="wan-note">⚠️ {esc(problem_text(err, "page.doing.fit", ctx.lang()))}</div>'

    gr.on([w.preset.change, size.change, frames.change, loras.change], refresh, inputs=[w.preset, size, frames, loras],
          outputs=[w.summary], show_progress="hidden", api_name="preset_fit", api_visibility="private",
          preprocess=False)
    ctx.blocks().load(refresh, inputs=[w.preset, size, frames], outputs=[w.summary], show_progress="hidden",
                      api_name="preset_summary", preprocess=False)
    ctx.on_language("language_preset", refresh, outputs=[w.summary], inputs=[w.preset, size, frames, loras],
                    preprocess=False)
