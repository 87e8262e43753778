"""The queue area: every job with its status, and Cancel / Re-queue for the one picked."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.access import OWN_ONLY, OWNER, GuestPermissions, Viewer
from backend.jobs.job import FINISHED, Job
from backend.studio import Studio
from ui.choices import CANCELLABLE, REQUEUEABLE, STATUS_WORDS
from ui.context import UiContext
from ui.formatting import attr, esc, seconds, shorten
from ui.messages import done, note, problem

FINISHED_SHOWN = 20
"""Finished jobs listed under the active ones; the gallery is the long-term record."""


@dataclass(frozen=True)
class QueueWidgets:
    table: gr.HTML
    job: gr.Dropdown
    cancel: gr.Button
    requeue: gr.Button
    message: gr.Markdown
    choices_key: gr.State


def render(ctx: UiContext) -> QueueWidgets:
    table = gr.HTML(queue_html([]), elem_id="wan-queue")  # filled per viewer at load
    # Custom values allowed: the picker's choices change per tab, and the Studio checks every id anyway.
    job = gr.Dropdown(choices=[], value=None, label="Job", elem_id="wan-job", allow_custom_value=True,
                      info="Pick a job to cancel (queued or running) or re-queue (failed, cancelled, interrupted).")
    with gr.Row():
        cancel = gr.Button("Cancel job", size="sm", elem_id="wan-cancel-job")
        requeue = gr.Button("Re-queue", size="sm", elem_id="wan-requeue-job")
    ctx.owner_only(requeue)
    message = gr.Markdown(elem_id="wan-queue-message")
    # Only a change-detection key for the picker (so an open list is not reset every second); the
    # jobs themselves always come from the Studio.
    choices_key = gr.State(None)
    return ctx.keep(QueueWidgets(table, job, cancel, requeue, message, choices_key))


def ordered(jobs: list[Job]) -> list[Job]:
    """Active first, then queued in order, then the latest finished."""
    active = [j for j in jobs if j.status in ("running", "saving")]
    queued = [j for j in jobs if j.status == "queued"]
    finished = sorted((j for j in jobs if j.status in FINISHED), key=lambda j: j.finished_at or 0, reverse=True)
    return active + queued + finished[:FINISHED_SHOWN]


def _outcome(job: Job) -> str:
    if job.status in ("running", "saving"):
        return f"{esc(job.progress.describe())} · {job.progress.fraction:.0%}"
    if job.status == "done" and job.started_at and job.finished_at:
        return f"in {seconds(job.finished_at - job.started_at)}"
    if job.error and job.status != "done":
        return esc(job.error)
    return ""


def _row(j: Job, shown: bool) -> str:
    """One job; someone else's prompt, outcome text and notes are left out unless `shown`."""
    prompt = esc(shorten(j.request.prompt, 48)) if shown else '<span class="wan-dim">(someone else\'s job)</span>'
    outcome = _outcome(j) + "".join(f"<div class=wan-dim>{esc(n)}</div>" for n in j.notes) if shown else ""
    return (f'<tr class="wan-job-{j.status}" data-job="{attr(j.id)}"><td>{STATUS_WORDS[j.status]}</td>'
            f"<td>{prompt}</td><td>{j.request.width}×{j.request.height}</td><td>{j.request.frames}</td>"
            f"<td>{j.request.seed if shown else '—'}</td><td>{esc(j.preset_used or j.request.preset)}</td>"
            f"<td>{outcome}</td></tr>")


def queue_html(jobs: list[Job], viewer: Viewer = OWNER, allowed: GuestPermissions = OWN_ONLY) -> str:
    rows = ordered(jobs)
    if not rows:
        return '<div class="wan-dim">The queue is empty. Generate adds jobs here.</div>'
    body = "".join(_row(j, viewer.sees_prompt(j, allowed)) for j in rows)
    head = "<tr><th>Status</th><th>Prompt</th><th>Size</th><th>Frames</th><th>Seed</th><th>Preset</th><th></th></tr>"
    return f'<table class="wan-table">{head}{body}</table>'


def job_choices(jobs: list[Job], viewer: Viewer = OWNER) -> list[tuple[str, str]]:
    """Jobs this viewer can do something to (a guest: cancel their own), labelled to tell them apart."""
    actions = CANCELLABLE + REQUEUEABLE if viewer.is_owner else CANCELLABLE
    acted = [j for j in ordered(jobs) if j.status in actions and viewer.owns(j)]
    return [(f"{STATUS_WORDS[j.status]} · {shorten(j.request.prompt, 40)} · seed {j.request.seed} · {j.id}", j.id)
            for j in acted]


def refresh(studio: Studio, picked: str | None, key: str | None,
            viewer: Viewer = OWNER) -> tuple[str, object, str | None]:
    jobs = studio.jobs()
    table = queue_html(jobs, viewer, studio.guest_permissions)
    choices = job_choices(jobs, viewer)
    new_key = "|".join(v for _, v in choices) + "#" + "|".join(label for label, _ in choices)
    if new_key == key:
        return table, gr.skip(), key
    keep = picked if picked in {v for _, v in choices} else None
    return table, gr.update(choices=choices, value=keep), new_key


def cancel_job(studio: Studio, job_id: str | None, viewer: Viewer = OWNER) -> str:
    if not job_id:
        return note("Pick a job first.")
    try:
        job = studio.cancel(job_id, viewer)
    except Exception as err:
        return problem(err, "cancelling the job")
    if job.status == "cancelled":
        return done("Cancelled before it started.")
    return done("Cancelling: the job stops at its next step.")


def requeue_job(studio: Studio, job_id: str | None) -> str:
    if not job_id:
        return note("Pick a job first.")
    try:
        job = studio.requeue(job_id)
    except Exception as err:
        return problem(err, "re-queueing the job")
    return done(f"Queued again with seed {job.request.seed}.")


def listen(ctx: UiContext) -> None:
    w = ctx.area(QueueWidgets)
    studio = ctx.studio

    def on_refresh(picked: str | None, key: str | None, request: gr.Request) -> tuple[str, object, str | None]:
        return refresh(studio, picked, key, ctx.viewer(request))

    def on_cancel(job_id: str | None, request: gr.Request) -> str:
        return cancel_job(studio, job_id, ctx.viewer(request))

    def on_requeue(job_id: str | None) -> str:
        return requeue_job(studio, job_id)

    w.cancel.click(on_cancel, inputs=[w.job], outputs=[w.message], api_name="cancel_job")
    w.requeue.click(on_requeue, inputs=[w.job], outputs=[w.message], api_name="requeue_job")
    outputs = [w.table, w.job, w.choices_key]
    ctx.widget("fast_timer").tick(on_refresh, inputs=[w.job, w.choices_key], outputs=outputs,
                                  show_progress="hidden", api_name="queue_view", concurrency_limit=None)
    ctx.blocks().load(on_refresh, inputs=[w.job, w.choices_key], outputs=outputs, show_progress="hidden",
                      api_name="queue_on_load", api_visibility="private")
