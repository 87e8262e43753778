"""`python app.py generate`: the same worker path, a console progress bar, exit codes with reasons."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

import app
from backend.errors import NoGpu
from backend.gpu import NvmlSource
from backend.studio import Studio
from backend.video import probe
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine

ROOT = Path(__file__).resolve().parent.parent


def args(*extra: str):
    return app.parse_args(["generate", "--prompt", "a boat", "--width", "256", "--height", "256",
                           "--frames", "9", *extra])


def test_generate_success_copies_clip_and_draws_progress(paths, tmp_path: Path) -> None:
    studio = Studio(paths, CpuTestEngine(step_delay=0.3), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    out = io.StringIO()
    try:
        code = app.run_generate(studio, args("--seed", "12", "--out", str(tmp_path / "o" / "clip.mp4")), out)
    finally:
        studio.stop()
    text = out.getvalue()
    assert code == 0, text
    assert "seed 12" in text and "Step 2 of 4" in text and "100%" in text
    assert probe(tmp_path / "o" / "clip.mp4")["frames"] == 9


def test_generate_bad_input_exit_1_one_line(paths) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    out = io.StringIO()
    try:
        code = app.run_generate(studio, app.parse_args(["generate", "--prompt", "x", "--frames", "80"]), out)
    finally:
        studio.stop()
    assert code == 1 and out.getvalue().startswith("error: The frame count 80 is not allowed")
    assert out.getvalue().count("\n") == 1


def test_generate_engine_failure_exit_1(paths) -> None:
    from backend.errors import OutOfHostRam

    studio = Studio(paths, CpuTestEngine(fail_with=OutOfHostRam()), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    out = io.StringIO()
    try:
        code = app.run_generate(studio, args(), out)
    finally:
        studio.stop()
    assert code == 1 and "error: The computer ran out of system memory" in out.getvalue()


@pytest.mark.slow
def test_real_command_without_gpu_says_why(tmp_path: Path) -> None:
    """On a machine without an NVIDIA GPU (CI), the real command exits 1 with the reason in one line."""
    if NvmlSource().read().ok:
        pytest.skip("this machine has an NVIDIA GPU")
    proc = subprocess.run([sys.executable, "app.py", "--home", str(tmp_path), "generate", "--prompt", "x"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stdout == f"error: {NoGpu().user_text()}\n" and "Traceback" not in proc.stderr


def test_command_line_defaults_to_serve_and_passes_options_through() -> None:
    served = app.parse_args(["--no-browser", "--port", "7861", "--home", "/tmp/h"])
    assert (served.command, served.port, served.no_browser, str(served.home)) == ("serve", 7861, True, "/tmp/h")
    gen = app.parse_args(["--home", "/tmp/y", "generate", "--prompt", "serve"])
    assert (gen.command, gen.prompt, str(gen.home), gen.verbose) == ("generate", "serve", "/tmp/y", False)
    assert app.parse_args([]).command == "serve" and app.parse_args(["doctor"]).command == "doctor"
