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
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import esc, seconds
from ui.messages import note

INTRO = "Checks the GPU, driver, torch, kernels, engine, RAM, disk and weights; the first run can take a minute."
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
    gr.Markdown("### Environment check")
    with gr.Row(equal_height=True):
        run_button = gr.Button("Run the checks", variant="secondary", elem_id="wan-doctor-run", scale=0,
                               min_width=180)
        status = gr.Markdown(INTRO, elem_id="wan-doctor-status")
    checks = gr.HTML(elem_id="wan-doctor-checks")
    report = gr.Textbox(label="Report (copy it into a bug report)", lines=8, max_lines=30, interactive=False,
                        buttons=["copy"], elem_id="wan-doctor-report")
    gr.Markdown("### Folders")
    folders = gr.Markdown("", elem_id="wan-folders")  # filled at load: the owner's folders are theirs alone
    # The last run version this tab has drawn: a change-detection key, the result itself lives in the run.
    seen = gr.State(-1)
    return ctx.keep(SystemArea(run_button, status, checks, report, folders, seen))


def log_files() -> list[Path]:
    """The log files the app writes, as its logging was configured (the command line decides the name)."""
    files = []
    for handler in logging.getLogger().handlers:
        name = getattr(handler, "baseFilename", None)
        if isinstance(name, str):
            files.append(Path(name))
    return files


def folders_text(studio: Studio) -> str:
    p = studio.paths
    logs = ", ".join(f"`{esc(f)}`" for f in log_files()) or f"`{esc(p.log_dir)}`"
    ram = f"{studio.host_ram_gib:.1f} GiB" if studio.host_ram_gib else "unknown"
    return "  \n".join([
        f"**Log file:** {logs}",
        f"**Clips:** `{esc(p.clips_dir)}`",
        f"**Data (queue):** `{esc(p.data_dir)}`",
        f"**Settings:** `{esc(p.config_dir)}`",
        f"**Model weights:** `{esc(studio.weights_dir())}`",
        f"**System RAM:** {ram} · **Wan Studio** {APP_VERSION}",
    ])


def checks_html(checks: Sequence[Check]) -> str:
    rows = []
    for c in checks:
        fix = f'<div class="wan-fix">Fix: {esc(c.fix)}</div>' if c.fix and c.status != "ok" else ""
        rows.append(f'<li class="wan-check-{c.status}">{ICONS.get(c.status, "•")} <b>{esc(c.name)}</b>: '
                    f"{esc(c.detail)}{fix}</li>")
    return f'<ul class="wan-checks">{"".join(rows)}</ul>'


def view(state: RunState[DoctorReport], now: float | None = None) -> tuple[str, str, str]:
    """(status line, check lines, report) for one state of the run."""
    now = now or time.time()
    if state.running:
        took = seconds(now - (state.started_at or now))
        return f"⏳ Checking… ({took}; the GPU probe can take a minute)", "", ""
    if state.error:
        return f"⚠️ {esc(state.error)}", "", ""
    if state.result is None:
        return INTRO, "", ""
    report = state.result
    head = ("✅ " if report.verdict == "ready" else "❌ ") + report.headline
    return f"{head} (checked {time.strftime('%H:%M', time.localtime(state.finished_at))})", \
        checks_html(report.checks), report.text


def listen(ctx: UiContext) -> None:
    area = ctx.area(SystemArea)
    studio = ctx.studio

    def on_run(preset: str | None) -> str:
        name = preset or "auto"
        started = studio.start_doctor(name)
        return "⏳ Checking…" if started else note("The checks are already running.")

    def on_refresh(seen: int) -> tuple[object, ...]:
        state = studio.doctor_state()
        if state.version == seen and not state.running:
            return gr.skip(), gr.skip(), gr.skip(), seen
        status, lines, report = view(state)
        return status, lines, report, state.version

    area.run_button.click(on_run, inputs=[ctx.widget("preset")], outputs=[area.status], api_name="run_doctor")
    outputs = [area.status, area.checks, area.report, area.seen]
    ctx.widget("slow_timer").tick(on_refresh, inputs=[area.seen], outputs=outputs, show_progress="hidden",
                                  api_name="doctor_view", concurrency_limit=None)
    ctx.blocks().load(lambda seen: (*on_refresh(seen), folders_text(studio)), inputs=[area.seen],
                      outputs=[*outputs, area.folders], show_progress="hidden", api_name="doctor_on_load",
                      api_visibility="private")
