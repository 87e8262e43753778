"""The page layout: arranges the areas in tabs and columns.

Studio tab, first screen: the form and Generate on the left; on the right the current job (with the live
preview slot) above the latest clip playing, and a compact VRAM gauge. Below: the clips grid and the queue.
On a phone (ui/page.css) the first screen holds the prompt, Generate, the current job and the latest clip;
the other settings follow.

Every render() runs before any listen(), so an area can wire itself to widgets published by areas
placed after it.
"""

from __future__ import annotations

import gradio as gr

from ui.areas import (
    drafts,
    gallery,
    gauge,
    generate,
    language,
    lora,
    models,
    notices,
    player,
    preset,
    preview,
    prompt,
    queue,
    settings,
    system,
    video,
)
from ui.context import UiContext
from ui.labels import label
from ui.roles import role_view
from ui.words import both

FAST_TICK_S = 1.0
"""Progress, queue and VRAM gauge: about once a second, like nvidia-smi -l 1."""
SLOW_TICK_S = 2.0
"""Gallery and doctor results change rarely; half the requests."""
CACHE_CLEANUP = (3600, 6 * 3600)
"""Gradio keeps a copy of each clip played; drop copies older than six hours, checking hourly."""

LISTENERS = (notices.listen, prompt.listen, video.listen, preset.listen, generate.listen, gauge.listen,
             player.listen, queue.listen, gallery.listen, models.listen, system.listen, settings.listen,
             preview.listen, drafts.listen, lora.listen)


def build(ctx: UiContext) -> gr.Blocks:
    with gr.Blocks(title="Wan Studio", analytics_enabled=False, delete_cache=CACHE_CLEANUP) as demo:
        ctx.demo = demo
        ctx.publish("fast_timer", gr.Timer(FAST_TICK_S))
        ctx.publish("slow_timer", gr.Timer(SLOW_TICK_S))
        with gr.Row(elem_id="wan-top", equal_height=True):
            gr.HTML(f'<div class="wan-header"><h1>Wan Studio</h1><span>{both("page.tagline")}</span></div>')
            language.render(ctx)
        notices.render(ctx)
        with gr.Tabs():
            with gr.Tab(label("tab.studio"), id="studio"):
                with gr.Row(elem_id="wan-first-screen"):
                    with gr.Column(scale=5, min_width=300, elem_id="wan-form-col"):
                        prompt.render(ctx)
                        video.render(ctx)
                        preset.render(ctx)
                        generate.render(ctx)
                        # Under Generate, so it stays on the first screen: LoRAs, examples, drafts.
                        lora.render(ctx)
                        prompt.render_examples(ctx)
                        drafts.render(ctx)
                    with gr.Column(scale=4, min_width=300, elem_id="wan-side-col"):
                        generate.render_job_panel(ctx)
                        preview.render(ctx)  # the running job's latest step, while there is one
                        player.render(ctx)
                        gauge.render(ctx)
                with gr.Row(elem_id="wan-below"):
                    with gr.Column(scale=5, min_width=300):
                        gallery.render(ctx)
                    with gr.Column(scale=3, min_width=300):
                        queue.render(ctx)
            with gr.Tab(label("tab.models"), id="models") as models_tab:
                models.render(ctx)
            with gr.Tab(label("tab.system"), id="system") as system_tab:
                system.render(ctx)
                gr.Markdown(label("settings.heading"))
                settings.render(ctx)
                preview.render_setting(ctx)
        ctx.owner_only(models_tab, system_tab)
        for listen in LISTENERS:
            listen(ctx)
        language.listen(ctx)  # last: after every area registered its redraw for a switch
        hidden = ctx.owner_widgets()
        demo.load(role_view(hidden, lambda: demo.app), outputs=hidden, show_progress="hidden", api_name="role_view",
                  api_visibility="private")
    return demo
