"""The system area: the environment doctor and where the app keeps its files.

The doctor runs in the background and shows one line per check with its fix, plus a copyable report;
the folders are the log, data, clips, config and weights.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from backend import APP_VERSION
from backend.background import RunState
from backend.checks import Check
from backend.doctor import DoctorReport
from backend.i18n import text
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import esc, seconds
from ui.labels import label
from ui.messages import note
from ui.words import both, say

INTRO = text("page.system.intro")
ICONS = {"ok": "✅", "warn": "⚠️", "fail": "❌", "skip": "⏭️"}


@dataclass(frozen=True)
class SystemArea:
    run_button: gr.Button
    status: gr.Markdown
    checks: gr.HTML
    report: gr.Textbox
    folders: gr.Markdown
    seen: gr.State


def render(ctx: UiContext) -> SystemArea:
    gr.Markdown(label("system.heading"))
    with gr.Row(equal_height=True):
        run_button = gr.Button(label("system.run"), variant="secondary", elem_id="wan-doctor-run", scale=0,
                               min_width=180)
        status = gr.Markdown(both("page.system.intro"), elem_id="wan-doctor-status")
    checks = gr.HTML(elem_id="wan-doctor-checks")
    report = gr.Textbox(label=label("system.report"), lines=8, max_lines=30, interactive=False,
                        buttons=["copy"], elem_id="wan-doctor-report")
    gr.Markdown(label("system.folders"))
    folders = gr.Markdown("", elem_id="wan-folders")  # filled at load: the owner's folders are theirs alone
    # The last run version this tab has drawn: a change-detection key, the result itself lives in the run.
    seen = gr.State("")
    return ctx.keep(SystemArea(run_button, status, checks, report, folders, seen))


def log_files() -> list[Path]:
    """The log files the app writes, as its logging was configured (the command line decides the name)."""
    files = []
    for handler in logging.getLogger().handlers:
        name = getattr(handler, "baseFilename", None)
        if isinstance(name, str):
            files.append(Path(name))
    return files


def folders_text(studio: Studio, lang: str = "en") -> str:
    p = studio.paths
    logs = ", ".join(f"`{esc(f)}`" for f in log_files()) or f"`{esc(p.log_dir)}`"
    ram = f"{studio.host_ram_gib:.1f} GiB" if studio.host_ram_gib else say(lang, "page.unknown")
    return "  \n".join([
        f"**{say(lang, 'page.folders.log')}:** {logs}",
        f"**{say(lang, 'page.folders.clips')}:** `{esc(p.clips_dir)}`",
        f"**{say(lang, 'page.folders.data')}:** `{esc(p.data_dir)}`",
        f"**{say(lang, 'page.folders.settings')}:** `{esc(p.config_dir)}`",
        f"**{say(lang, 'page.folders.weights')}:** `{esc(studio.weights_dir())}`",
        f"**{say(lang, 'page.folders.ram')}:** {ram} · **Wan Studio** {APP_VERSION}",
    ])


def checks_html(checks: Sequence[Check], lang: str = "en") -> str:
    rows = []
    for c in checks:
        fix = f'<div class="wan-fix">{say(lang, "page.system.fix", fix=c.fix_in(lang))}</div>' \
            if c.fix and c.status != "ok" else ""
        rows.append(f'<li class="wan-check-{c.status}">{ICONS.get(c.status, "•")} <b>{esc(c.name_in(lang))}</b>: '
                    f"{esc(c.detail_in(lang))}{fix}</li>")
    return f'<ul class="wan-checks">{"".join(rows)}</ul>'


def view(state: RunState[DoctorReport], now: float | None = None, lang: str = "en") -> tuple[str, str, str]:
    """(status line, check lines, report) for one state of the run, in `lang`."""
    now = now or time.time()
    if state.running:
        took = seconds(now - (state.started_at or now))
        return "⏳ " + say(lang, "page.system.checking_for", took=took), "", ""
    if state.error:
        return f"⚠️ {esc(state.error)}", "", ""
    if state.result is None:
        return say(lang, "page.system.intro"), "", ""
    report = state.result
    head = ("✅ " if report.verdict == "ready" else "❌ ") + report.headline_in(lang)
    when = time.strftime("%H:%M", time.localtime(state.finished_at))
    return esc(text("page.system.checked_at", lang, headline=head, time=when)), checks_html(report.checks, lang), \
        report.text_in(lang)


def listen(ctx: UiContext) -> None:
    area = ctx.area(SystemArea)
    studio = ctx.studio

    def on_run(preset: str | None, request: gr.Request) -> str:
        name = preset or "auto"
        started = studio.start_doctor(name)
        lang = ctx.lang(request)
        return "⏳ " + say(lang, "page.system.checking") if started else note(text("page.system.already", lang))

    def on_refresh(seen: str, request: gr.Request) -> tuple[object, ...]:
        state, lang = studio.doctor_state(), ctx.lang(request)
        key = f"{lang}:{state.version}"  # drawn again when the run or the page's language changes
        if key == seen and not state.running:
            return gr.skip(), gr.skip(), gr.skip(), seen
        status, lines, report = view(state, lang=lang)
        return status, lines, report, key

    def on_load(seen: str, request: gr.Request) -> tuple[object, ...]:
        return (*on_refresh(seen, request), folders_text(studio, ctx.lang(request)))

    area.run_button.click(on_run, inputs=[ctx.widget("preset")], outputs=[area.status], api_name="run_doctor")
    outputs = [area.status, area.checks, area.report, area.seen]
    ctx.widget("slow_timer").tick(on_refresh, inputs=[area.seen], outputs=outputs, show_progress="hidden",
                                  api_name="doctor_view", concurrency_limit=None)
    ctx.blocks().load(on_load, inputs=[area.seen], outputs=[*outputs, area.folders], show_progress="hidden",
                      api_name="doctor_on_load", api_visibility="private")
    ctx.on_language("language_doctor", on_load, inputs=[area.seen], outputs=[*outputs, area.folders])
