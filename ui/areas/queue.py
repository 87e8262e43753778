"""The queue area: one line per job (status, prompt start, size, seed, preset, time) with its own action.

Running and waiting jobs come first, then the latest finished; a long queue is summarised ("and 40 more
waiting"). The list is sent only when it changed, not every second. Each viewer sees their own list: a
guest reads someone else's prompt and seed only if the owner allows it, cancels only their own jobs, and
has no Re-queue, Cancel all waiting or Clear finished (ui/roles.py refuses them anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.access import OWN_ONLY, OWNER, GuestPermissions, NotAllowed, Viewer
from backend.i18n import Message, progress_text, text
from backend.jobs.job import FINISHED, Job
from backend.studio import Studio
from ui.areas.generate import job_seconds, preset_shown
from ui.choices import CANCELLABLE, REQUEUEABLE, STATUS_WORDS
from ui.context import UiContext
from ui.formatting import attr, esc, seconds, shorten
from ui.labels import label
from ui.messages import done, note, problem
from ui.words import say, word

WAITING_SHOWN = 8
"""Waiting jobs listed one per line; the rest are counted."""
FINISHED_SHOWN = 8
"""Finished jobs listed under the active ones; the gallery is the long-term record."""
ACT_JS = """
element.addEventListener('click', (e) => {
  const button = e.target.closest && e.target.closest('[data-act]');
  if (!button) return;
  button.disabled = true;
  trigger('click', {job: button.dataset.job, act: button.dataset.act});
});
"""
"""One listener on the list's root, which outlives every redraw of the lines inside it."""


@dataclass(frozen=True)
class QueueWidgets:
    table: gr.HTML
    cancel_waiting: gr.Button
    clear_finished: gr.Button
    message: gr.Markdown
    key: gr.State


def render(ctx: UiContext) -> QueueWidgets:
    gr.Markdown(label("queue.heading"), elem_id="wan-queue-title")
    table = gr.HTML(queue_html(ctx.studio, []), elem_id="wan-queue", js_on_load=ACT_JS)  # filled per viewer at load
    with gr.Row(elem_classes="wan-wrap-row"):
        cancel_waiting = gr.Button(label("queue.cancel_waiting"), size="sm", elem_id="wan-cancel-waiting",
                                   min_width=120)
        clear_finished = gr.Button(label("queue.clear_finished"), size="sm", elem_id="wan-clear-finished",
                                   min_width=120)
    ctx.owner_only(cancel_waiting, clear_finished)
    message = gr.Markdown(elem_id="wan-queue-message")
    # A change-detection key only; the jobs always come from the Studio.
    key = gr.State(None)
    return ctx.keep(QueueWidgets(table, cancel_waiting, clear_finished, message, key))


def _when(job: Job, lang: str) -> str:
    if job.status in ("running", "saving"):
        p = job.progress
        return f"{progress_text(p.stage, p.step, p.total_steps, lang)} · {p.fraction:.0%}"
    if job.status == "done":
        return seconds(job_seconds(job))
    return ""


def _action(job: Job, viewer: Viewer, lang: str) -> str:
    if job.status in CANCELLABLE and viewer.owns(job):
        act, key, title = "cancel", "studio.queue.cancel", "studio.queue.cancel_title"
    elif job.status in REQUEUEABLE and viewer.is_owner:
        act, key, title = "requeue", "studio.queue.requeue", "studio.queue.requeue_title"
    else:
        return ""
    return (f'<button type="button" class="wan-job-act" data-act="{act}" data-job="{attr(job.id)}" '
            f'title="{attr(text(title, lang))}">{say(lang, key)}</button>')


def job_line(studio: Studio, job: Job, viewer: Viewer = OWNER, allowed: GuestPermissions = OWN_ONLY,
             lang: str = "en") -> str:
    """One job as one line in `lang` (its prompt as typed); someone else's prompt, seed and outcome are left out
    unless the viewer may read them."""
    r = job.request
    shown = viewer.sees_prompt(job, allowed)
    error = (job.error_text(lang),) if job.error and job.status != "done" else ()
    why = "".join(f'<div class="wan-job-why">{esc(n)}</div>' for n in error + job.notes_in(lang)) if shown else ""
    someone = f'<span class="wan-dim">{say(lang, "studio.queue.someone")}</span>'
    prompt = esc(shorten(r.prompt, 48)) if shown else someone
    draft = f'<span class="wan-job-kind">{say(lang, "studio.queue.draft")}</span>' if job.kind == "draft" else ""
    seed = " · " + say(lang, "studio.queue.seed", seed=r.seed) if shown else ""
    when = _when(job, lang)
    icon, status = STATUS_WORDS[job.status]
    return (
        f'<li class="wan-job wan-job-{job.status}" data-job="{attr(job.id)}">'
        f'<span class="wan-job-status">{icon} {say(lang, status)}</span>{draft}'
        f'<span class="wan-job-prompt">{prompt}</span>'
        f'<span class="wan-job-meta">{r.width}×{r.height} · {say(lang, "studio.queue.frames", frames=r.frames)}'
        f"{seed} · {esc(preset_shown(studio, job))}{' · ' + esc(when) if when else ''}</span>"
        f"{_action(job, viewer, lang)}{why}</li>"
    )


def queue_html(studio: Studio, jobs: list[Job], viewer: Viewer = OWNER, allowed: GuestPermissions = OWN_ONLY,
               lang: str | None = None) -> str:
    """Active jobs, then the first waiting ones, then the latest finished; counts for the rest. In `lang`; before
    the page's language is known (None), the empty queue's line in both."""
    if not jobs:
        return f'<div class="wan-dim">{word(lang, "page.queue.empty")}</div>'
    lang = lang or "en"
    active = [j for j in jobs if j.status in ("running", "saving")]
    waiting = [j for j in jobs if j.status == "queued"]
    finished = sorted((j for j in jobs if j.status in FINISHED), key=lambda j: j.finished_at or 0, reverse=True)
    lines = [job_line(studio, j, viewer, allowed, lang) for j in active + waiting[:WAITING_SHOWN]]
    if len(waiting) > WAITING_SHOWN:
        more = say(lang, "studio.queue.more_waiting", count=len(waiting) - WAITING_SHOWN)
        lines.append(f'<li class="wan-job-more">{more}</li>')
    lines += [job_line(studio, j, viewer, allowed, lang) for j in finished[:FINISHED_SHOWN]]
    if len(finished) > FINISHED_SHOWN:
        more = say(lang, "studio.queue.more_finished", count=len(finished) - FINISHED_SHOWN)
        lines.append(f'<li class="wan-job-more">{more}</li>')
    head = say(lang, "studio.queue.head", running=len(active), waiting=len(waiting), finished=len(finished))
    return f'<div class="wan-queue-head wan-dim">{head}</div><ul class="wan-jobs">{"".join(lines)}</ul>'


def refresh(studio: Studio, key: str | None, viewer: Viewer = OWNER, lang: str = "en") -> tuple[object, str]:
    html = queue_html(studio, studio.jobs(), viewer, studio.guest_permissions, lang)
    return (gr.skip() if html == key else html), html


def cancel_job(studio: Studio, job_id: str | None, viewer: Viewer = OWNER, lang: str = "en") -> str:
    if not job_id:
        return note(text("studio.queue.pick_first", lang))
    try:
        job = studio.cancel(job_id, viewer)
    except Exception as err:
        return problem(err, "page.doing.cancel_job", lang)
    if job.status == "cancelled":
        return done(text("studio.queue.cancelled_before", lang))
    return done(text("studio.queue.cancelling", lang))


def requeue_job(studio: Studio, job_id: str | None, viewer: Viewer = OWNER, lang: str = "en") -> str:
    if not job_id:
        return note(text("studio.queue.pick_first", lang))
    try:
        if not viewer.is_owner:
            raise NotAllowed(Message.of("access.what.requeue"))
        job = studio.requeue(job_id)
    except Exception as err:
        return problem(err, "page.doing.requeue_job", lang)
    return done(text("studio.queue.requeued", lang, seed=job.request.seed))


def cancel_waiting(studio: Studio, lang: str = "en") -> str:
    try:
        count = studio.cancel_all_waiting()
    except Exception as err:
        return problem(err, "page.doing.cancel_waiting", lang)
    if not count:
        return note(text("studio.queue.nothing_waiting", lang))
    return done(text("studio.queue.cancelled_one", lang) if count == 1
                else text("studio.queue.cancelled_many", lang, count=count))


def clear_finished(studio: Studio, lang: str = "en") -> str:
    try:
        count = studio.clear_finished()
    except Exception as err:
        return problem(err, "page.doing.clear_finished", lang)
    if not count:
        return note(text("studio.queue.no_finished", lang))
    return done(text("studio.queue.cleared_one", lang) if count == 1
                else text("studio.queue.cleared_many", lang, count=count))


def listen(ctx: UiContext) -> None:
    w = ctx.area(QueueWidgets)
    studio = ctx.studio

    def on_act(key: str | None, evt: gr.EventData, request: gr.Request) -> tuple[str, object, str]:
        """A line's own button: Cancel (the viewer's own job) or Re-queue (the owner's only)."""
        viewer = ctx.viewer(request)
        data = getattr(evt, "_data", None) or {}
        job_id = str(data.get("job") or "") if isinstance(data, dict) else ""
        act = data.get("act") if isinstance(data, dict) else None
        lang = ctx.lang(request)
        message = requeue_job(studio, job_id, viewer, lang) if act == "requeue" \
            else cancel_job(studio, job_id, viewer, lang)
        return (message, *refresh(studio, None, viewer, lang))

    def api_cancel_job(job_id: str | None, request: gr.Request) -> str:
        """Cancel one of your jobs by id (queued: at once; running: at its next step)."""
        return cancel_job(studio, job_id, ctx.viewer(request), ctx.lang(request))

    def api_requeue_job(job_id: str | None) -> str:
        """Queue a failed, cancelled or interrupted job again, with its seed (the owner's only)."""
        return requeue_job(studio, job_id)

    def on_refresh(key: str | None, request: gr.Request) -> tuple[object, str]:
        return refresh(studio, key, ctx.viewer(request), ctx.lang(request))

    w.table.click(on_act, inputs=[w.key], outputs=[w.message, w.table, w.key], show_progress="hidden",
                  api_name="queue_act", api_visibility="private")
    gr.api(api_cancel_job, api_name="cancel_job")
    gr.api(api_requeue_job, api_name="requeue_job")
    w.cancel_waiting.click(lambda: cancel_waiting(studio, ctx.lang()), outputs=[w.message], api_name="cancel_waiting")
    w.clear_finished.click(lambda: clear_finished(studio, ctx.lang()), outputs=[w.message], api_name="clear_finished")
    outputs = [w.table, w.key]
    ctx.widget("fast_timer").tick(on_refresh, inputs=[w.key], outputs=outputs, show_progress="hidden",
                                  api_name="queue_view", concurrency_limit=None)
    ctx.blocks().load(on_refresh, inputs=[w.key], outputs=outputs, show_progress="hidden",
                      api_name="queue_on_load", api_visibility="private")
