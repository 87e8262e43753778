"""The Studio: the one object that owns every long-lived service of a process (queue, worker, gallery,
presets, settings, the GPU monitor, the weights download, the doctor's background run).

The page and the command line talk to this, never to the parts directly; `app.py` starts and stops it.
"""

from __future__ import annotations

import logging
import platform
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from backend import APP_VERSION
from backend.access import OWNER, Viewer, check_guest_quota, check_may_cancel
from backend.background import BackgroundRun
from backend.data_lock import DataFolderLock
from backend.doctor import DoctorReport
from backend.download import WeightsDownloader
from backend.engine.base import EngineConfig, VideoEngine
from backend.errors import BadRequest, StudioError
from backend.gallery import Clip, Gallery
from backend.gpu import GpuSource, NvmlSource, VramMonitor, host_ram_gib, total_vram_gib
from backend.i18n import Message, say
from backend.jobs.job import FINISHED, Job, JobKind, JobStatus
from backend.jobs.queue import JobQueue
from backend.jobs.worker import EngineState, Worker
from backend.lora.folders import LoraLibrary
from backend.posters import PosterMaker, remove_poster
from backend.presets import (
    Preset,
    has_bigger_preset,
    limit_problem,
    load_presets,
    lower_preset,
    needs_low_ram,
    resolve,
)
from backend.preview.publisher import PreviewPublisher
from backend.records import Machine, Versions
from backend.request import (
    SEED_MAX,
    GenerationRequest,
    build_request,
    is_random_seed,
)
from backend.settings import Paths, UserSettings, load_user_settings, save_user_settings
from backend.storage import remove_stale_temps
from backend.studio_desk import MachineDesk
from backend.studio_drafts import PreviewDesk
from backend.studio_guests import GuestDesk
from backend.studio_loras import LoraDesk
from backend.studio_owner import OwnerDesk

logger = logging.getLogger(__name__)
MAX_BATCH = 16


class Studio(LoraDesk, MachineDesk, PreviewDesk, GuestDesk, OwnerDesk):
    """Owns the backend for one process. `start()` restores state; `stop()` lets the worker finish."""

    def __init__(self, paths: Paths, engine: VideoEngine, gpu: GpuSource | None = None,
                 presets: dict[str, Preset] | None = None, host_ram: float | None = None,
                 preload: bool = True, downloader: WeightsDownloader | None = None,
                 lock: DataFolderLock | None = None) -> None:
        self.paths = paths
        self.lock = lock or DataFolderLock(paths.data_dir)
        """Taken by start() (or earlier by the caller, before it touches anything), released by stop()."""
        paths.create()
        self.engine = engine
        self.presets = presets or load_presets()
        self.monitor = VramMonitor(gpu or NvmlSource())
        self.host_ram_gib = host_ram if host_ram is not None else host_ram_gib()
        self.queue = JobQueue(paths.queue_file)
        self.gallery = Gallery(paths.clips_dir)
        self.posters = PosterMaker()
        self.settings, settings_note = load_user_settings(paths.settings_file)
        self._settings_lock = threading.Lock()
        self._submit_lock = threading.Lock()  # a guest's cap is checked and used in one step
        self._preload = preload
        self._started = self._stopped = False
        self.notes: list[str] = [settings_note] if settings_note else []
        self.loras = LoraLibrary(self.lora_folders)
        self.previews = PreviewPublisher(paths.previews_dir, self._store_preview)
        self.worker = Worker(self.queue, engine, self.gallery, self.config_for, self._lower, self.describe,
                             loras_for=self.loras.prepare, previews_for=self._previews_for)
        self._downloader = downloader or WeightsDownloader()
        self._doctor: BackgroundRun[DoctorReport] = BackgroundRun("the doctor")

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Restore state and start the worker (and the model preload). A second call does nothing."""
        if self._started:
            return
        self.lock.acquire()  # FolderInUse: another process owns the folder, and nothing here was touched
        self._started = True
        removed = self.gallery.clean_partials()
        removed += sum(remove_stale_temps(folder) for folder in {self.paths.data_dir, self.paths.config_dir})
        if removed:
            logger.info("Removed %d unfinished file(s) left by a crash", removed)
        self.notes += self.gallery.rebuild()
        self.notes += self.queue.restore(self.gallery.clip_for_job())
        self.previews.prune({j.id for j in self.queue.snapshot()})
        for note in self.notes:
            logger.warning("Start-up: %s", note)
        self.monitor.start()
        preload = None
        if self._preload and self.unavailable_reason() is None:
            try:
                preload = self.config_for(self.settings.preset)
            except StudioError as err:
                logger.warning("No preload: %s", err.user_text())
        self.worker.start(preload)

    def stop(self) -> None:
        if not self._started or self._stopped:
            return
        self._stopped = True
        self.worker.stop()
        self.previews.close()
        self.monitor.stop()
        self.lock.release()

    # ---- presets and engine config ---------------------------------------------------------------
    @property
    def card_vram_gib(self) -> float | None:
        return total_vram_gib(self.monitor.latest())

    def preset_for(self, name: str) -> Preset:
        return resolve(self.presets, name, self.card_vram_gib)

    def low_ram_for(self, preset: Preset) -> bool:
        choice = self.settings.low_ram
        return choice == "on" or (choice == "auto" and needs_low_ram(preset, self.host_ram_gib))

    def weights_dir(self) -> Path:
        return Path(self.settings.weights_dir) if self.settings.weights_dir else self.paths.weights_dir

    def config_for(self, preset_name: str) -> EngineConfig:
        preset = self.preset_for(preset_name)
        return EngineConfig(preset=preset, low_ram=self.low_ram_for(preset), weights_dir=self.weights_dir(),
                            quant_scheme=self.settings.quant_scheme, attention=self.settings.attention)

    def _lower(self, preset: Preset) -> Preset | None:
        return lower_preset(self.presets, preset.name)

    def describe(self) -> tuple[Versions, Machine]:
        """Versions and machine facts stored with every clip."""
        reading = self.monitor.latest()
        versions = Versions(app=APP_VERSION, engine=self.engine.name, platform=platform.platform())
        machine = Machine(gpu=reading.name, gpu_total_mib=round(reading.total_mib), driver=reading.driver,
                          host_ram_gib=round(self.host_ram_gib, 1) if self.host_ram_gib else None) if reading.ok \
            else Machine(host_ram_gib=round(self.host_ram_gib, 1) if self.host_ram_gib else None)
        return versions, machine

    # ---- jobs ------------------------------------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        """Why Generate is disabled right now (no GPU, no engine, no weights), or None."""
        return self.engine.unavailable_reason(self.weights_dir())

    @property
    def engine_state(self) -> EngineState:
        return self.worker.engine_state

    def submit(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
               seed: object = None, preset: object = "auto", negative_prompt: object = "",
               count: object = 1, loras: object = (), kind: JobKind = "clip",
               viewer: Viewer = OWNER) -> list[Job]:
        """Validate and queue `count` jobs of one prompt. A given seed is used for the first job and
        counts up for the rest; a random seed draws a fresh one for each. Nothing is queued on error;
        a guest's jobs count against their own cap (backend/access.py)."""
        requests = self.check_submission(prompt, width, height, frames, seed, preset, negative_prompt, count, loras)
        with self._submit_lock:
            check_guest_quota(viewer, self.queue.snapshot(), len(requests))
            return self.queue.enqueue(requests, kind, guest=viewer.submitter)

    def check_submission(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
                         seed: object = None, preset: object = "auto", negative_prompt: object = "",
                         count: object = 1, loras: object = ()) -> list[GenerationRequest]:
        """The requests `submit` would queue, or BadRequest/PresetError naming the first bad value."""
        try:
            n = int(count)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise BadRequest(Message.of("count.clips_number", value=repr(count))) from None
        if not 1 <= n <= MAX_BATCH:
            raise BadRequest(Message.of("count.clips_range", count=n, max=MAX_BATCH))
        first = build_request(prompt, width, height, frames, seed, preset, negative_prompt, loras)
        chosen = self.preset_for(first.preset)
        problem = limit_problem(chosen, first.width, first.height, first.frames,
                                has_bigger=has_bigger_preset(self.presets, chosen))
        if problem is not None:
            raise problem
        checked = self.check_loras(first.loras, chosen)
        requests = [first]
        for i in range(1, n):
            next_seed = None if is_random_seed(seed) else (first.seed + i) % (SEED_MAX + 1)
            requests.append(build_request(prompt, width, height, frames, next_seed, preset, negative_prompt, loras))
        return [replace(r, loras=checked) for r in requests]


    def cancel(self, job_id: str, viewer: Viewer = OWNER) -> Job:
        check_may_cancel(viewer, self.queue.get(job_id))
        return self.queue.cancel(job_id)

    def requeue(self, job_id: str) -> Job:
        return self.queue.requeue(job_id)

    def free_engine(self) -> tuple[bool, str]:
        """Ask the worker to unload the model (for a game, another app, or RAM): (asked, what happens)."""
        state = self.engine_state.state
        busy = any(j.status in ("queued", "running") for j in self.queue.snapshot())
        if state in ("idle", "error") and not busy:
            return False, say("studio.free.not_loaded")
        self.worker.request_unload()
        if busy:
            return True, say("studio.free.when_empty")
        return True, say("studio.free.unloading")

    def jobs(self) -> list[Job]:
        return self.queue.snapshot()

    def job(self, job_id: str) -> Job:
        """One job by id (NotFound for an unknown id)."""
        return self.queue.get(job_id)

    def active_job(self) -> Job | None:
        """The job on the GPU. While one clip is being written the next may already run: prefer running."""
        jobs = self.queue.snapshot()
        running = next((j for j in jobs if j.status == "running"), None)
        return running or next((j for j in jobs if j.status == "saving"), None)

    def wait_for_job(self, job_id: str, statuses: tuple[JobStatus, ...] = FINISHED,
                     timeout: float = 3600.0) -> Job:
        """Block until the job reaches one of `statuses` (TimeoutError after `timeout`)."""
        return self.queue.wait_for(job_id, statuses, timeout)

    def wait_for_change(self, job: Job, timeout: float) -> Job:
        """The job once it differs from `job` (progress, status), or as it is after `timeout`."""
        return self.queue.wait_for_change(job, timeout)

    # ---- clips -----------------------------------------------------------------------------------
    def clips(self) -> list[Clip]:
        return self.gallery.list()

    def clip(self, clip_id: str) -> Clip:
        return self.gallery.get(clip_id)

    def delete_clip(self, clip_id: str) -> None:
        clip = self.gallery.get(clip_id)
        self.gallery.delete(clip_id)
        remove_poster(clip.path)

    def poster(self, clip: Clip) -> Path | None:
        """The clip's poster image if it is made; otherwise it is made in the background and this is None."""
        return self.posters.poster(clip.path)

    # ---- settings --------------------------------------------------------------------------------
    def update_settings(self, **changes: Any) -> UserSettings:
        with self._settings_lock:
            self.settings = self.settings.merged(**changes)
            try:
                save_user_settings(self.paths.settings_file, self.settings)
            except OSError as err:
                logger.warning("Could not save settings: %s", err)
            return self.settings
