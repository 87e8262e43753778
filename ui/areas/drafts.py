"""The drafts area: "Draft N seeds" runs only the first step for N seeds and shows their step-1
previews side by side; choosing one queues the full clip with that seed."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import gradio as gr

from backend.jobs.job import Job
from backend.studio import Studio
from backend.studio_drafts import DRAFTS_MAX, DRAFTS_MIN
from ui.choices import parse_size
from ui.context import UiContext
from ui.formatting import attr, esc
from ui.messages import done, note, problem

TILE_STYLE = "flex:1 1 140px;max-width:220px;min-width:120px"
IMG_STYLE = "width:100%;height:auto;border-radius:4px"


@dataclass(frozen=True)
class DraftWidgets:
    count: gr.Slider
    button: gr.Button
    strip: gr.HTML
    choice: gr.Radio
    use: gr.Button
    message: gr.Markdown
    shown: gr.State


def render(ctx: UiContext) -> DraftWidgets:
    with gr.Accordion("Draft seeds: compare first steps before a full clip", open=False,
                      elem_id="wan-drafts") as box:
        ctx.owner_only(box)  # drafts are queued for the owner only (ui/roles.py)
        with gr.Row():
            count = gr.Slider(DRAFTS_MIN, DRAFTS_MAX, value=4, step=1, label="Seeds to draft",
                              elem_id="wan-draft-count")
            button = gr.Button("Draft seeds", elem_id="wan-draft")
        strip = gr.HTML(strip_html([]), elem_id="wan-draft-strip")
        with gr.Row():
            choice = gr.Radio(choices=[], label="Seed to make in full", elem_id="wan-draft-choice")
            use = gr.Button("Make the full clip with this seed", variant="primary", elem_id="wan-draft-use")
        message = gr.Markdown(elem_id="wan-draft-message")
    return ctx.keep(DraftWidgets(count, button, strip, choice, use, message, gr.State("")))


def latest_drafts(jobs: list[Job]) -> list[Job]:
    """The drafts still in the queue, the newest DRAFTS_MAX of them, oldest first."""
    drafts = sorted((j for j in jobs if j.kind == "draft"), key=lambda j: j.created_at)
    return drafts[-DRAFTS_MAX:]


def _tile(job: Job) -> str:
    body = f'<div class="wan-dim">{esc(job.status)}</div>'
    if job.preview is not None:
        try:
            data = base64.b64encode(job.preview.read()).decode("ascii")
            body = f'<img alt="seed {job.request.seed}" src="data:image/webp;base64,{data}" style="{IMG_STYLE}">'
        except OSError:
            pass
    return (f'<div class="wan-draft" data-job="{attr(job.id)}" data-seed="{job.request.seed}" style="{TILE_STYLE}">'
            f"{body}<div>seed {job.request.seed}</div></div>")


def strip_html(drafts: list[Job]) -> str:
    if not drafts:
        return '<div class="wan-dim">No drafts yet.</div>'
    return '<div style="display:flex;flex-wrap:wrap;gap:8px">' + "".join(_tile(j) for j in drafts) + "</div>"


def strip_key(drafts: list[Job]) -> str:
    return "|".join(f"{j.id}:{j.status}:{j.preview.made_at if j.preview else 0}" for j in drafts)


def refresh(studio: Studio, shown: str) -> tuple[object, object, str]:
    drafts = latest_drafts(studio.jobs())
    key = strip_key(drafts)
    if key == shown:
        return gr.skip(), gr.skip(), shown
    choices = [(f"seed {j.request.seed}", j.id) for j in drafts if j.status == "done"]
    return strip_html(drafts), gr.update(choices=choices), key


def draft(studio: Studio, count: object, prompt: object, size: object, frames: object, seed: object,
          seed_lock: object, preset: object) -> str:
    """Queue the drafts; the form's seed (when locked) is the first and the rest count up."""
    reason = studio.unavailable_reason()
    if reason:
        return f"🚫 {esc(reason)}"
    try:
        width, height = parse_size(size)
        jobs = studio.submit_drafts(prompt, width, height, frames, seed if seed_lock else None, preset or "auto",
                                    count=count)
    except Exception as err:
        return problem(err, "queueing the drafts")
    seeds = ", ".join(str(j.request.seed) for j in jobs)
    return done(f"Queued {len(jobs)} drafts (seeds {seeds}); each runs one step.")


def choose(studio: Studio, job_id: object) -> str:
    if not isinstance(job_id, str) or not job_id:
        return note("Choose a finished draft first.")
    try:
        job = studio.choose_draft(job_id)
    except Exception as err:
        return problem(err, "queueing the clip")
    return done(f"Queued the full clip with seed {job.request.seed}.")


def listen(ctx: UiContext) -> None:
    w = ctx.area(DraftWidgets)
    studio = ctx.studio
    form = [ctx.widget(n) for n in ("prompt", "size", "frames", "seed", "seed_lock", "preset")]

    def on_draft(count: object, prompt: object, size: object, frames: object, seed: object, seed_lock: object,
                 preset: object) -> str:
        return draft(studio, count, prompt, size, frames, seed, seed_lock, preset)

    w.button.click(on_draft, inputs=[w.count, *form], outputs=[w.message], api_name="draft_seeds", preprocess=False)
    w.use.click(lambda job_id: choose(studio, job_id), inputs=[w.choice], outputs=[w.message],
                api_name="choose_draft")
    ctx.widget("fast_timer").tick(lambda shown: refresh(studio, shown), inputs=[w.shown],
                                  outputs=[w.strip, w.choice, w.shown], show_progress="hidden", api_name="drafts",
                                  concurrency_limit=None)
