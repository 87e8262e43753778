"""launch.sh, run for real by bash in a folder with a hard name, with stub programs on PATH (python3,
nvidia-smi and the venv's python) that log their arguments and answer as told; the venv's python runs the
real backend.install_plan. PATH holds nothing else, so no real Python or pip can be reached.
(The Microsoft Store shortcut of the launch.bat tests has no Linux counterpart.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backend.install_plan import plan
from tests.support.launch_sandbox import CORE_INSTALLS, TORCH_UNINSTALL, Launch, Machine, ShSandbox, gpu_installs

pytestmark = pytest.mark.slow  # each test runs launch.sh (and its stub programs) as processes
FOLDER = "Jo!e & Ann's (x86) 100% Wän^Studio $HOME `x`"
"""Spaces, ! & ' ( ) % ^ $ and backquotes, and a non-ASCII letter."""
NO_GPU = Machine(driver="")
PASSWORD = "me:Pa!ss%word^&x $HOME `id` \"q\" 'q'"


@pytest.fixture
def sh(tmp_path: Path) -> ShSandbox:
    return ShSandbox(tmp_path, FOLDER)


def started_app(launch: Launch, *args: str) -> None:
    assert launch.app_args() == args, launch.output
    assert "Running on local URL" in launch.output


# ---- installing ------------------------------------------------------------------------------------
def test_launch_sh_first_run_with_gpu_installs_torch_for_the_driver_and_the_engine(sh: ShSandbox) -> None:
    launch = sh.run(Machine(driver="575.51.03"), ["--port", "7861"])
    assert launch.exit == 0, launch.output
    assert [c.args[0] for c in launch.calls if c.program == "python3"] == ["-c", "-m"]
    assert {c.cwd for c in launch.calls} == {str(sh.app)}, "everything runs in the app folder"
    assert launch.installs() == gpu_installs("cu128")
    assert "NVIDIA driver 575.51.03: installing PyTorch built for CUDA 12.8" in launch.output
    started_app(launch, "--port", "7861")
    assert sh.stamps() == [plan(sh.app, "575.51.03", "Linux").stamp]
    assert not (sh.caller / ".venv").exists()


def test_launch_sh_first_run_without_gpu_installs_neither_torch_nor_the_engine(sh: ShSandbox) -> None:
    launch = sh.run(NO_GPU)
    assert launch.exit == 0, launch.output
    assert launch.installs() == CORE_INSTALLS
    skipped = [line for line in launch.output.splitlines() if "engine are skipped" in line]
    assert skipped == ["No NVIDIA GPU found (nvidia-smi reports no driver): PyTorch and the LightX2V engine are "
                       "skipped; the page, gallery, downloads and doctor work without them."]
    started_app(launch)
    assert sh.stamps() == [plan(sh.app, "", "Linux").stamp] and sh.stamps()[0].endswith("-nogpu")


def test_launch_sh_second_run_installs_nothing(sh: ShSandbox) -> None:
    sh.run(Machine())
    again = sh.run(Machine(), ["--no-browser"])
    assert again.exit == 0, again.output
    assert again.installs() == [] and [c for c in again.calls if c.program == "python3"] == []
    started_app(again, "--no-browser")


def test_launch_sh_installs_again_when_the_requirements_or_the_driver_level_change(sh: ShSandbox) -> None:
    sh.run(Machine(driver="575.51.03"))
    with (sh.app / "requirements-core.txt").open("a", encoding="utf-8") as extra:
        extra.write("rich>=13\n")
    changed = sh.run(Machine(driver="575.51.03"))
    assert changed.installs() == gpu_installs("cu128"), changed.output
    newer_driver = sh.run(Machine(driver="580.95.05"))
    installs = gpu_installs("cu130")
    assert newer_driver.installs() == [*installs[:2], TORCH_UNINSTALL, *installs[2:]], newer_driver.output
    assert sh.stamps() == [plan(sh.app, "580.95.05", "Linux").stamp]
    older_driver = sh.run(Machine(driver="550.120"))  # back to CUDA 12.6 builds (minor-version compatibility)
    assert older_driver.installs()[2:4] == [TORCH_UNINSTALL, gpu_installs("cu126")[2]]
    assert "through CUDA minor-version compatibility" in older_driver.output


def test_launch_sh_failing_torch_install_warns_and_starts_the_app(sh: ShSandbox) -> None:
    launch = sh.run(Machine(fail=frozenset({"torch"})))
    assert launch.exit == 0, launch.output
    assert launch.installs() == gpu_installs("cu128")[:3], "nothing that needs torch is tried after it failed"
    assert "WARNING: PyTorch or the LightX2V engine could not be installed" in launch.output
    started_app(launch)
    assert sh.stamps() == []
    retry = sh.run(Machine())
    assert retry.installs() == gpu_installs("cu128") and sh.stamps() != [], "the next launch tries again"


def test_launch_sh_failing_engine_install_warns_and_starts_the_app(sh: ShSandbox) -> None:
    launch = sh.run(Machine(fail=frozenset({"engine"})))
    assert launch.exit == 0, launch.output
    assert launch.installs() == gpu_installs("cu128")[:4]
    assert "WARNING: PyTorch or the LightX2V engine could not be installed" in launch.output
    started_app(launch)
    assert sh.stamps() == []


def test_launch_sh_failing_core_install_exits_with_the_reason(sh: ShSandbox) -> None:
    launch = sh.run(replace(NO_GPU, fail=frozenset({"core"})))
    assert launch.exit == 1
    assert launch.installs() == CORE_INSTALLS and launch.app_args() is None
    assert "Installing the app's packages failed (pip's message above says why)" in launch.output
    assert sh.stamps() == []


def test_launch_sh_app_exiting_1_exits_1(sh: ShSandbox) -> None:
    launch = sh.run(replace(NO_GPU, fail=frozenset({"app"})))
    assert launch.exit == 1
    started_app(launch)


# ---- finding Python --------------------------------------------------------------------------------
@pytest.mark.parametrize(("machine", "message"), [
    (Machine(python=""), "Python is not installed. Install Python 3.10 or newer (Debian/Ubuntu: sudo apt install "
                         "python3 python3-venv), then run ./launch.sh again."),
    (Machine(version=(3, 9)), "Python 3.9 is too old: Wan Studio needs Python 3.10 or newer. Install one "
                              "(Debian/Ubuntu: sudo apt install python3.12 python3.12-venv) and run: "
                              "PYTHON=python3.12 ./launch.sh"),
    (Machine(bits=32), "Python 3.12 is 32-bit; PyTorch needs a 64-bit Python. Install a 64-bit Python 3.10 or "
                       "newer and run: PYTHON=/path/to/python3 ./launch.sh"),
], ids=["no-python", "python-3.9", "python-32-bit"])
def test_launch_sh_refuses_an_unusable_python_with_one_line_and_the_fix(sh: ShSandbox, machine: Machine,
                                                                        message: str) -> None:
    launch = sh.run(machine)
    assert launch.exit == 1
    assert launch.output.strip().splitlines() == [message]
    assert not (sh.app / ".venv").exists() and launch.installs() == []


# ---- folders and arguments -------------------------------------------------------------------------
def test_launch_sh_passes_arguments_unchanged(sh: ShSandbox) -> None:
    launch = sh.run(NO_GPU, ["--auth", PASSWORD, "--home", "/data/Wän Studio/100%"])
    assert launch.exit == 0, launch.output
    started_app(launch, "--auth", PASSWORD, "--home", "/data/Wän Studio/100%")


def test_launch_sh_hands_wan_studio_auth_to_the_app_unchanged(sh: ShSandbox) -> None:
    launch = sh.run(NO_GPU, ["--listen"], environ={"WAN_STUDIO_AUTH": PASSWORD})
    assert launch.exit == 0, launch.output
    started_app(launch, "--listen")
    assert launch.app_auth == PASSWORD


def test_launch_sh_stops_when_it_cannot_enter_its_folder(sh: ShSandbox) -> None:
    gone = sh.caller / "moved away" / "launch.sh"  # started by a path whose folder no longer exists
    launch = sh.run(Machine(), argv0=str(gone))
    assert launch.exit == 1
    assert launch.output.strip() == (f"Cannot enter the folder that holds launch.sh ({gone.parent}). Run it from the "
                                     "Wan Studio folder: cd /path/to/WanStudio && ./launch.sh")
    assert launch.calls == [] and not (sh.caller / ".venv").exists()


def test_launch_sh_stops_when_it_cannot_work_out_what_to_install(sh: ShSandbox) -> None:
    (sh.app / "backend" / "install_plan.py").write_text("raise SystemExit('install_plan: broken on purpose')\n")
    launch = sh.run(Machine())
    assert launch.exit == 1 and launch.installs() == [] and launch.app_args() is None
    assert launch.output.strip().splitlines()[-1] == ("Could not work out what to install (the lines above say why). "
                                                      "Delete the .venv folder and run ./launch.sh again.")
    assert "install_plan: broken on purpose" in launch.output
