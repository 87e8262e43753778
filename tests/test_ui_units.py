"""The page's pure pieces: choices, formatting, views, frame snapping, form memory and helpers.

Views are progress, queue, gauge, doctor and download; helpers are the folder opener and the
background runner.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from backend.access import OWN_ONLY, GuestPermissions, Viewer
from backend.background import BackgroundRun, RunState
from backend.checks import Check
from backend.doctor import DoctorReport
from backend.download import DownloadProgress, FileProgress
from backend.errors import BadRequest, OutOfVram
from backend.gpu import GpuReading
from backend.jobs.job import Job, Progress
from backend.records import StageTimings
from backend.request import FRAMES_MAX, SUPPORTED_SIZES, GenerationRequest
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from ui import choices, folders
from ui.areas import gauge, generate, models, preset, queue, settings, system, video
from ui.formatting import clip_length, data_size, seconds, shorten
from ui.labels import label
from ui.messages import problem_text

NOW = 1_800_000_000.0


def job(status: str = "queued", prompt: str = "a fox", **changes) -> Job:
    request = GenerationRequest(prompt, 832, 480, 81, 5, "auto")
    return Job.new(request).with_(status=status, **changes)


# ---- choices -------------------------------------------------------------------------------------------
def test_size_choices_come_from_the_supported_sizes() -> None:
    values = [v for _, v in choices.SIZE_CHOICES]
    assert values == ["832x480", "480x832", "1280x720", "720x1280"]
    assert len(values) == len(SUPPORTED_SIZES) and choices.DEFAULT_SIZE == "832x480"
    assert choices.SIZE_CHOICES[1][0] == "480×832 · " + label("size.portrait") + " 480p"  # worded by the browser
    assert choices.parse_size("1280×720") == (1280, 720)
    assert choices.size_choices("512x512")[-1] == ("512×512 · " + label("size.from_clip"), "512x512")
    assert choices.size_choices("832x480") == list(choices.SIZE_CHOICES)
    for bad in ("", None, "832", "axb", "832x"):
        with pytest.raises(BadRequest, match="not valid"):
            choices.parse_size(bad)


def test_preset_choices_say_what_auto_picks(studio: Studio, paths: Paths) -> None:
    labels = choices.preset_choices(studio)  # the conftest card: 12282 MiB
    assert labels[0] == (label("preset.auto") + ": 12 GB (RTX 3060, 4070, 5070) (12 GB)", "auto")
    assert [v for _, v in labels[1:]] == list(studio.presets)
    no_gpu = Studio(paths, studio.engine, gpu=FakeGpu(total_mib=None), preload=False)
    first = next(iter(studio.presets.values())).label
    assert choices.preset_choices(no_gpu)[0][0] == label("preset.auto_no_gpu") + f": {first}"
    assert [v for _, v in choices.LOW_RAM_CHOICES] == ["auto", "on", "off"]


# ---- formatting ----------------------------------------------------------------------------------------
def test_formatting() -> None:
    assert [seconds(v) for v in (None, 4.4, 65, 3725)] == ["—", "4 s", "1 min 05 s", "1 h 02 min"]
    assert clip_length(81) == "81 frames = 5.06 s at 16 fps"
    assert [data_size(v) for v in (None, 512, 1_500_000, 22e9)] == ["—", "512 B", "1.5 MB", "22.0 GB"]
    assert shorten("a  b\nc", 10) == "a b c" and shorten("x" * 20, 10) == "x" * 9 + "…"


def test_problem_text_is_one_sentence_and_logs_the_unexpected(caplog) -> None:
    assert problem_text(OutOfVram("denoising", "8gb"), "x") == (
        "The GPU ran out of memory while denoising. Try the 8gb preset, fewer frames or a smaller size.")
    text = problem_text(ZeroDivisionError("boom"), "adding the job")
    assert text == "Something went wrong while adding the job (ZeroDivisionError). The log file has the details."
    assert "boom" in caplog.text  # the details go to the log, not the page


# ---- progress and queue --------------------------------------------------------------------------------
def test_progress_of_the_running_job() -> None:
    running = job("running", started_at=NOW - 42, preset_used="12gb",
                  progress=Progress("denoising", 2, 4, 0.45, 30.0, eta_s=20.0, updated_at=NOW - 5))
    html = generate.progress_html([running, job("queued"), job("done")], running, now=NOW)
    assert "Step 2 of 4 · 45%" in html and "width:45.0%" in html
    assert "Elapsed 42 s · about 15 s left" in html  # the ETA counts down between worker updates
    assert "832×480, 81 frames, seed 5, preset 12gb" in html and "1 more waiting." in html
    measuring = job("running", started_at=NOW, progress=Progress("encoding", updated_at=NOW))
    assert "time left: measuring" in generate.progress_html([measuring], measuring, now=NOW)


def test_progress_when_idle_shows_the_last_outcome() -> None:
    failed = job("failed", finished_at=NOW, error="The GPU ran out of memory while decoding. Try fewer frames.")
    html = generate.progress_html([job("done", started_at=NOW - 100, finished_at=NOW - 80), failed], None, now=NOW)
    assert "Nothing is running" in html and "The last job failed: The GPU ran out of memory" in html
    assert "Last clip made in 20 s" in generate.progress_html([job("done", started_at=NOW - 20,
                                                                        finished_at=NOW)], None, now=NOW)
    assert "Waiting for the engine" in generate.progress_html([job("queued")], None, now=NOW)


def test_saving_job_counts_as_active_when_nothing_runs(paths: Paths) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), preload=False)  # not started: nothing runs jobs
    saving, running, done = studio.submit("a fox", count=3)
    assert studio.active_job() is None
    studio.queue.update(saving.id, status="saving")
    studio.queue.update(running.id, status="running")
    assert studio.active_job() == studio.job(running.id)
    studio.queue.update(running.id, status="done")
    assert studio.active_job() == studio.job(saving.id)
    studio.queue.update(saving.id, status="done")
    assert studio.active_job() is None and done.status == "queued"


def test_queue_lists_one_line_per_job_with_its_action(studio: Studio) -> None:
    old = job("done", prompt="old", finished_at=NOW - 50, started_at=NOW - 60, timings=StageTimings(render_s=7.0))
    new = job("failed", prompt="<b>new</b>", finished_at=NOW, error="It broke.")
    waiting, running = job("queued", prompt="waiting"), job("running", prompt="running", preset_used="12gb")
    html = queue.queue_html(studio, [old, new, waiting, running])
    order = [html.index(f'data-job="{j.id}"') for j in (running, waiting, new, old)]
    assert order == sorted(order)  # running, waiting, then finished newest first
    assert "&lt;b&gt;new&lt;/b&gt;" in html and "<b>new</b>" not in html  # prompts are escaped
    assert "It broke." in html and "· 7 s" in html  # the clip's own time, as its details say
    assert f'data-act="cancel" data-job="{waiting.id}"' in html and f'data-act="requeue" data-job="{new.id}"' in html
    assert f'data-act="cancel" data-job="{running.id}"' in html and 'data-job="' + old.id + '" title' not in html
    assert "· auto" not in html and "· 12gb" in html  # a waiting job names the preset auto resolves to
    assert "The queue is empty" in queue.queue_html(studio, [])
    many = [job("queued") for _ in range(queue.WAITING_SHOWN + 5)]
    summary = queue.queue_html(studio, many)
    assert summary.count('class="wan-job ') == queue.WAITING_SHOWN and "and 5 more waiting" in summary
    assert "0 running · 13 waiting · 0 finished" in summary


def test_queue_is_sent_only_when_it_changed(studio: Studio) -> None:
    html, key = queue.refresh(studio, None)
    assert isinstance(html, str) and key == html
    again, same = queue.refresh(studio, key)
    assert again == {"__type__": "update"} and same == key


def test_queue_labels_drafts_and_shows_a_guest_only_their_own(studio: Studio) -> None:
    draft = Job.new(GenerationRequest("a draft fox", 832, 480, 81, 5, "auto"), kind="draft")
    clip = job("queued", prompt="a full fox")
    html = queue.queue_html(studio, [draft, clip])
    line = html[html.index(f'data-job="{draft.id}"'):]
    assert line.index('class="wan-job-kind">draft<') < line.index("a draft fox")  # the draft says so
    assert html.count("wan-job-kind") == 1  # a clip job is not labelled
    ann = Viewer.guest("ann")
    theirs = Job.new(GenerationRequest("ann's heron", 832, 480, 81, 77, "auto"), guest="ann")
    failed = job("failed", prompt="the owner's failure", error="secret path /home/owner")
    seen = queue.queue_html(studio, [clip, theirs, failed], ann, OWN_ONLY)
    assert "ann's heron" in seen and "seed 77" in seen and f'data-act="cancel" data-job="{theirs.id}"' in seen
    assert "a full fox" not in seen and "seed 5" not in seen and "secret path" not in seen
    assert f'data-act="cancel" data-job="{clip.id}"' not in seen and 'data-act="requeue"' not in seen
    assert "a full fox" in queue.queue_html(studio, [clip], ann, GuestPermissions(see_prompts=True))
    assert "only for the person at the computer" in queue.requeue_job(studio, failed.id, ann)


# ---- the gauge -----------------------------------------------------------------------------------------
def reading(used: float, **changes) -> GpuReading:
    values = {"ok": True, "name": "NVIDIA GeForce RTX 4060", "total_mib": 8188.0, "used_mib": used,
              "util_pct": 97.0, "temp_c": 71.0, "power_w": 110.5, "process_mib": 7400.0, "driver": "580.76", **changes}
    return GpuReading(**values)  # type: ignore[arg-type]


def test_gauge_reads_like_nvidia_smi() -> None:
    history = [reading(1000), reading(4000), reading(7900)]
    html = gauge.gauge_html(reading(7900), history, job_peak_mib=7950.0)
    for part in ("NVIDIA GeForce RTX 4060 · driver 580.76", "7,900 / 8,188 MiB", "(96%)", "GPU 97 %", "71 °C",
                 "110 W", "This app: 7,400 MiB", "peak this job: 7,950 MiB", "wan-vram-high", "<polyline"):
        assert part in html, part
    sparse = gauge.gauge_html(reading(100, util_pct=None, temp_c=None, power_w=None, process_mib=None), [], None)
    assert "GPU — · — · —" in sparse and "This app: — · peak this job: —" in sparse and "<svg" not in sparse
    assert "wan-vram-low" in sparse


def test_gauge_without_gpu_and_sparkline_scale() -> None:
    html = gauge.gauge_html(GpuReading(ok=False, reason="No NVIDIA GPU found (NVMLError: driver not loaded)."),
                            [], None)
    assert "No GPU reading" in html and "driver not loaded" in html and "still work" in html
    line = gauge.sparkline([reading(0), reading(8188)], 8188.0)
    assert f'points="0.0,{gauge.SPARK_H:.1f} {gauge.SPARK_W:.1f},0.0"' in line


# ---- the form ------------------------------------------------------------------------------------------
def test_frames_snap_to_4k_plus_1() -> None:
    assert video.snapped(80, FRAMES_MAX) == (81, clip_length(81))
    assert video.snapped(17, FRAMES_MAX) == (17, "17 frames = 1.06 s at 16 fps")
    assert video.snapped(1000, FRAMES_MAX)[0] == FRAMES_MAX and video.snapped(None, FRAMES_MAX)[0] == 81


def test_preset_summary_and_fit_badge(studio: Studio) -> None:
    fits = preset.describe(studio, "16gb", "832x480", 49)
    assert "wan-fit-green" in fits and "● fits" in fits and studio.presets["16gb"].description in fits
    assert "wan-fit-amber" in preset.describe(studio, "16gb", "1280x720", 97)  # extrapolated past the 720p peak
    too_big = preset.describe(studio, "8gb", "1280x720", 81)
    assert "wan-fit-red" in too_big and "Above this preset's limit" in too_big
    assert "Auto picked <b>12 GB" in preset.describe(studio, "auto", "832x480", 81)
    assert "There is no preset named" in preset.describe(studio, "99gb", "832x480", 81)


def test_low_ram_is_mentioned_when_the_model_is_read_from_disk(paths: Paths) -> None:
    from tests.support.cpu_engine import CpuTestEngine

    small = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=16.0, preload=False)
    assert "16 GiB of RAM" in preset.describe(small, "12gb", "832x480", 81)


def test_form_memory_saves_and_restores(studio: Studio) -> None:
    for name, value in (("prompt", "kept"), ("size", "480x832"), ("frames", 50), ("seed", 99), ("seed_lock", True),
                        ("preset", "16gb"), ("low_ram", "on")):
        settings.remember(studio, name, value)
    s = studio.settings
    assert (s.prompt, s.width, s.height, s.frames, s.seed, s.seed_locked, s.preset, s.low_ram) == (
        "kept", 480, 832, 49, 99, True, "16gb", "on")
    settings.remember(studio, "size", "nonsense")
    settings.remember(studio, "seed", None)
    settings.remember(studio, "low_ram", "sometimes")
    assert (studio.settings.width, studio.settings.seed, studio.settings.low_ram) == (480, 99, "on")
    prompt, size, frames, seed, lock, chosen, low_ram, see_prompts, see_clips = settings.restored(studio)
    assert (see_prompts, see_clips) == (False, False)
    assert (prompt, size["value"], frames, seed, lock, chosen, low_ram) == ("kept", "480x832", 49, "99", True,
                                                                            "16gb", "on")
    studio.update_settings(preset="gone", seed=-1)
    _, _, _, seed, lock, chosen, *_ = settings.restored(studio)
    assert chosen == "auto" and (seed, lock) == ("random", False)


# ---- doctor and downloads ------------------------------------------------------------------------------
def test_doctor_view_for_each_state() -> None:
    checks = (Check("GPU", "fail", "No NVIDIA GPU found.", "Install the driver"), Check("Disk", "ok", "120 GB free"))
    status, lines, report = system.view(RunState(result=DoctorReport(checks), finished_at=NOW, version=2))
    assert status.startswith("❌ No NVIDIA GPU: generation is unavailable on this computer. (checked ")
    assert "❌ <b>GPU</b>: No NVIDIA GPU found." in lines
    assert "Fix: Install the driver" in lines and "[FAIL] GPU" in report
    assert "Checking" in system.view(RunState(running=True, started_at=NOW - 3), now=NOW)[0]
    assert system.view(RunState(error="It broke."))[0] == "⚠️ It broke."
    assert system.view(RunState())[0] == system.INTRO


def test_folders_list_the_log_file(studio: Studio, tmp_path: Path) -> None:
    import logging

    handler = logging.FileHandler(tmp_path / "studio.log")
    logging.getLogger().addHandler(handler)
    try:
        text = system.folders_text(studio)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert str(tmp_path / "studio.log") in text and str(studio.paths.clips_dir) in text
    assert str(studio.paths.config_dir) in text and "64.0 GiB" in text


def test_download_progress_view() -> None:
    files = (FileProgress("distill_fp8/block_0.safetensors", 1_000, 1_000, "done"),
             FileProgress("distill_fp8/models_t5.pth", 2_500_000_000, 6_700_000_000, "downloading"))
    p = DownloadProgress("downloading", "Downloading 2 file(s).", files, 2_500_001_000, 6_700_001_000, 25e6, 168.0)
    html = models.progress_html(p)
    for part in ("Downloading 2 file(s).", "2.5 GB of 6.7 GB (37%)", "25.0 MB/s", "2 min 48 s left",
                 "1 of 2 files ready", "distill_fp8/models_t5.pth: downloading"):
        assert part in html, part
    assert "block_0" not in html  # finished files are counted, not listed
    assert models.progress_html(DownloadProgress("idle", "", (), 0, 0, 0.0, None)) == ""


# ---- the folder opener and the background runner ---------------------------------------------------------
def test_open_folder_on_linux(tmp_path: Path, monkeypatch) -> None:
    launched: list[list[str]] = []
    monkeypatch.setattr(folders.sys, "platform", "linux")
    monkeypatch.setattr(folders.subprocess, "Popen", lambda cmd, **kw: launched.append(cmd))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert "no desktop session" in (folders.open_folder(tmp_path) or "")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(folders.shutil, "which", lambda name: None)
    assert "xdg-open" in (folders.open_folder(tmp_path) or "")
    monkeypatch.setattr(folders.shutil, "which", lambda name: "/usr/bin/xdg-open")
    assert folders.open_folder(tmp_path) is None and launched == [["/usr/bin/xdg-open", str(tmp_path)]]
    assert "does not exist" in (folders.open_folder(tmp_path / "gone") or "")


def test_background_run_one_at_a_time() -> None:
    release = threading.Event()
    run: BackgroundRun[int] = BackgroundRun("a test task")
    assert run.start(lambda: 41 + int(release.wait(5)))
    assert not run.start(lambda: 0)
    assert run.state().running and run.state().version == 1
    release.set()
    deadline = time.monotonic() + 5
    while run.state().running and time.monotonic() < deadline:
        time.sleep(0.01)
    state = run.state()
    assert (state.running, state.result, state.error, state.version) == (False, 42, None, 2)
    assert run.start(lambda: 1 // 0)
    while run.state().running:
        time.sleep(0.01)
    assert "ZeroDivisionError" in (run.state().error or "")


# ---- generate: engine state, prompt hint, unexpected failures ------------------------------------------
def test_availability_follows_the_engine_state(studio: Studio) -> None:
    studio.worker._set_state("loading", "Loading the model for the 12gb preset…")
    assert generate.availability_text(studio).startswith("⏳ Loading the model in the background")
    studio.worker._set_state("error", "The engine could not start. Reinstall it.")
    assert generate.availability_text(studio) == ("🔴 The engine had a problem. "
                                                  "The engine could not start. Reinstall it.")
    studio.worker._set_state("ready", "Model loaded (12gb preset).")
    assert generate.availability_text(studio) == "🟢 Engine ready. Model loaded (12gb preset)."
    studio.worker._set_state("idle", "Model unloaded: its GPU memory and RAM are free.")
    assert generate.availability_text(studio) == "⏏ Model unloaded: its GPU memory and RAM are free."
    studio.worker._set_state("idle")
    assert generate.availability_text(studio) == "Engine idle: the model loads at the first Generate."


def test_long_prompt_gets_a_hint() -> None:
    from ui.areas import prompt

    assert prompt.warning_for("a fox") == "" and prompt.warning_for(None) == ""
    assert "only the first 512" in prompt.warning_for("word " * 600)


def test_unexpected_failure_is_a_short_sentence(caplog) -> None:
    class Broken:
        def unavailable_reason(self) -> None:
            return None

        def submit(self, *args: object, **kwargs: object) -> list[Job]:
            raise RuntimeError("disk on fire")

    message, seed, queued = generate.generate(Broken(), "a fox", "832x480", 81, 1, True, 1, "auto")  # type: ignore[arg-type]
    assert message == ("⚠️ Something went wrong while adding the job (RuntimeError). "
                       "The log file has the details.")
    assert seed == {"__type__": "update"} and queued == () and "disk on fire" in caplog.text


def test_cancel_is_on_only_for_whoever_may_cancel_the_running_job(paths: Paths) -> None:
    gate = threading.Event()
    studio = Studio(paths, CpuTestEngine(gate=gate), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    maker, other = Viewer("guest", "maker"), Viewer("guest", "someone-else")
    try:
        def cancel_on(viewer: Viewer) -> bool:
            return bool(generate.status(studio, viewer=viewer)[3]["interactive"])

        assert not any(cancel_on(v) for v in (Viewer("owner"), maker, other))  # nothing runs
        (held,) = studio.submit("a guest's fox", seed=1, width=256, height=256, frames=5, viewer=maker)
        studio.wait_for_job(held.id, ("running",), 30)
        assert cancel_on(Viewer("owner")) and cancel_on(maker) and not cancel_on(other)
        gate.set()
        studio.wait_for_job(held.id, ("done",), 60)
        assert not any(cancel_on(v) for v in (Viewer("owner"), maker, other))
    finally:
        gate.set()
        studio.stop()
