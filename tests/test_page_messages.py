"""Messages say what is true, once, in the app's words: the fit badge, the doctor, the gauge, the command line."""

from __future__ import annotations

import argparse
import io
import time
from dataclasses import replace

import gradio as gr
import pytest

import app
from backend.checks import run_checks
from backend.engine.dist import EngineDist
from backend.errors import BadRequest
from backend.gpu import GpuReading, no_gpu_reason
from backend.presets import has_bigger_preset, limit_problem, predict_fit
from backend.settings import Paths
from backend.studio import Studio
from backend.studio_desk import NO_GPU_FIT
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.test_doctor import make_env, with_torch
from ui import server


def test_fit_without_a_gpu_is_unknown(paths: Paths) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(total_mib=None), host_ram=64.0, preload=False)
    assert studio.predict_fit(studio.presets["12gb"], 832, 480, 49) == ("unknown", NO_GPU_FIT)
    fit, text = studio.predict_fit(studio.presets["8gb"], 1280, 720, 81)  # a preset's own limit holds anyway
    assert fit == "red" and "Above this preset's limit" in text


def test_biggest_preset_never_suggests_a_bigger_one(studio: Studio) -> None:
    biggest = max(studio.presets.values(), key=lambda p: p.vram_budget_gib)
    assert not has_bigger_preset(studio.presets, biggest)
    assert has_bigger_preset(studio.presets, studio.presets["8gb"])
    _, text = predict_fit(biggest, 1296, 720, 81, has_bigger=False)
    assert "bigger preset" not in text and "smaller size" in text
    assert "bigger preset" in predict_fit(studio.presets["8gb"], 1280, 720, 81)[1]
    refused = limit_problem(biggest, 832, 480, biggest.max_frames + 4, has_bigger=False)
    assert refused is not None and refused.user_text().endswith("Choose fewer frames.")
    with pytest.raises(BadRequest, match="allows at most") as raised:
        studio.submit("a fox", 832, 480, 121, 1, "8gb")
    assert "or a bigger preset" in raised.value.user_text()


def test_default_weights_folder_is_created_when_chosen(studio: Studio) -> None:
    default = studio.paths.weights_dir
    assert not default.exists()
    assert studio.use_weights_folder(str(default)) == default and default.is_dir()


def test_doctor_without_a_gpu_skips_what_it_cannot_check() -> None:
    env = make_env(gpu=GpuReading(ok=False, reason="No NVIDIA GPU found (the NVIDIA driver is not installed)."),
                   probe=with_torch(ok=False, error="ModuleNotFoundError: No module named 'torch'", cuda=None,
                                    cuda_available=False, capability=None, tiny_op_ok=None, arch_list=()))
    env = replace(env, engine_dist=EngineDist(False), probe=replace(env.probe, lightx2v=None))
    checks = {c.name: c for c in run_checks(env)}
    for name in ("Preset", "GPU probe", "PyTorch", "LightX2V install", "LightX2V import"):
        assert checks[name].status == "skip" and checks[name].detail, name
    assert "no NVIDIA GPU" in checks["Preset"].detail and "no NVIDIA GPU" in checks["GPU probe"].detail
    failures = [c.name for c in checks.values() if c.status == "fail" and c.name != "Weights"]
    assert failures == ["GPU"] and "nvidia-smi" in checks["GPU"].fix  # torch and the engine are not failed again
    assert "PyTorch is not needed" in checks["PyTorch"].detail


def test_a_machine_whose_torch_sees_the_gpu_still_checks_everything() -> None:
    checks = {c.name: c for c in run_checks(make_env(gpu=GpuReading(ok=False, reason="NVML broke")))}
    assert checks["Preset"].status == "ok" and checks["GPU probe"].status == "ok"


def test_gauge_says_no_nvidia_gpu_in_words() -> None:
    class NVMLError_LibraryNotFound(Exception):  # pynvml's own class name
        pass

    assert no_gpu_reason(NVMLError_LibraryNotFound("NVML Shared Library Not Found")) == (
        "No NVIDIA GPU found (the NVIDIA driver is not installed).")
    assert no_gpu_reason(ImportError("pynvml")) == "No NVIDIA GPU found (the NVIDIA library for Python is missing)."
    assert no_gpu_reason(RuntimeError("odd")) == "No NVIDIA GPU found."


def test_help_lists_the_serve_options(capsys) -> None:
    with pytest.raises(SystemExit):
        app.parse_args(["--help"])
    text = capsys.readouterr().out
    for option in ("--port", "--listen", "--share", "--auth", "--no-browser", "--no-preload"):
        assert option in text, option


def test_a_busy_port_is_one_line_in_the_apps_words() -> None:
    gradio_text = OSError("Cannot find empty port in range: 7860-7860. You can specify a different port by setting "
                          "the GRADIO_SERVER_PORT environment variable or passing the `server_port` parameter to "
                          "`launch()`.")
    line = server.port_problem(7860, gradio_text)
    assert "\n" not in line and "port 7860 is in use" in line and "GRADIO" not in line and "launch()" not in line


def test_share_without_internet_is_one_line(studio: Studio, monkeypatch, capsys) -> None:
    def offline_launch(self: gr.Blocks, *args: object, **kwargs: object) -> None:
        print("\nCould not create share link. Please check your internet connection or our status page.")
        self.local_url, self.server_port, self.share_url = "http://127.0.0.1:7861/", 7861, None

    monkeypatch.setattr(gr.Blocks, "launch", offline_launch)
    monkeypatch.setattr(server, "wait_until_stopped", lambda demo: None)
    monkeypatch.setattr(server, "drop_cross_site_headers", lambda demo: None)
    monkeypatch.setattr(gr.Blocks, "close", lambda self, verbose=False: None)
    args = argparse.Namespace(port=7861, listen=False, share=True, auth="me:long-enough-secret", no_browser=True,
                              no_preload=True)
    assert server.serve(studio, args) == 0
    captured = capsys.readouterr()
    said = (captured.out + captured.err).lower()
    assert said.count("public link") == 1 and "could not create share link" not in said


def test_stopping_says_stopped(paths: Paths, monkeypatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr(app, "make_studio", lambda p, preload=True, lock=None: Studio(
        p, CpuTestEngine(), gpu=FakeGpu(), preload=False, lock=lock))

    def interrupted(studio: Studio, args: argparse.Namespace, reserved: object = None) -> int:
        time.sleep(0.01)
        raise KeyboardInterrupt  # what SIGTERM (and Ctrl+C) become

    monkeypatch.setattr(server, "serve", interrupted)
    assert app.main(["--home", str(paths.data_dir.parent), "serve", "--no-browser"]) == 0
    assert out.getvalue().strip().endswith("Stopped.") and "Keyboard" not in out.getvalue()


def test_readme_names_the_real_place_of_each_setting() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer("Settings →", text)]
    assert starts and all(text[i - len("System tab → "):i] == "System tab → " for i in starts)
