"""The VRAM gauge area, nvidia-smi style; without an NVIDIA GPU it says so.

Card, memory bar, load, temperature, power, this app's memory, the running job's peak and a short
history line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gradio as gr

from backend.gpu import GpuReading
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import esc, mib
from ui.words import say, word

SPARK_W, SPARK_H = 240, 36


@dataclass(frozen=True)
class GaugeWidgets:
    panel: gr.HTML


def render(ctx: UiContext) -> GaugeWidgets:
    return ctx.keep(GaugeWidgets(gr.HTML(current_html(ctx.studio), elem_id="wan-gauge")))


def _value(number: float | None, unit: str) -> str:
    return "—" if number is None else f"{number:.0f} {unit}"


def sparkline(history: Sequence[GpuReading], total_mib: float, lang: str = "en") -> str:
    """Used memory over the last samples as a small inline SVG (no plotting library, no extra request)."""
    points = [r.used_mib for r in history if r.ok][-120:]
    if len(points) < 2 or total_mib <= 0:
        return ""
    step = SPARK_W / (len(points) - 1)
    coords = " ".join(f"{i * step:.1f},{SPARK_H - min(1.0, v / total_mib) * SPARK_H:.1f}" for i, v in enumerate(points))
    return (f'<svg class="wan-spark" viewBox="0 0 {SPARK_W} {SPARK_H}" width="{SPARK_W}" height="{SPARK_H}" '
            f'role="img" aria-label="{say(lang, "page.gauge.history", count=len(points))}">'
            f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{coords}"/></svg>')


def gauge_html(reading: GpuReading, history: Sequence[GpuReading], job_peak_mib: float | None,
               lang: str | None = "en") -> str:
    """The gauge for one reading in `lang` (both languages when not known yet). Pure, so tests can feed any
    reading (including none)."""
    if not reading.ok:
        if reading.said is not None:
            why = word(lang, reading.said.key, **dict(reading.said.values))
        else:
            why = esc(reading.reason) if reading.reason else word(lang, "gpu.none")
        return (f'<div class="wan-gauge wan-gauge-off"><b>{word(lang, "page.gauge.off")}</b> {why}<br>'
                f'{word(lang, "page.gauge.off_hint")}</div>')
    share = reading.used_mib / reading.total_mib if reading.total_mib else 0.0
    level = "high" if share > 0.92 else "mid" if share > 0.75 else "low"
    driver = f" · {word(lang, 'page.gauge.driver', driver=reading.driver)}" if reading.driver else ""
    peak = mib(job_peak_mib) if job_peak_mib is not None else "—"
    return (
        f'<div class="wan-gauge"><div class="wan-gpu-name">{esc(reading.name)}{driver}</div>'
        f'<div class="wan-bar wan-vram-{level}"><div style="width:{share * 100:.1f}%"></div></div>'
        f"<div><b>{reading.used_mib:,.0f} / {reading.total_mib:,.0f} MiB</b> ({share:.0%})</div>"
        f"<div>GPU {_value(reading.util_pct, '%')} · {_value(reading.temp_c, '°C')} · "
        f"{_value(reading.power_w, 'W')}</div>"
        f"<div>{word(lang, 'page.gauge.app', app=mib(reading.process_mib), peak=peak)}</div>"
        f"{sparkline(history, reading.total_mib, lang or 'en')}</div>"
    )


def current_html(studio: Studio, lang: str | None = None) -> str:
    job = studio.active_job()
    return gauge_html(studio.gpu_reading(), studio.gpu_history(), studio.job_peak_mib(job) if job else None, lang)


def listen(ctx: UiContext) -> None:
    w = ctx.area(GaugeWidgets)

    def on_tick(request: gr.Request) -> str:
        return current_html(ctx.studio, ctx.lang(request))

    ctx.widget("fast_timer").tick(on_tick, outputs=[w.panel], show_progress="hidden", api_name="gauge",
                                  concurrency_limit=None)
