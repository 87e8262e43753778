"""The live preview area: the current job's latest step preview, replaced after every step, then the
finished clip. Also the Settings switch that turns previews off.

The preview travels inside the HTML as a data URI (a few tens of KB at the latent's size), sent only when
it changed, so no folder besides the clips needs serving.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from urllib.parse import quote

import gradio as gr

from backend.access import OWNER, Viewer
from backend.jobs.job import Job
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import attr
from ui.labels import label
from ui.words import say, word

logger = logging.getLogger(__name__)
TICK_S = 0.5
"""How often the page asks for a newer preview: a step's preview is on the page at most this long after its
file is in place (unchanged answers carry no data)."""
IMG_STYLE = "width:100%;max-width:640px;height:auto;border-radius:6px;image-rendering:auto"


@dataclass(frozen=True)
class PreviewWidgets:
    view: gr.HTML
    shown: gr.State
    timer: gr.Timer


@dataclass(frozen=True)
class PreviewSettingWidgets:
    enabled: gr.Checkbox


def empty(lang: str | None) -> str:
    return f'<div class="wan-preview wan-dim" data-state="empty">{word(lang, "page.preview.empty")}</div>'


def render(ctx: UiContext) -> PreviewWidgets:
    return ctx.keep(PreviewWidgets(gr.HTML(empty(None), elem_id="wan-preview"), gr.State(""), gr.Timer(TICK_S)))


def render_setting(ctx: UiContext) -> PreviewSettingWidgets:
    enabled = gr.Checkbox(value=ctx.studio.settings.previews, label=label("preview.setting"),
                          info=label("preview.setting_info"), elem_id="wan-previews-on")
    return ctx.keep(PreviewSettingWidgets(enabled))


def shown_job(jobs: list[Job]) -> Job | None:
    """The job on the GPU (or being saved), else the clip job that finished last (of the jobs given)."""
    for status in ("running", "saving"):
        job = next((j for j in jobs if j.status == status), None)
        if job is not None:
            return job
    finished = [j for j in jobs if j.kind == "clip" and j.finished_at is not None]
    return max(finished, key=lambda j: j.finished_at or 0.0, default=None)


def view_key(job: Job | None) -> str:
    """What the area shows, in a word: the HTML is only sent again when this changes."""
    if job is None:
        return "empty"
    step = job.preview.made_at if job.preview is not None else 0
    return f"{job.id}:{job.status}:{step}:{job.clip_id or ''}"


def preview_html(studio: Studio, job: Job | None, viewer: Viewer = OWNER, lang: str = "en") -> str:
    if job is None:
        return empty(lang)
    if job.status == "done" and job.clip_id and not viewer.is_owner:
        # A guest plays their clips in the player; the file's address here would name the owner's folders.
        return (f'<div class="wan-preview wan-dim" data-state="clip" data-job="{attr(job.id)}">'
                f'{say(lang, "page.preview.in_player")}</div>')
    if job.status == "done" and job.clip_id:
        try:
            path = studio.clip(job.clip_id).path
        except Exception:  # deleted from the gallery meanwhile
            return empty(lang)
        return (f'<div class="wan-preview" data-state="clip" data-job="{attr(job.id)}"><video src="/gradio_api/file='
                f'{attr(quote(str(path)))}" style="{IMG_STYLE}" autoplay loop muted playsinline controls></video>'
                f'<div class="wan-dim">{say(lang, "page.preview.finished")}</div></div>')
    p = job.preview
    if p is None:
        key = "page.preview.waiting" if job.status in ("queued", "running") else "page.preview.none"
        return f'<div class="wan-preview wan-dim" data-state="waiting" data-job="{attr(job.id)}">{say(lang, key)}</div>'
    try:
        data = base64.b64encode(p.read()).decode("ascii")
    except OSError:  # replaced by the next step's file between the two reads: the next tick shows that
        return ""
    caption = "page.preview.caption_draft" if job.kind == "draft" else "page.preview.caption"
    note = say(lang, "page.preview.cancelled") if job.status == "cancelled" else ""
    return (f'<div class="wan-preview" data-state="preview" data-job="{attr(job.id)}" data-step="{p.step}">'
            f'<img alt="{attr(say(lang, "page.preview.alt", step=p.step))}" src="data:image/webp;base64,{data}" '
            f'style="{IMG_STYLE}"><div class="wan-dim">'
            f"{say(lang, caption, step=p.step, total=p.total_steps, seed=job.request.seed, note=note)}</div></div>")


def refresh(studio: Studio, shown: str, viewer: Viewer = OWNER, lang: str = "en") -> tuple[object, str]:
    """The preview of the job this viewer may see: a guest sees only jobs whose prompt they may read."""
    allowed = studio.guest_permissions
    job = shown_job([j for j in studio.jobs() if viewer.sees_prompt(j, allowed)])
    key = f"{lang}:{view_key(job)}"  # drawn again when the job or the page's language changes
    if key == shown:
        return gr.skip(), shown
    html = preview_html(studio, job, viewer, lang)
    if not html:
        return gr.skip(), shown
    return html, key


def listen(ctx: UiContext) -> None:
    w = ctx.area(PreviewWidgets)
    studio = ctx.studio
    def on_tick(shown: str, request: gr.Request) -> tuple[object, str]:
        return refresh(studio, shown, ctx.viewer(request), ctx.lang(request))

    w.timer.tick(on_tick, inputs=[w.shown], outputs=[w.view, w.shown],
                 show_progress="hidden", api_name="preview", concurrency_limit=None)
    setting = ctx.area(PreviewSettingWidgets)

    def save(value: object) -> None:
        try:
            studio.update_settings(previews=bool(value))
        except Exception:
            logger.exception("Could not save the previews setting")

    setting.enabled.change(save, inputs=[setting.enabled], show_progress="hidden", api_name="previews_setting")
    ctx.blocks().load(lambda: studio.settings.previews, outputs=[setting.enabled], show_progress="hidden",
                      api_name="previews_on_load", api_visibility="private")
