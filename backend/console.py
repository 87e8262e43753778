"""The console's lines for `app.py generate` and `app.py weights`, in the chosen language: the progress
bar redrawn in place, a job's progress and error, a download's progress, a weights check's summary."""

from __future__ import annotations

from typing import TextIO

from backend.download import DownloadProgress
from backend.i18n import progress_text, text
from backend.jobs.job import Job
from backend.models import WeightsReport
from backend.weights_words import weights_message


class ConsoleBar:
    """One progress line, redrawn in place (only when its text changes)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._last = ""

    def draw(self, line: str) -> None:
        if line != self._last:
            self._out.write("\r" + line.ljust(len(self._last)))
            self._out.flush()
            self._last = line

    def end(self) -> None:
        self._out.write("\n")


def gauge(fraction: float, width: int = 30) -> str:
    filled = int(max(0.0, min(1.0, fraction)) * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}"


def job_line(job: Job, lang: str = "en") -> str:
    p = job.progress
    eta = " " + text("cli.eta", lang, time=f"{p.eta_s:.0f}s") if p.eta_s is not None else ""
    return f"{gauge(p.fraction)} {progress_text(p.stage, p.step, p.total_steps, lang)}{eta}"


def job_error(job: Job, lang: str) -> str:
    """A failed job's sentence in `lang`, with its values (the job keeps the message and its values)."""
    return job.error_text(lang) or job.status


def download_line(p: DownloadProgress, lang: str = "en") -> str:
    share = p.done_bytes / p.total_bytes if p.total_bytes else 0.0
    speed = f" {p.speed_bps / 1e6:.1f} MB/s" if p.speed_bps > 0 else ""
    eta = " " + text("cli.eta", lang, time=f"{p.eta_s / 60:.0f} min") if p.eta_s is not None else ""
    amount = text("cli.download_line", lang, done=f"{p.done_bytes / 1e9:.2f}", total=f"{p.total_bytes / 1e9:.2f} GB")
    return f"{gauge(share)} {amount}{speed}{eta} {text('download.' + p.state, lang)}"


def weights_summary(report: WeightsReport, lang: str) -> str:
    return weights_message(report).text(lang)
