"""The video settings area: size, frame count (snapped to 4k+1, duration shown), seed and clip count."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.request import FRAMES_DEFAULT, FRAMES_MAX, FRAMES_MIN, SEED_MAX
from backend.studio import MAX_BATCH, Studio
from ui.choices import DEFAULT_SIZE, size_choices
from ui.context import UiContext
from ui.formatting import clip_length


@dataclass(frozen=True)
class VideoWidgets:
    size: gr.Radio
    frames: gr.Slider
    length: gr.Markdown
    seed: gr.Number
    new_seed: gr.Button
    seed_lock: gr.Checkbox
    count: gr.Slider


def render(ctx: UiContext) -> VideoWidgets:
    size = gr.Radio(choices=size_choices(), value=DEFAULT_SIZE, label="Size (width × height)", elem_id="wan-size")
    with gr.Row(equal_height=True):
        # step 4 from 5 makes every slider position a valid 4k+1 count.
        frames = gr.Slider(FRAMES_MIN, FRAMES_MAX, value=FRAMES_DEFAULT, step=4, label="Frames",
                           elem_id="wan-frames", scale=3)
        length = gr.Markdown(clip_length(FRAMES_DEFAULT), elem_id="wan-length")
    with gr.Row():
        seed = gr.Number(value=Studio.new_seed(), label="Seed", precision=0, minimum=0, maximum=SEED_MAX,
                         elem_id="wan-seed", scale=3)
        new_seed = gr.Button("🎲 New seed", elem_id="wan-new-seed", scale=0, min_width=120, size="sm")
        seed_lock = gr.Checkbox(value=False, label="Lock seed",
                                info="Off: every clip gets a fresh random seed (shown here).",
                                elem_id="wan-seed-lock", scale=2)
    count = gr.Slider(1, MAX_BATCH, value=1, step=1, label="Clips (one seed each)", elem_id="wan-count")
    ctx.publish("size", size)
    ctx.publish("frames", frames)
    ctx.publish("seed", seed)
    ctx.publish("seed_lock", seed_lock)
    ctx.publish("count", count)
    return ctx.keep(VideoWidgets(size, frames, length, seed, new_seed, seed_lock, count))


def snapped(frames: float | None) -> tuple[object, str]:
    """Snap a typed frame count to the nearest 4k+1 and say how long the clip is."""
    value = Studio.snap_frames(frames if frames is not None else FRAMES_DEFAULT)
    return (gr.skip() if frames == value else value), clip_length(value)


def fresh_seed() -> int:
    return Studio.new_seed()


def listen(ctx: UiContext) -> None:
    w = ctx.area(VideoWidgets)
    w.frames.change(snapped, inputs=[w.frames], outputs=[w.frames, w.length], show_progress="hidden",
                    api_name="snap_frames", api_visibility="private")
    w.new_seed.click(fresh_seed, outputs=[w.seed], show_progress="hidden", api_name="new_seed")
    # Typing a seed means wanting that seed: lock it so Generate does not draw a new one.
    w.seed.input(lambda: True, outputs=[w.seed_lock], show_progress="hidden", api_name="lock_seed",
                 api_visibility="private")
