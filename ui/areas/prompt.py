"""The prompt area: what the video should show, with example prompts and a note on overlong text."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import esc
from ui.labels import label

EXAMPLE_PROMPTS: tuple[str, ...] = (
    "A red fox trots through fresh snow in a birch forest at dawn, soft golden light, slow tracking shot.",
    "Close-up of a hummingbird hovering at a purple flower, wings blurred, shallow depth of field.",
    "Waves crash against black volcanic rocks at sunset, spray in slow motion, wide angle.",
    "A cyclist rides down a rainy neon-lit street at night, reflections on wet asphalt, cinematic.",
    "Time-lapse of clouds rolling over a mountain ridge, shadows sweeping across green valleys.",
)


@dataclass(frozen=True)
class PromptWidgets:
    prompt: gr.Textbox
    warning: gr.Markdown


def render(ctx: UiContext) -> PromptWidgets:
    prompt = gr.Textbox(
        label=label("prompt.label"),
        lines=3,
        max_lines=12,
        placeholder=label("prompt.placeholder"),
        elem_id="wan-prompt",
    )
    warning = gr.Markdown(elem_id="wan-prompt-warning")
    ctx.publish("prompt", prompt)
    return ctx.keep(PromptWidgets(prompt, warning))


def render_examples(ctx: UiContext) -> None:
    """Example prompts, folded, under Generate: they fill the prompt box when clicked."""
    with gr.Accordion(label("prompt.examples"), open=False, elem_id="wan-examples"):
        gr.Examples(examples=[[p] for p in EXAMPLE_PROMPTS], inputs=[ctx.widget("prompt")],
                    label=label("prompt.examples_list"),
                    examples_per_page=len(EXAMPLE_PROMPTS))


def warning_for(prompt: str | None) -> str:
    """Say so when the text encoder will not read the whole prompt; empty otherwise."""
    text = Studio.prompt_warning(prompt or "")
    return f"ℹ️ {esc(text)}" if text else ""


def listen(ctx: UiContext) -> None:
    w = ctx.area(PromptWidgets)
    # blur, not change: a server round trip per keystroke buys nothing for a length hint.
    w.prompt.blur(warning_for, inputs=[w.prompt], outputs=[w.warning], show_progress="hidden",
                  api_name="prompt_warning", api_visibility="private")
