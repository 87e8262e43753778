"""The settings area: the low-RAM choice, what guests may see, and the form as it was last left.

The form is restored in every new tab from the Studio and saved as it changes (the owner's only: these
events refuse guests, see ui/roles.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from backend.request import SEED_MAX
from backend.studio import Studio
from ui.choices import LOW_RAM_CHOICES, parse_size, size_choices, size_value
from ui.context import UiContext
from ui.labels import label

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettingsWidgets:
    low_ram: gr.Radio
    guests_see_prompts: gr.Checkbox
    guests_see_all_clips: gr.Checkbox


def render(ctx: UiContext) -> SettingsWidgets:
    low_ram = gr.Radio(choices=LOW_RAM_CHOICES, value=ctx.studio.settings.low_ram, label=label("settings.low_ram"),
                       info=label("settings.low_ram_info"),
                       elem_id="wan-low-ram")
    see_prompts = gr.Checkbox(ctx.studio.settings.guests_see_prompts, label=label("settings.guests_prompts"),
                              info=label("settings.guests_prompts_info"),
                              elem_id="wan-guests-see-prompts")
    see_clips = gr.Checkbox(ctx.studio.settings.guests_see_all_clips, label=label("settings.guests_clips"),
                            info=label("settings.guests_clips_info"),
                            elem_id="wan-guests-see-clips")
    return ctx.keep(SettingsWidgets(low_ram, see_prompts, see_clips))


def restored(studio: Studio) -> tuple[object, ...]:
    """The form as last left: prompt, size, frames, seed, lock, preset, low-RAM choice, the two guest choices."""
    s = studio.settings
    size = size_value(s.width, s.height)
    seed = str(s.seed) if s.seed_locked and 0 <= s.seed <= SEED_MAX else "random"
    preset = s.preset if s.preset == "auto" or s.preset in studio.presets else "auto"
    return (s.prompt, gr.update(choices=size_choices(size), value=size), studio.snap_frames(s.frames), seed,
            s.seed_locked and seed != "random", preset, s.low_ram, s.guests_see_prompts, s.guests_see_all_clips)


def _size_change(value: str | None) -> dict[str, Any]:
    width, height = parse_size(value)
    return {"width": width, "height": height}


def _seed_change(value: object) -> dict[str, Any]:
    """A typed seed number is kept; 'random' (or half-typed text) keeps the last one."""
    text = str(value if value is not None else "").strip()
    return {"seed": Studio.check_seed(int(text))} if text.isdigit() else {}


SAVERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "prompt": lambda v: {"prompt": str(v or "")},
    "size": _size_change,
    "frames": lambda v: {"frames": Studio.snap_frames(v)} if v is not None else {},
    "seed": _seed_change,
    "seed_lock": lambda v: {"seed_locked": bool(v)},
    "preset": lambda v: {"preset": str(v)} if v else {},
    "low_ram": lambda v: {"low_ram": v} if v in ("auto", "on", "off") else {},
    "guests_see_prompts": lambda v: {"guests_see_prompts": v} if isinstance(v, bool) else {},
    "guests_see_all_clips": lambda v: {"guests_see_all_clips": v} if isinstance(v, bool) else {},
}
"""Form widget → the UserSettings fields its value sets."""


def remember(studio: Studio, name: str, value: object) -> None:
    """Save one changed form value. A value the form cannot hold yet (half-typed) is simply not saved."""
    try:
        changes = SAVERS[name](value)
    except Exception:
        return
    if changes:
        try:
            studio.update_settings(**changes)
        except Exception:
            logger.exception("Could not save the %s setting", name)


def listen(ctx: UiContext) -> None:
    w = ctx.area(SettingsWidgets)
    studio = ctx.studio
    widgets = {"prompt": ctx.widget("prompt"), "size": ctx.widget("size"), "frames": ctx.widget("frames"),
               "seed": ctx.widget("seed"), "seed_lock": ctx.widget("seed_lock"), "preset": ctx.widget("preset"),
               "low_ram": w.low_ram, "guests_see_prompts": w.guests_see_prompts,
               "guests_see_all_clips": w.guests_see_all_clips}
    for name, widget in widgets.items():
        def save(value: object, name: str = name) -> None:
            remember(studio, name, value)

        # Saved as typed (an example clicked, or a tab closed without leaving the box, keeps the text);
        # always_last drops the keystrokes typed while a save was on its way. preprocess=False: a frame count
        # out of the slider's range is snapped by the video area, not raised here as a second error.
        widget.change(save, inputs=[widget], show_progress="hidden", api_name=f"save_{name}",
                      api_visibility="private", concurrency_limit=None, trigger_mode="always_last", preprocess=False)
    ctx.blocks().load(lambda: restored(studio), outputs=list(widgets.values()), show_progress="hidden",
                      api_name="restore_form")
