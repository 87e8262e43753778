"""The Studio's services that look at the machine: GPU readings, the weights folder and its download, the
doctor's run; and the form's rules the page applies as the user types. A part of `Studio` (its base
class), kept apart so each module stays small: nothing else uses it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend import doctor
from backend.background import BackgroundRun, RunState
from backend.checks import run_checks
from backend.checks.base import WEIGHTS_DOWNLOAD_GB
from backend.doctor import DoctorReport
from backend.download import DownloadProgress, WeightsDownloader, free_disk_bytes
from backend.errors import BadRequest, PresetError
from backend.gpu import GpuReading, VramMonitor
from backend.i18n import Message
from backend.jobs.job import Job
from backend.models import (
    PREVIEW_DECODER,
    WEIGHT_SETS,
    WeightSet,
    WeightsReport,
    check_weights,
    default_weight_set,
    weight_files,
)
from backend.presets import Fit, Preset
from backend.preview.decoder import DecoderStatus, decoder_status
from backend.request import check_seed, prompt_warning, snap_frames
from backend.settings import Paths, UserSettings
from backend.weights_folder import check_weights_folder
from backend.weights_words import verify_notice

NO_GPU_FIT = Message.of("fit.no_gpu").text()


class MachineDesk:
    """GPU readings, weights, downloads and the doctor, for `Studio` (which provides the attributes below)."""

    PREVIEW_DECODER_SET = PREVIEW_DECODER.name
    """The optional preview decoder's name where a weight set's is taken (`app.py weights --set taehv`)."""

    if TYPE_CHECKING:
        @property
        def card_vram_gib(self) -> float | None: ...

        paths: Paths
        settings: UserSettings
        monitor: VramMonitor
        host_ram_gib: float | None
        presets: dict[str, Preset]
        _downloader: WeightsDownloader
        _doctor: BackgroundRun[DoctorReport]

        def weights_dir(self) -> Path: ...
        def preset_for(self, name: str) -> Preset: ...
        def low_ram_for(self, preset: Preset) -> bool: ...
        def update_settings(self, **changes: Any) -> UserSettings: ...

    # ---- GPU readings ----------------------------------------------------------------------------
    def gpu_reading(self) -> GpuReading:
        """The latest NVML sample (taken about once a second on the monitor's thread)."""
        return self.monitor.latest()

    def gpu_history(self) -> list[GpuReading]:
        return self.monitor.history()

    def job_peak_mib(self, job: Job) -> float | None:
        """The highest GPU memory use sampled while `job` has been running, or None before it starts."""
        return self.monitor.peak_since(job.started_at) if job.started_at else None

    # ---- weights -----------------------------------------------------------------------------------
    def card_weight_set(self) -> WeightSet:
        """The weight set this card runs: FP8 on sm_89+ (or an unknown card), else INT8."""
        return default_weight_set(self.gpu_reading().capability)

    def weight_set(self, value: object) -> WeightSet:
        """`value` as a weight set name; None or "" means the card's own set."""
        if value is None or value == "":
            return self.card_weight_set()
        chosen = next((s for s in WEIGHT_SETS if s == value), None)
        if chosen is None:
            raise BadRequest(Message.of("weights.no_set", name=repr(str(value)[:20])),
                             Message.of("weights.choose_set", names=", ".join(WEIGHT_SETS)))
        return chosen

    def weights_report(self, weight_set: object = None, verify: bool = False,
                       folder: Path | None = None) -> WeightsReport:
        """Which files of the set are in the weights folder (`verify` also compares every checksum)."""
        return check_weights(folder or self.weights_dir(), self.weight_set(weight_set), verify_hashes=verify)

    def use_weights_folder(self, text: object, confirmed: bool = False) -> Path:
        """Remember a folder that has (or will get) the weights; "" goes back to the default folder. A folder
        holding files of its own needs `confirmed` (backend/weights_folder.py has the rules)."""
        if not str(text or "").strip():
            self.update_settings(weights_dir="")
            return self.weights_dir()
        if Path(str(text).strip()).expanduser() == self.paths.weights_dir:  # the default is ours to make
            self.paths.weights_dir.mkdir(parents=True, exist_ok=True)
        folder = check_weights_folder(str(text), confirmed=confirmed)
        self.update_settings(weights_dir=str(folder))
        return folder

    def check_weights_folder(self, text: object) -> Path:
        """A weights folder as typed, to read from: a local full path, without '..', that exists."""
        if Path(str(text or "").strip()).expanduser() == self.paths.weights_dir:  # the default is ours to make
            self.paths.weights_dir.mkdir(parents=True, exist_ok=True)
        return check_weights_folder(str(text or ""), confirmed=True)

    def weights_space(self) -> tuple[float, int | None]:
        """(about how many GB a weight set takes, free bytes on the disk of the weights folder or None)."""
        try:
            free: int | None = free_disk_bytes(self.weights_dir())
        except OSError:
            free = None
        return WEIGHTS_DOWNLOAD_GB, free

    def start_download(self, weight_set: object = None, token: str | None = None) -> None:
        """Start (or resume) downloading a weight set into the weights folder on a background thread;
        refused while one runs."""
        self._downloader.start(self.weights_dir(), self.weight_set(weight_set), token or None)

    def start_decoder_download(self, token: str | None = None) -> None:
        """Start (or resume) downloading the optional TAEHV preview decoder into the weights folder (its own
        subfolder); refused while any download runs. Once it is there, previews use it by themselves."""
        self._downloader.start(self.weights_dir(), PREVIEW_DECODER, token or None)

    def verify_notice(self, set_name: str, folder: Path | None = None) -> Message:
        """What a checksum check of a weight set (or "taehv", the preview decoder) says before it starts: its
        size on disk and about how long reading it takes."""
        file_set = PREVIEW_DECODER if set_name == PREVIEW_DECODER.name else weight_files(self.weight_set(set_name))
        return verify_notice(file_set, folder or self.weights_dir())

    def preview_decoder_status(self, verify: bool = False, folder: Path | None = None) -> DecoderStatus:
        """Whether the weights folder has the TAEHV preview decoder, intact (else previews use the colour map)."""
        return decoder_status(folder or self.weights_dir(), verify=verify)

    def cancel_download(self) -> None:
        self._downloader.cancel()

    def download_progress(self) -> DownloadProgress:
        return self._downloader.progress()

    def wait_for_download(self, timeout: float) -> DownloadProgress:
        """The progress once the download has ended or `timeout` has passed, whichever is first."""
        return self._downloader.wait(timeout)

    # ---- the doctor --------------------------------------------------------------------------------
    def run_doctor(self, preset_name: str = "auto", probe_command: Sequence[str] | None = None) -> DoctorReport:
        """Run every environment check now (seconds to minutes: a child process probes the GPU)."""
        preset: Preset | None = None
        preset_error: Message | str = ""
        try:
            preset = self.preset_for(preset_name)
        except PresetError as err:
            preset_error = err.said() or err.user_text()
        env = doctor.gather(gpu=self.monitor.sample(), host_ram_gib=self.host_ram_gib, preset=preset,
                            preset_error=preset_error, auto_preset=self.preset_for("auto"),
                            low_ram=self.low_ram_for(preset) if preset else False,
                            low_ram_setting=self.settings.low_ram, weights_dir=self.weights_dir(),
                            probe_command=probe_command or doctor.PROBE_COMMAND)
        return DoctorReport(tuple(run_checks(env)))

    def start_doctor(self, preset_name: str = "auto") -> bool:
        """Run the checks in the background; False when a run is already going."""
        return self._doctor.start(lambda: self.run_doctor(preset_name))

    def doctor_state(self) -> RunState[DoctorReport]:
        return self._doctor.state()

    # ---- the form's rules, for the page ------------------------------------------------------------
    @staticmethod
    def new_seed() -> int:
        return check_seed(None)

    @staticmethod
    def check_seed(value: object) -> int:
        """A seed in range (BadRequest otherwise); None, "", "random" or -1 draw a fresh one."""
        return check_seed(value)

    @staticmethod
    def snap_frames(frames: float) -> int:
        return snap_frames(frames)

    @staticmethod
    def prompt_warning(prompt: str, lang: str = "en") -> str | None:
        return prompt_warning(prompt, lang)

    def _known_fit(self, fit: Fit, said: Message) -> tuple[Fit, Message]:
        """Without a GPU reading a fit cannot be known (a prediction is about a card); a preset's own limits
        (frames, pixels) still hold on any card."""
        if self.card_vram_gib is None and fit != "red":
            return "unknown", Message.of("fit.no_gpu")
        return fit, said
