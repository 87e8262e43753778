"""The Models, System and VRAM gauge areas through gradio_client, and the page built twice.

Uses a fake Hub, a fake doctor and injected GPU readings.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from backend.checks import Check
from backend.gpu import GpuReading
from backend.models import check_weights
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.fake_hub import FakeHub, write_set
from tests.support.ui_app import eventually, running_app
from ui.context import UiContext
from ui.layout import build

pytestmark = pytest.mark.slow  # each test serves or builds the whole page

T5 = "distill_fp8/models_t5_umt5-xxl-enc-fp8.pth"


def test_models_area_checks_chooses_and_downloads(paths: Paths, tmp_path: Path, monkeypatch) -> None:
    with FakeHub(hold_after={T5: 8_000}) as hub:  # the download stands still in T5 until the test releases it
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with running_app(paths, gpu=FakeGpu()) as app:  # capability 8.9: the FP8 set by default
            client = app.client()
            missing = tmp_path / "nowhere"
            message, folder, status = client.predict(str(missing), "fp8", False, api_name="/use_weights_folder")
            assert "does not exist" in message and app.studio.settings.weights_dir == ""
            message, _, _ = client.predict("relative/path", "fp8", False, api_name="/use_weights_folder")
            assert "full path" in message

            ready = tmp_path / "ready"
            write_set(ready, hub.files, "int8")  # copied there by hand: no manifest of ours
            message, folder, status = client.predict(str(ready), "int8", False, api_name="/use_weights_folder")
            assert "not made by Wan Studio" in message and "tick the confirmation" in message
            assert app.studio.settings.weights_dir == ""
            message, folder, status = client.predict(str(ready), "int8", True, api_name="/use_weights_folder")
            assert folder == str(ready) and app.studio.settings.weights_dir == str(ready)
            assert status.startswith("✅") and "INT8" in status
            message, folder, status = client.predict(str(ready), "fp8", True, api_name="/use_weights_folder")
            assert status.startswith("⚠️") and "missing" in status

            target = tmp_path / "download"
            target.mkdir()
            client.predict(str(target), "fp8", False, api_name="/use_weights_folder")
            assert "Download started" in client.predict("fp8", "", api_name="/download_weights")
            assert "The FP8 set is already downloading." in client.predict("fp8", "", api_name="/download_weights")

            assert hub.held.wait(60), "the download never reached T5"

            def midway() -> str | None:  # the page catches up with the held download
                html = client.predict("fp8", api_name="/download_view")[0]
                return html if "downloading" in html and T5 in html else None

            html = eventually(midway, timeout=60)
            assert " of " in html and "files ready" in html and "left" in html
            assert "Cancelling" in client.predict(api_name="/cancel_download")
            hub.release.set()  # the next bytes arrive and the download stops there
            cancelled = eventually(lambda: (h := client.predict("fp8", api_name="/download_view")[0])
                                   and "cancelled" in h and h, timeout=60)
            assert "resumes" in cancelled

            client.predict("fp8", "", api_name="/download_weights")
            final = eventually(lambda: (r := client.predict("fp8", api_name="/download_view")) and
                               "wan-download-done" in r[0] and r, timeout=60)
            assert final[1].startswith("✅") and check_weights(target, "fp8").complete


def test_system_area_runs_the_doctor_in_the_background(paths: Paths, monkeypatch) -> None:
    release = threading.Event()
    asked: list[str] = []

    def slow_gather(**readings: object) -> str:
        asked.append(getattr(readings["preset"], "name", ""))
        release.wait(10)
        return "environment"

    checks = [Check("GPU", "ok", "NVIDIA GeForce RTX 4070, 12 GB"),
              Check("torch", "fail", "torch 2.5 has no kernels for sm_120", "pip install torch --index-url X"),
              Check("Weights", "warn", "2 files missing", "Open the Models tab")]
    monkeypatch.setattr("backend.doctor.gather", slow_gather)
    monkeypatch.setattr("backend.studio_desk.run_checks", lambda env: checks if env == "environment" else [])
    with running_app(paths) as app:
        client = app.client()
        assert "Checking" in client.predict("12gb", api_name="/run_doctor")  # returned while the checks wait
        assert "already running" in client.predict("12gb", api_name="/run_doctor")
        status, lines, report = client.predict(api_name="/doctor_view")
        assert "Checking" in status and lines == "" and asked == ["12gb"]
        release.set()
        status, lines, report = eventually(lambda: (r := client.predict(api_name="/doctor_view"))
                                           and "Checking" not in r[0] and r, timeout=10)
        assert status.startswith("❌ Not ready: fix the failed lines, top first, then run the doctor again.")
        assert "❌ <b>torch</b>" in lines and "Fix: pip install torch --index-url X" in lines
        assert "✅ <b>GPU</b>" in lines and "Fix:" not in lines.split("<b>GPU</b>")[1].split("</li>")[0]
        assert "[FAIL] torch: torch 2.5 has no kernels for sm_120" in report and "fix: pip install torch" in report
        # a second tab sees the same finished run
        assert app.client().predict(api_name="/doctor_view")[0] == status


def test_doctor_crash_is_one_sentence(paths: Paths, monkeypatch) -> None:
    def broken(**readings: object) -> str:
        raise RuntimeError("probe exploded")

    monkeypatch.setattr("backend.doctor.gather", broken)
    with running_app(paths) as app:
        client = app.client()
        client.predict("auto", api_name="/run_doctor")
        status = eventually(lambda: (s := client.predict(api_name="/doctor_view")[0]) and "Checking" not in s and s)
        assert "Something went wrong while running the doctor (RuntimeError)" in status
        assert "Traceback" not in status


def test_gauge_without_a_gpu_says_so_and_generation_still_queues(paths: Paths) -> None:
    with running_app(paths, gpu=FakeGpu(total_mib=None)) as app:
        client = app.client()
        gauge = client.predict(api_name="/gauge")
        assert "No GPU reading" in gauge and "No NVIDIA GPU found (test)" in gauge
        assert "still work" in gauge
        message, _ = client.predict("a fox", "832x480", 5, 0, False, 1, "auto", api_name="/generate")
        assert "Queued 1 clip" in message


class TimedGpu(FakeGpu):
    """FakeGpu with real sample times, as NVML readings have, so 'peak since the job started' works."""

    def read(self) -> GpuReading:
        return replace(super().read(), at=time.time())


def test_gauge_shows_the_running_jobs_peak(paths: Paths) -> None:
    gpu = TimedGpu()
    gate = threading.Event()
    with running_app(paths, CpuTestEngine(gate=gate), gpu=gpu) as app:
        (job,) = app.studio.submit("peak", 832, 480, 5, 1, "auto")
        app.studio.wait_for_job(job.id, ("running",), 10)
        app.studio.monitor.sample()
        gpu.used_mib = 11_500.0
        app.studio.monitor.sample()
        gauge = app.client().predict(api_name="/gauge")
        assert "11,500 / 12,282 MiB" in gauge and "(94%)" in gauge and "wan-vram-high" in gauge
        assert "peak this job: 900 MiB" in gauge  # this process's memory, as NVML reports it
        assert "NVIDIA GeForce RTX 4070" in gauge and "<polyline" in gauge


def test_page_builds_twice_in_one_process(paths: Paths, tmp_path: Path) -> None:
    other = Paths.default(tmp_path / "other")
    studios = [Studio(p, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False) for p in (paths, other)]
    contexts = [UiContext(s) for s in studios]
    pages = [build(ctx) for ctx in contexts]
    assert pages[0] is not pages[1]
    assert contexts[0].widget("prompt") is not contexts[1].widget("prompt")
    assert contexts[0].widget("prompt") in pages[0].blocks.values()
    assert contexts[0].widget("prompt") not in pages[1].blocks.values()
