"""The worker thread: the only thread that touches the GPU. Renders jobs one by one and hands the
frames to the clip writer, so encoding a clip overlaps the next job's GPU work."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from backend.engine.base import (
    CancelToken,
    EngineConfig,
    RenderedVideo,
    RenderExtras,
    StageEvent,
    StepPreviews,
    VideoEngine,
)
from backend.errors import Cancelled, EngineFailed, EngineUnusable, LoraError, OutOfVram, StudioError
from backend.gallery import Gallery
from backend.i18n import Message, Said, stage_message
from backend.jobs.eta import EtaModel
from backend.jobs.job import Job, Progress, said_error
from backend.jobs.queue import JobQueue
from backend.jobs.writer import ClipWriter
from backend.lora.merge import LoraSet
from backend.presets import Preset
from backend.records import ClipRecord, Machine, Versions
from backend.request import LoraUse, latent_tokens

logger = logging.getLogger(__name__)

ConfigFor = Callable[[str], EngineConfig]
"""Preset name ('auto' or a name) → the engine config to use. Raises PresetError for unknown names."""
LowerOf = Callable[[Preset], Preset | None]
LorasFor = Callable[[tuple[LoraUse, ...]], LoraSet]
"""A job's LoRA choices → their merged branch (reads the files, or reuses factors in memory)."""
PreviewsFor = Callable[[Job], StepPreviews | None]
"""Where a job's step previews go, or None when it gets none (Settings)."""
DRAFT_STEPS = 1


EngineStatus = Literal["idle", "loading", "ready", "error"]


@dataclass(frozen=True)
class EngineState:
    """What the page shows about the engine itself: idle, loading (with since), ready or error."""

    state: EngineStatus = "idle"
    detail: str = ""
    since: float = 0.0
    said: Message | None = None
    """`detail` as the catalog's message, for the page's language (None: the system's own words)."""

    def detail_in(self, lang: str) -> str:
        return self.said.text(lang) if self.said is not None else self.detail


def first_line(err: BaseException, limit: int = 200) -> str:
    """An unexpected error as one short line for the queue (the whole traceback goes to the log)."""
    text = str(err).strip()
    line = text.splitlines()[0].strip().rstrip(".") if text else type(err).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


class Worker:
    """Takes jobs from the queue in order and runs them on the engine."""

    def __init__(self, queue: JobQueue, engine: VideoEngine, gallery: Gallery, config_for: ConfigFor,
                 lower_of: LowerOf, describe: Callable[[], tuple[Versions, Machine]],
                 loras_for: LorasFor | None = None, previews_for: PreviewsFor | None = None) -> None:
        self._queue = queue
        self._engine = engine
        self._config_for = config_for
        self._lower_of = lower_of
        self._describe = describe
        self._loras_for = loras_for
        self._previews_for = previews_for
        self._eta = EtaModel()
        self._writer = ClipWriter(queue, gallery, self._eta)
        self._thread: threading.Thread | None = None
        self._preload: EngineConfig | None = None
        self._state_lock = threading.Lock()
        self._state = EngineState()
        self._unload_wanted = threading.Event()

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self, preload: EngineConfig | None = None) -> None:
        """Start the thread; with `preload`, build the pipeline before the first job arrives."""
        self._preload = preload
        self._thread = threading.Thread(target=self._run, name="gpu-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._queue.close()
        if self._thread is not None:
            self._thread.join(timeout)
        self._writer.close(timeout)

    def request_unload(self) -> None:
        """Free the model's GPU memory and pinned RAM once no job is queued or running (on this thread,
        which owns the GPU); the next job loads it again."""
        self._unload_wanted.set()
        self._queue.poke()

    @property
    def unload_pending(self) -> bool:
        return self._unload_wanted.is_set()

    @property
    def engine_state(self) -> EngineState:
        with self._state_lock:
            return self._state

    def _set_state(self, state: EngineStatus, detail: Message | str = "") -> None:
        said = detail if isinstance(detail, Message) else None
        with self._state_lock:
            self._state = EngineState(state, str(detail), time.time(), said)

    def _run(self) -> None:
        if self._preload is not None:
            self._do_preload(self._preload)
        while True:
            item = self._queue.take_next(wake_if=self._unload_wanted.is_set)
            if item is None:
                if self._queue.closed:
                    break
                self._unload()
                continue
            job, token = item
            try:
                self._run_job(job, token)
            except Exception:  # the worker must outlive any bug in one job
                logger.exception("Job %s crashed the worker loop", job.id)
                self._queue.finish(job.id, status="failed", error_kind="engine_failed", **said_error("job.crashed"))
        logger.info("Worker stopped")

    def _do_preload(self, config: EngineConfig) -> None:
        self._set_state("loading", Message.of("engine.loading", preset=config.preset.name))
        try:
            self._engine.load(config, lambda _e: None)
            self._set_state("ready", Message.of("engine.loaded", preset=config.preset.name))
        except StudioError as err:
            logger.warning("Preload failed: %s", err.user_text())
            self._set_state("error", err.said() or err.user_text())
        except Exception as err:
            logger.exception("Preload crashed")
            self._set_state("error", Message.of("engine.load_failed", error=str(err)))

    def _unload(self) -> None:
        self._unload_wanted.clear()
        try:
            self._engine.unload()
        except Exception:  # a failed release must not stop the worker; the next load rebuilds anyway
            logger.exception("Unloading the model failed")
        logger.info("Model unloaded on request")
        self._set_state("idle", Message.of("engine.unloaded"))

    # ---- one job ---------------------------------------------------------------------------------
    def _run_job(self, job: Job, token: CancelToken) -> None:
        logger.info("Job %s started", job.id)
        started = time.monotonic()
        notes: list[str] = []
        try:
            config = self._config_for(job.request.preset)
            lower = None
            try:
                rendered = self._render(job, config, token)
            except OutOfVram as err:
                lower = self._lower_of(config.preset)
                if lower is None:
                    raise OutOfVram(err.stage, None) from err
                said = Message.of("job.oom_retry", preset=config.preset.name, stage=stage_message(err.stage),
                                  lower=lower.name)
                note = Said(said)
                logger.warning("Job %s: %s", job.id, note)
                notes.append(note)
                self._queue.update(job.id, **noted(notes))
            if lower is not None:
                # Retried outside the handler: the failed attempt's error holds its traceback, whose frames hold
                # that attempt's GPU tensors (on an H200 under a 11.5 GiB limit the retry found 10.5 GiB taken).
                config = self._config_for(lower.name)
                try:
                    rendered = self._render(job, config, token)
                except OutOfVram as again:
                    below = self._lower_of(config.preset)
                    raise OutOfVram(again.stage, below.name if below else None) from again
        except Cancelled:
            self._queue.finish(job.id, status="cancelled", error_kind="cancelled", **noted(notes),
                               **said_error("job.cancelled"))
            return
        except StudioError as err:
            if isinstance(err, EngineUnusable):
                self._set_state("error", err.said() or err.user_text())
            self._queue.finish(job.id, status="failed", error=err.user_text(), error_kind=err.kind,
                               error_said=err.said(), **noted(notes))
            return
        except Exception as err:
            logger.exception("Job %s failed in the engine", job.id)
            failure = EngineFailed(Message.of("error.engine_failed.detail", detail=first_line(err)),
                                   Message.of("error.see_log"))
            self._queue.finish(job.id, status="failed", error=failure.user_text(), error_kind=failure.kind,
                               error_said=failure.said(), **noted(notes))
            return
        self._set_state("ready", Message.of("engine.loaded", preset=config.preset.name))
        info = rendered.info
        notes += info.notes  # the engine's own (previews that fell back to the colour map)
        timings = replace(info.timings, render_s=round(time.monotonic() - started, 3))
        if job.kind == "draft":  # its preview is the result; nothing to decode or save
            self._queue.finish(job.id, status="done", preset_used=config.preset.name, **noted(notes),
                               timings=timings, peak_vram_mib=info.peaks.vram_mib,
                               progress=Progress(stage="done", step=DRAFT_STEPS, fraction=1.0,
                                                 elapsed_s=time.monotonic() - started, eta_s=0.0,
                                                 updated_at=time.time()))
            return
        versions, machine = self._describe()
        record = ClipRecord(request=job.request, preset=config.preset.name, low_ram=config.low_ram,
                            engine_config=info.engine_config, kernels=info.kernels, timings=timings, peaks=info.peaks,
                            versions=replace(versions, lightx2v=info.lightx2v, torch=info.torch), machine=machine,
                            build=info.build, warm=info.warm, vae_tiling=info.vae_tiling, loras=info.loras,
                            lora_layers=info.lora_layers, **noted(notes), job_id=job.id)
        self._queue.update(job.id, status="saving", preset_used=config.preset.name, **noted(notes),
                           timings=timings, peak_vram_mib=info.peaks.vram_mib,
                           progress=self._progress(job, config, "saving", 0, 0, 0.0,
                                                   time.monotonic() - started))
        self._writer.submit(job.id, rendered, record, token, self._eta_key(job, config))

    def _render(self, job: Job, config: EngineConfig, token: CancelToken) -> RenderedVideo:
        stage_started = time.monotonic()
        work_started: float | None = None  # loading time is excluded from the ETA's extrapolation
        current = "loading"
        floor = 0.0  # the bar never moves back, even when the previous clip's timings arrive mid-render

        def on_event(event: StageEvent) -> None:
            nonlocal stage_started, work_started, current, floor
            now = time.monotonic()
            if event.stage != current:
                current, stage_started = event.stage, now
            if event.stage == "loading":
                self._set_state("loading", Message.of("engine.loading", preset=config.preset.name))
            elif work_started is None:
                work_started = now
            progress = self._progress(job, config, event.stage, event.step, event.total_steps,
                                      now - stage_started, now - (work_started or now))
            if progress.fraction < floor:
                progress = replace(progress, fraction=floor)
            floor = progress.fraction
            self._queue.update(job.id, persist=False, progress=progress)

        token.raise_if_cancelled()
        self._queue.update(job.id, persist=False, preset_used=config.preset.name,
                           progress=self._progress(job, config, "loading", 0, 0, 0.0, 0.0))
        loras = None
        if job.request.loras:
            if self._loras_for is None:
                raise LoraError(Message.of("lora.no_folders"))
            loras = self._loras_for(job.request.loras)
        extras = RenderExtras(previews=self._previews_for(job) if self._previews_for else None,
                              stop_after_step=DRAFT_STEPS if job.kind == "draft" else None)
        return self._engine.render(job.request, config, on_event, token, loras=loras, extras=extras)

    def _eta_key(self, job: Job, config: EngineConfig) -> tuple[str, int]:
        r = job.request
        return config.preset.name, latent_tokens(r.width, r.height, r.frames)

    def _progress(self, job: Job, config: EngineConfig, stage: Any, step: int, total: int,
                  stage_elapsed: float, work_elapsed: float) -> Progress:
        fraction, eta = self._eta.estimate(self._eta_key(job, config), stage, step, total, stage_elapsed,
                                           work_elapsed)
        return Progress(stage=stage, step=step, total_steps=total, fraction=fraction,
                        elapsed_s=work_elapsed, eta_s=eta, updated_at=time.time())


def noted(notes: list[str]) -> dict[str, Any]:
    """A job's notes for its record: the text, and the messages of those the app worded itself (a Said note),
    so a page in any language words them again, also once the job has left the queue."""
    return {"notes": tuple(notes), "notes_said": tuple(n.said for n in notes if isinstance(n, Said))}
