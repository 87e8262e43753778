"""The drafts area: "Draft N seeds" runs only the first step for N seeds and shows their step-1
previews side by side; choosing one queues the full clip with that seed."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import gradio as gr

from backend.i18n import text
from backend.jobs.job import Job
from backend.studio import Studio
from backend.studio_drafts import DRAFTS_MAX, DRAFTS_MIN
from ui.choices import parse_size
from ui.context import UiContext
from ui.formatting import attr, esc
from ui.labels import label
from ui.messages import done, note, problem
from ui.words import say, word

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
    with gr.Accordion(label("drafts.title"), open=False, elem_id="wan-drafts") as box:
        ctx.owner_only(box)  # drafts are queued for the owner only (ui/roles.py)
        with gr.Row():
            count = gr.Slider(DRAFTS_MIN, DRAFTS_MAX, value=4, step=1, label=label("drafts.count"),
                              elem_id="wan-draft-count")
            button = gr.Button(label("drafts.button"), elem_id="wan-draft")
        strip = gr.HTML(strip_html([], None), elem_id="wan-draft-strip")
        with gr.Row():
            choice = gr.Radio(choices=[], label=label("drafts.choice"), elem_id="wan-draft-choice")
            use = gr.Button(label("drafts.use"), variant="primary", elem_id="wan-draft-use")
        message = gr.Markdown(elem_id="wan-draft-message")
    return ctx.keep(DraftWidgets(count, button, strip, choice, use, message, gr.State("")))


def latest_drafts(jobs: list[Job]) -> list[Job]:
    """The drafts still in the queue, the newest DRAFTS_MAX of them, oldest first."""
    drafts = sorted((j for j in jobs if j.kind == "draft"), key=lambda j: j.created_at)
    return drafts[-DRAFTS_MAX:]


STATUS_KEYS = {"queued": "stage.queued", "running": "stage.denoising", "saving": "stage.saving", "done": "stage.done",
               "failed": "download.failed", "cancelled": "download.cancelled", "interrupted": "download.failed"}
"""A draft tile's status in words (a draft is one step: running means denoising)."""


def _tile(job: Job, lang: str) -> str:
    body = f'<div class="wan-dim">{say(lang, STATUS_KEYS.get(job.status, "stage.queued"))}</div>'
    seed = say(lang, "page.drafts.seed", seed=job.request.seed)
    if job.preview is not None:
        try:
            data = base64.b64encode(job.preview.read()).decode("ascii")
            body = f'<img alt="{attr(seed)}" src="data:image/webp;base64,{data}" style="{IMG_STYLE}">'
        except OSError:
            pass
    return (f'<div class="wan-draft" data-job="{attr(job.id)}" data-seed="{job.request.seed}" style="{TILE_STYLE}">'
            f"{body}<div>{seed}</div></div>")


def strip_html(drafts: list[Job], lang: str | None = "en") -> str:
    if not drafts or lang is None:
        return f'<div class="wan-dim">{word(lang, "page.drafts.none")}</div>'
    return '<div style="display:flex;flex-wrap:wrap;gap:8px">' + "".join(_tile(j, lang) for j in drafts) + "</div>"


def strip_key(drafts: list[Job]) -> str:
    return "|".join(f"{j.id}:{j.status}:{j.preview.made_at if j.preview else 0}" for j in drafts)


def refresh(studio: Studio, shown: str, lang: str = "en") -> tuple[object, object, str]:
    drafts = latest_drafts(studio.jobs())
    key = f"{lang}:{strip_key(drafts)}"  # drawn again when the drafts or the page's language change
    if key == shown:
        return gr.skip(), gr.skip(), shown
    choices = [(text("page.drafts.seed", lang, seed=j.request.seed), j.id) for j in drafts if j.status == "done"]
    return strip_html(drafts, lang), gr.update(choices=choices), key


def draft(studio: Studio, count: object, prompt: object, size: object, frames: object, seed: object,
          seed_lock: object, preset: object, lang: str = "en") -> str:
    """Queue the drafts; the form's seed (when locked) is the first and the rest count up."""
    reason = studio.unavailable_reason()
    if reason:
        return f"🚫 {esc(reason)}"
    try:
        width, height = parse_size(size)
        jobs = studio.submit_drafts(prompt, width, height, frames, seed if seed_lock else None, preset or "auto",
                                    count=count)
    except Exception as err:
        return problem(err, "page.doing.drafts", lang)
    seeds = ", ".join(str(j.request.seed) for j in jobs)
    return done(text("page.drafts.queued", lang, count=len(jobs), seeds=seeds))


def choose(studio: Studio, job_id: object, lang: str = "en") -> str:
    if not isinstance(job_id, str) or not job_id:
        return note(text("page.drafts.choose_first", lang))
    try:
        job = studio.choose_draft(job_id)
    except Exception as err:
        return problem(err, "page.doing.clip", lang)
    return done(text("page.drafts.full_queued", lang, seed=job.request.seed))


def listen(ctx: UiContext) -> None:
    w = ctx.area(DraftWidgets)
    studio = ctx.studio
    form = [ctx.widget(n) for n in ("prompt", "size", "frames", "seed", "seed_lock", "preset")]

    def on_draft(count: object, prompt: object, size: object, frames: object, seed: object, seed_lock: object,
                 preset: object, request: gr.Request) -> str:
        return draft(studio, count, prompt, size, frames, seed, seed_lock, preset, ctx.lang(request))

    def on_use(job_id: object, request: gr.Request) -> str:
        return choose(studio, job_id, ctx.lang(request))

    def on_tick(shown: str, request: gr.Request) -> tuple[object, object, str]:
        return refresh(studio, shown, ctx.lang(request))

    w.button.click(on_draft, inputs=[w.count, *form], outputs=[w.message], api_name="draft_seeds", preprocess=False)
    w.use.click(on_use, inputs=[w.choice], outputs=[w.message], api_name="choose_draft")
    ctx.widget("fast_timer").tick(on_tick, inputs=[w.shown], outputs=[w.strip, w.choice, w.shown],
                                  show_progress="hidden", api_name="drafts", concurrency_limit=None)
