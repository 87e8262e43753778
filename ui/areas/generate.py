"""The generate area: the Generate button (Ctrl/Cmd+Enter in the prompt), and the current job beside the form.

The job panel holds the engine line, the running job's stage, percentage, elapsed time and ETA, a Cancel
button, a button that unloads the model between sessions, and a slot where the live preview goes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import gradio as gr

from backend.access import OWN_ONLY, OWNER, GuestPermissions, Viewer
from backend.errors import reworded
from backend.i18n import progress_text, text, words
from backend.jobs.job import ACTIVE, FINISHED, Job
from backend.studio import Studio
from ui.choices import parse_size
from ui.context import UiContext
from ui.formatting import attr, esc, seconds, shorten
from ui.labels import label
from ui.messages import done, note, problem
from ui.repeat import RepeatGuard
from ui.words import both, both_drawn, fill, say

logger = logging.getLogger(__name__)

CTRL_ENTER_JS = """
if (!window.wanCtrlEnter) {
  window.wanCtrlEnter = true;
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || !e.target.closest || !e.target.closest('#wan-prompt')) return;
    e.preventDefault();
    const button = document.querySelector('#wan-generate');
    if (button && !button.disabled) button.click();
  }, true);
}
"""
"""Ctrl+Enter (Cmd+Enter on a Mac) in the prompt presses Generate; one listener per page, however often the
hint is drawn again."""


@dataclass(frozen=True)
class GenerateWidgets:
    button: gr.Button
    message: gr.Markdown
    queued: gr.State


@dataclass(frozen=True)
class JobPanelWidgets:
    availability: gr.Markdown
    progress: gr.HTML
    cancel: gr.Button
    free: gr.Button


def render(ctx: UiContext) -> GenerateWidgets:
    """The button and its message, under the form."""
    reason = ctx.studio.unavailable_reason()
    button = gr.Button(label("generate.button"), variant="primary", size="lg", interactive=reason is None,
                       elem_id="wan-generate")
    gr.HTML(f'<div class="wan-dim wan-hint">{both("page.gen.hint")}</div>',
            js_on_load=CTRL_ENTER_JS, elem_id="wan-generate-hint")
    message = gr.Markdown(elem_id="wan-message")
    # The jobs the last message announced, so the message clears once they have all finished.
    queued = gr.State(())
    return ctx.keep(GenerateWidgets(button, message, queued))


def render_job_panel(ctx: UiContext) -> JobPanelWidgets:
    """The current job, beside the form: engine line, progress, Cancel and Free GPU memory."""
    availability = gr.Markdown(both_drawn(lambda lang: availability_text(ctx.studio, lang=lang), tag="span"),
                               elem_id="wan-availability")  # both languages until the page's first status
    progress = gr.HTML(progress_html([], None), elem_id="wan-progress")  # filled per viewer at load
    with gr.Row(elem_classes="wan-wrap-row"):
        cancel = gr.Button(label("generate.cancel_running"), size="sm", variant="stop", elem_id="wan-cancel-running",
                           interactive=False, min_width=120)
        free = gr.Button(label("generate.free_gpu"), size="sm", elem_id="wan-free-gpu", min_width=120)
    ctx.owner_only(free)
    return ctx.keep(JobPanelWidgets(availability, progress, cancel, free))


ENGINE_WORDS = {"idle": ("", "page.gen.idle"), "loading": ("⏳ ", "page.gen.loading"),
                "ready": ("🟢 ", "page.gen.ready"), "error": ("🔴 ", "page.gen.error")}


def availability_text(studio: Studio, job: Job | None = None, lang: str = "en") -> str:
    """Why Generate is off, or the engine's state, in `lang`. A job past loading means the model is loaded,
    whatever the engine line last said."""
    reason = studio.unavailable_reason()
    if reason:
        return "🚫 " + fill(lang, "page.gen.off", reason=esc(reworded(reason, lang)))
    state = studio.engine_state
    if job is not None and job.progress.stage not in ("queued", "loading"):
        preset = job.preset_used or job.request.preset
        return "🟢 " + say(lang, "page.gen.working", preset=preset)
    detail = state.detail_in(lang)
    if state.state == "idle" and detail:  # unloaded on request: the detail says it all
        return f"⏏ {esc(detail)}"
    icon, key = ENGINE_WORDS.get(state.state, ("", ""))
    line = icon + say(lang, key) if key else esc(state.state)
    return f"{line} {esc(detail)}" if detail else line


def preset_shown(studio: Studio, job: Job) -> str:
    """The preset that runs (or will run) the job: 'auto' is resolved, so queue and progress agree."""
    if job.preset_used:
        return job.preset_used
    try:
        return studio.preset_for(job.request.preset).name
    except Exception:
        return job.request.preset


def job_seconds(job: Job) -> float | None:
    """How long the job took to make, as its clip records it (render_s), else start to finish."""
    if job.timings.render_s is not None:
        return job.timings.render_s
    if job.started_at and job.finished_at:
        return job.finished_at - job.started_at
    return None


def progress_html(jobs: list[Job], job: Job | None, now: float | None = None, viewer: Viewer = OWNER,
                  allowed: GuestPermissions = OWN_ONLY, lang: str = "en") -> str:
    """Stage, percentage, elapsed and ETA of the active job; else the last outcome and what waits (in `lang`).
    Someone else's prompt and error are shown to a guest only if the owner allows it."""
    now = now or time.time()
    waiting = sum(1 for j in jobs if j.status == "queued")
    behind = say(lang, "page.prog.more_waiting", count=waiting) if waiting else say(lang, "page.prog.none_waiting")
    if job is None:
        finished = sorted((j for j in jobs if j.status in FINISHED), key=lambda j: j.finished_at or 0)
        last = finished[-1] if finished else None
        if last is not None and last.status == "failed" and viewer.sees_prompt(last, allowed):
            error = last.error_text(lang) or text("page.prog.no_reason", lang)
            head = f'<div class="wan-fail">{say(lang, "page.prog.last_failed", error=error)}</div>'
        elif last is not None and last.status == "done":
            head = f'<div class="wan-dim">{say(lang, "page.prog.last_clip", time=seconds(job_seconds(last)))}</div>'
        else:
            head = ""
        state = say(lang, "page.prog.waiting_engine" if waiting else "page.prog.nothing")
        return f'<div class="wan-progress"><div class="wan-stage">{state}</div>{head}<div>{behind}</div></div>'
    p = job.progress
    pct = max(0.0, min(1.0, p.fraction)) * 100
    elapsed = now - job.started_at if job.started_at else p.elapsed_s
    eta = p.eta_s
    if eta is not None and p.updated_at:  # count down between worker updates instead of freezing
        eta = max(0.0, eta - max(0.0, now - p.updated_at))
    r = job.request
    left = text("page.prog.left", lang, time=seconds(eta)) if eta is not None else text("page.prog.measuring", lang)
    shown = viewer.sees_prompt(job, allowed)
    what = f"“{esc(shorten(r.prompt, 90))}” · " if shown else say(lang, "page.prog.someone") + " · "
    seed = text("page.prog.seed", lang, seed=r.seed) if shown else ""
    facts = say(lang, "page.prog.what", width=r.width, height=r.height, frames=r.frames, seed=seed,
                preset=job.preset_used or r.preset)
    return (
        f'<div class="wan-progress" data-job="{attr(job.id)}">'
        f'<div class="wan-stage">{esc(progress_text(p.stage, p.step, p.total_steps, lang))} · {pct:.0f}%</div>'
        f'<div class="wan-bar"><div style="width:{pct:.1f}%"></div></div>'
        f"<div>{say(lang, 'page.prog.elapsed', elapsed=seconds(elapsed), left=left)}</div>"
        f'<div class="wan-dim">{what}{facts}</div>'
        f"<div>{behind}</div></div>"
    )


def generate(studio: Studio, prompt: object, size: object, frames: object, seed: object, seed_lock: object,
             count: object, preset: object, loras: object = (), guard: RepeatGuard | None = None,
             viewer: Viewer = OWNER, lang: str = "en") -> tuple[str, object, tuple[str, ...]]:
    """Queue the form as jobs: (message, seed to show, ids of the jobs queued). Nothing is queued on a bad value,
    nor when the same form was just queued (a double click).

    The values arrive raw, as the page or an API caller sent them: the Studio checks every one. Said in `lang`."""
    reason = studio.unavailable_reason()
    if reason:
        return f"🚫 {esc(reworded(reason, lang))}", gr.skip(), ()
    form = (viewer, prompt, size, frames, seed if seed_lock else None, bool(seed_lock), count, preset, loras)
    if guard is not None and guard.repeated(form):
        return note(text("studio.gen.repeated", lang)), gr.skip(), ()
    try:
        width, height = parse_size(size)
        chosen_seed = seed if seed_lock else None
        jobs = studio.submit(prompt, width, height, frames, chosen_seed, preset or "auto",
                             count=1 if count is None else count, loras=loras or (), viewer=viewer)
    except Exception as err:
        if guard is not None:
            guard.forget()
        return problem(err, "page.doing.add_job", lang), gr.skip(), ()
    first = jobs[0].request
    if viewer.is_owner:  # the owner's form is remembered; a guest's never replaces it
        remember_form(studio, jobs[0], width, height, bool(seed_lock))
    seeds = ", ".join(str(j.request.seed) for j in jobs[:4]) + (", …" if len(jobs) > 4 else "")
    queued = text("studio.gen.queued_one", lang, seeds=seeds) if len(jobs) == 1 else \
        text("studio.gen.queued_many", lang, count=len(jobs), seeds=seeds)
    return done(queued), (str(first.seed) if seed_lock else gr.skip()), tuple(j.id for j in jobs)


def remember_form(studio: Studio, job: Job, width: int, height: int, seed_lock: bool) -> None:
    first = job.request
    try:
        studio.update_settings(prompt=first.prompt, width=width, height=height, frames=first.frames,
                               seed=first.seed, seed_locked=seed_lock, preset=first.preset)
    except Exception:
        logger.exception("Could not remember the form")


def message_after(jobs: list[Job], queued: tuple[str, ...]) -> object:
    """Clear the "Queued …" message once every job it announced has finished; leave it alone otherwise."""
    if not queued:
        return gr.skip()
    status = {j.id: j.status for j in jobs}
    if all(status.get(job_id, "done") in FINISHED for job_id in queued):
        return ""
    return gr.skip()


def status(studio: Studio, queued: tuple[str, ...] = (), viewer: Viewer = OWNER,
           lang: str = "en") -> tuple[object, ...]:
    """(progress, engine line, Generate button, Cancel button, message, announced jobs) as the Studio stands,
    for this viewer."""
    jobs, job = studio.jobs(), studio.active_job()
    available = studio.unavailable_reason() is None
    message = message_after(jobs, queued)
    return (progress_html(jobs, job, viewer=viewer, allowed=studio.guest_permissions, lang=lang),
            availability_text(studio, job, lang), gr.update(interactive=available),
            gr.update(interactive=job is not None and viewer.owns(job)), message, () if message == "" else queued)


def cancel_running(studio: Studio, viewer: Viewer = OWNER, lang: str = "en") -> str:
    job = studio.active_job()
    if job is None or job.status not in ACTIVE:
        return note(text("page.prog.nothing", lang))
    if not viewer.owns(job):
        return note(text("studio.gen.not_yours", lang))
    try:
        studio.cancel(job.id, viewer)
    except Exception as err:
        return problem(err, "page.doing.cancel_job", lang)
    return done(text("studio.queue.cancelling", lang))


def free_gpu(studio: Studio, lang: str = "en") -> str:
    try:
        asked, said = studio.free_engine()
    except Exception as err:
        return problem(err, "page.doing.unload", lang)
    return done(words(said, lang)) if asked else note(words(said, lang))


def listen(ctx: UiContext) -> None:
    w = ctx.area(GenerateWidgets)
    panel = ctx.area(JobPanelWidgets)
    studio = ctx.studio
    guard = RepeatGuard()

    def on_generate(prompt: object, size: object, frames: object, seed: object, seed_lock: object, count: object,
                    preset: object, loras: object = (), request: gr.Request | None = None,
                    ) -> tuple[str, object, tuple[str, ...]]:
        return generate(studio, prompt, size, frames, seed, seed_lock, count, preset, loras, guard,
                        ctx.viewer(request), ctx.lang(request))

    def on_status(queued: tuple[str, ...] | None, request: gr.Request) -> tuple[object, ...]:
        return status(studio, tuple(queued or ()), ctx.viewer(request), ctx.lang(request))

    def on_cancel(request: gr.Request) -> str:
        return cancel_running(studio, ctx.viewer(request), ctx.lang(request))

    # preprocess=False: the Studio validates the raw form values with messages that name the bad one;
    # Gradio's own slider/number preprocessing crashes on a non-number sent through the API.
    # The LoRA choice is session state: API callers do not see it, the page sends it.
    w.button.click(on_generate, inputs=[*ctx.form(), ctx.widget("loras")],
                   outputs=[w.message, ctx.widget("seed"), w.queued], api_name="generate", preprocess=False)
    panel.cancel.click(on_cancel, outputs=[w.message], api_name="cancel_running")
    panel.free.click(lambda: free_gpu(studio, ctx.lang()), outputs=[w.message], api_name="free_gpu")
    outputs = [panel.progress, panel.availability, w.button, panel.cancel, w.message, w.queued]
    ctx.widget("fast_timer").tick(on_status, inputs=[w.queued], outputs=outputs, show_progress="hidden",
                                  api_name="progress", concurrency_limit=None)
    ctx.blocks().load(on_status, inputs=[w.queued], outputs=outputs, show_progress="hidden",
                      api_name="progress_on_load", api_visibility="private")
