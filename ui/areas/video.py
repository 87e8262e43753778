"""The video settings area: size, frame count (snapped to 4k+1, within what the preset allows), seed and count.

The seed box shows the seed that will be used: a number when locked, "random" when every clip draws its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr

from backend.errors import StudioError
from backend.request import FRAMES_DEFAULT, FRAMES_MAX, FRAMES_MIN, SEED_MAX
from backend.studio import MAX_BATCH, Studio
from ui.choices import DEFAULT_SIZE, parse_size, size_choices
from ui.context import UiContext
from ui.formatting import clip_length, clip_length_values
from ui.labels import label
from ui.words import both, say

RANDOM = "random"


@dataclass(frozen=True)
class VideoWidgets:
    size: gr.Radio
    frames: gr.Slider
    length: gr.Markdown
    seed: gr.Textbox
    new_seed: gr.Button
    seed_lock: gr.Checkbox
    count: gr.Slider


def render(ctx: UiContext) -> VideoWidgets:
    size = gr.Radio(choices=size_choices(), value=DEFAULT_SIZE, label=label("video.size"), elem_id="wan-size")
    limit = frames_limit(ctx.studio, "auto", DEFAULT_SIZE)
    with gr.Row(elem_classes="wan-wrap-row"):
        # step 4 from 5 makes every slider position a valid 4k+1 count.
        frames = gr.Slider(FRAMES_MIN, limit, value=min(FRAMES_DEFAULT, limit), step=4, label=label("video.frames"),
                           elem_id="wan-frames", scale=3, min_width=220)
        count = gr.Slider(1, MAX_BATCH, value=1, step=1, label=label("video.count"), elem_id="wan-count", scale=1,
                          min_width=140)
    # Drawn before the page knows its language: both, ui/lang.css shows the page's; a change words it in one.
    first = min(FRAMES_DEFAULT, limit)
    length = gr.Markdown(both("page.clip_length", **clip_length_values(first)), elem_id="wan-length")
    with gr.Row(equal_height=True, elem_classes="wan-wrap-row"):
        seed = gr.Textbox(value=RANDOM, label=label("video.seed"), max_lines=1, elem_id="wan-seed", scale=2,
                          min_width=140, placeholder=label("video.seed_placeholder"))
        new_seed = gr.Button(label("video.pick_seed"), elem_id="wan-new-seed", scale=0, min_width=110, size="sm")
        seed_lock = gr.Checkbox(value=False, label=label("video.lock_seed"),
                                elem_id="wan-seed-lock", scale=2, min_width=140)
    ctx.publish("size", size)
    ctx.publish("frames", frames)
    ctx.publish("seed", seed)
    ctx.publish("seed_lock", seed_lock)
    ctx.publish("count", count)
    return ctx.keep(VideoWidgets(size, frames, length, seed, new_seed, seed_lock, count))


def frames_limit(studio: Studio, preset_name: object, size: object) -> int:
    """The most frames the chosen preset allows at this size: its own limit, lowered to the last count the
    fit prediction does not call too big. Unknown preset or size: the general limit."""
    try:
        preset = studio.preset_for(str(preset_name or "auto"))
        width, height = parse_size(size)
    except StudioError:
        return FRAMES_MAX
    top = max(FRAMES_MIN, min(FRAMES_MAX, preset.max_frames))
    if width * height > preset.max_pixels:
        return top  # every count is too big at this size; the fit badge says to choose a smaller size
    for count in range(top, FRAMES_MIN - 1, -4):
        if studio.predict_fit(preset, width, height, count)[0] != "red":
            return count
    return FRAMES_MIN


def snapped(raw: object, limit: int, lang: str = "en") -> tuple[int, str]:
    """A typed or dragged frame count as the nearest allowed one, and the line under it (in `lang`).

    Out of range (0, 10000, text) snaps to the nearest end and says so once, in the app's words."""
    try:
        value = float(str(raw).strip())
        if not math.isfinite(value):
            raise ValueError
    except (TypeError, ValueError):
        count = min(FRAMES_DEFAULT, limit)
        return count, (say(lang, "studio.frames.not_number", low=FRAMES_MIN, high=limit, count=count) + "  \n"
                       + clip_length(count, lang))
    count = max(FRAMES_MIN, min(limit, Studio.snap_frames(value)))
    if value < FRAMES_MIN or value > limit:
        return count, (say(lang, "studio.frames.range", low=FRAMES_MIN, high=limit, count=count) + "  \n"
                       + clip_length(count, lang))
    return count, clip_length(count, lang)


def seed_shown(locked: object, current: object) -> str:
    """What the seed box says: 'random' when unlocked; when locked, the seed typed (or a fresh one)."""
    if not locked:
        return RANDOM
    text = str(current or "").strip()
    if text.isdigit() and int(text) <= SEED_MAX:
        return text
    return str(Studio.new_seed())


def typed_seed(text: object) -> tuple[object, bool]:
    """Typing a number locks the seed (it is wanted); clearing it or typing 'random' unlocks."""
    value = str(text or "").strip().lower()
    if value in ("", RANDOM, "-1"):
        return gr.skip(), False
    return gr.skip(), True


def listen(ctx: UiContext) -> None:
    w = ctx.area(VideoWidgets)
    studio = ctx.studio
    preset = ctx.widget("preset")

    def on_frames(raw: object, preset_name: object, size: object) -> tuple[object, str]:
        count, line = snapped(raw, frames_limit(studio, preset_name, size), ctx.lang())
        return (gr.skip() if raw == count else count), line

    def on_limits(preset_name: object, size: object, raw: object) -> tuple[object, str]:
        limit = frames_limit(studio, preset_name, size)
        count, line = snapped(raw, limit, ctx.lang())
        return gr.update(maximum=limit, value=count), line

    def on_language(raw: object, preset_name: object, size: object) -> str:
        return snapped(raw, frames_limit(studio, preset_name, size), ctx.lang())[1]

    # preprocess=False: a value outside the slider's range must reach us (and be snapped with one message)
    # instead of raising one Gradio error per listener.
    w.frames.change(on_frames, inputs=[w.frames, preset, w.size], outputs=[w.frames, w.length],
                    show_progress="hidden", api_name="snap_frames", api_visibility="private", preprocess=False,
                    trigger_mode="always_last")
    gr.on([preset.change, w.size.change], on_limits, inputs=[preset, w.size, w.frames], outputs=[w.frames, w.length],
          show_progress="hidden", api_name="frame_limits", api_visibility="private", preprocess=False)
    ctx.on_language("language_length", on_language, outputs=[w.length], inputs=[w.frames, preset, w.size],
                    preprocess=False)
    w.new_seed.click(lambda: (str(Studio.new_seed()), True), outputs=[w.seed, w.seed_lock], show_progress="hidden",
                     api_name="new_seed")
    # Typing a seed means wanting that seed: lock it so Generate does not draw a new one.
    w.seed.input(typed_seed, inputs=[w.seed], outputs=[w.seed, w.seed_lock], show_progress="hidden",
                 api_name="lock_seed", api_visibility="private")
    w.seed_lock.input(seed_shown, inputs=[w.seed_lock, w.seed], outputs=[w.seed], show_progress="hidden",
                      api_name="seed_shown", api_visibility="private")
