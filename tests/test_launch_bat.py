"""launch.bat, run for real by Wine's cmd in a folder with a hard name, with stub programs on PATH (the py
launcher, python, nvidia-smi and the venv's python.exe) that log their arguments and answer as told.

One Wine prefix serves the whole session (wineboot takes ~10-20 s); every scenario has its own app folder.
tests/run.sh installs Debian's wine; without it these tests are skipped, loudly, except in CI, where a
missing Wine is an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from backend.install_plan import plan
from tests.support.launch_sandbox import (
    CORE_INSTALLS,
    TORCH_UNINSTALL,
    BatSandbox,
    Launch,
    Machine,
    gpu_installs,
    start_wine,
    stop_wine,
    windows_path,
)

# Each launch under Wine takes a few seconds (tests/run.sh still runs them); with pytest-xdist they all run on
# one worker, so one Wine prefix serves them all.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wine")]
ROOT = Path(__file__).resolve().parent.parent
FOLDER = "Jo!e & Ann's (x86) Wän^Studio"
"""Spaces, an exclamation mark, an ampersand, an apostrophe, parentheses, a caret and a non-ASCII letter."""
NO_GPU = Machine(driver="")


def wine_version() -> str:
    found = subprocess.run(["wine", "--version"], capture_output=True, text=True, check=False, timeout=60)
    return found.stdout.strip()


@pytest.fixture(scope="session")
def wine_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if shutil.which("wine") is None or shutil.which("wineboot") is None:
        reason = ("WINE IS NOT INSTALLED: launch.bat cannot be run here, so its tests are skipped. "
                  "tests/run.sh installs it (apt-get install wine wine64).")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    env = start_wine(tmp_path_factory.mktemp("wine") / "prefix")
    yield env
    stop_wine(env)


@pytest.fixture
def bat(tmp_path: Path, wine_env: dict[str, str]) -> BatSandbox:
    return BatSandbox(tmp_path, FOLDER, wine_env)


def started_app(launch: Launch, *args: str) -> None:
    assert launch.app_args() == args, launch.output
    assert "Running on local URL" in launch.output


# ---- what the repository holds ---------------------------------------------------------------------
def test_launch_bat_is_checked_out_with_crlf_line_endings() -> None:
    data = (ROOT / "launch.bat").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 50, "launch.bat must have CRLF endings (see .gitattributes)"
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8").split("\n")
    assert "*.bat text eol=crlf" in attributes and "*.sh text eol=lf" in attributes
    assert b"\r" not in (ROOT / "launch.sh").read_bytes()
    assert b"EnableDelayedExpansion" not in data and all(byte < 128 for byte in data)


# ---- installing ------------------------------------------------------------------------------------
def test_launch_bat_first_run_with_gpu_installs_torch_for_the_driver_and_the_engine(bat: BatSandbox) -> None:
    launch = bat.run(Machine(driver="575.51.03"), "--port 7861")
    assert launch.exit == 0, launch.output
    made = [c for c in launch.calls if c.program == "py"]
    assert [c.args[1:3] for c in made] == [("-c", made[0].args[2]), ("-m", "venv")]
    assert {c.cwd for c in launch.calls} == {windows_path(bat.app)}, "everything runs in the app folder"
    assert launch.installs() == gpu_installs("cu128")
    assert "NVIDIA driver 575.51.03: installing PyTorch built for CUDA 12.8" in launch.output
    started_app(launch, "--port", "7861")
    assert bat.stamps() == [plan(bat.app, "575.51.03", "Windows").stamp]
    assert not (bat.caller / ".venv").exists()


def test_launch_bat_first_run_without_gpu_installs_neither_torch_nor_the_engine(bat: BatSandbox) -> None:
    launch = bat.run(replace(NO_GPU, python="python"))  # no py launcher: python from PATH
    assert launch.exit == 0, launch.output
    assert [c.args[:2] for c in launch.calls if c.program == "python"] == [("-c", launch.calls[0].args[1]),
                                                                          ("-m", "venv")]
    assert launch.installs() == CORE_INSTALLS
    skipped = [line for line in launch.output.splitlines() if "engine are skipped" in line]
    assert skipped == ["No NVIDIA GPU found (nvidia-smi reports no driver): PyTorch and the LightX2V engine are "
                       "skipped; the page, gallery, downloads and doctor work without them."]
    started_app(launch)
    assert bat.stamps() == [plan(bat.app, "", "Windows").stamp] and bat.stamps()[0].endswith("-nogpu")


def test_launch_bat_second_run_installs_nothing_until_the_requirements_or_the_driver_level_change(
        bat: BatSandbox) -> None:
    bat.run(Machine(driver="575.51.03"))
    again = bat.run(Machine(driver="575.51.03"), "--no-browser")
    assert again.exit == 0, again.output
    assert again.installs() == [] and [c.program for c in again.calls if c.program in ("py", "python")] == []
    started_app(again, "--no-browser")
    with (bat.app / "requirements-core.txt").open("a", encoding="utf-8") as extra:
        extra.write("rich>=13\n")
    changed = bat.run(Machine(driver="575.51.03"))
    assert changed.installs() == gpu_installs("cu128"), changed.output
    newer_driver = bat.run(Machine(driver="580.95.05"))  # CUDA 13.0 builds now: the cu128 torch is replaced
    installs = gpu_installs("cu130")
    assert newer_driver.installs() == [*installs[:2], TORCH_UNINSTALL, *installs[2:]], newer_driver.output
    assert bat.stamps() == [plan(bat.app, "580.95.05", "Windows").stamp]
    started_app(newer_driver)


def test_launch_bat_failing_torch_install_warns_and_starts_the_app(bat: BatSandbox) -> None:
    launch = bat.run(Machine(fail=frozenset({"torch"})))
    assert launch.exit == 0, launch.output
    assert launch.installs() == gpu_installs("cu128")[:3], "nothing that needs torch is tried after it failed"
    assert "WARNING: PyTorch or the LightX2V engine could not be installed" in launch.output
    started_app(launch)
    assert bat.stamps() == [], "the next launch tries again"


def test_launch_bat_failing_engine_install_warns_and_starts_the_app(bat: BatSandbox) -> None:
    launch = bat.run(Machine(fail=frozenset({"engine"})))
    assert launch.exit == 0, launch.output
    assert launch.installs() == gpu_installs("cu128")[:4]
    assert "WARNING: PyTorch or the LightX2V engine could not be installed" in launch.output
    started_app(launch)
    assert bat.stamps() == []


def test_launch_bat_failing_core_install_pauses_with_the_reason(bat: BatSandbox) -> None:
    launch = bat.run(replace(NO_GPU, fail=frozenset({"core"})))
    assert launch.exit == 1
    assert launch.installs() == CORE_INSTALLS and launch.app_args() is None
    assert "Installing the app's packages failed (pip's message above says why)" in launch.output
    assert "Press any key" in launch.output
    assert bat.stamps() == []


def test_launch_bat_app_exiting_1_pauses_so_the_error_stays_readable(bat: BatSandbox) -> None:
    bat.finish_install(NO_GPU)
    launch = bat.run(replace(NO_GPU, fail=frozenset({"app"})))
    assert launch.exit == 1
    assert "Wan Studio stopped with exit code 1; the lines above say why." in launch.output
    assert "Press any key" in launch.output


# ---- finding Python --------------------------------------------------------------------------------
PYTHON_FIX = "Install Python 3.12 (64-bit) from https://www.python.org/downloads/windows/"


@pytest.mark.parametrize(("machine", "message"), [
    (Machine(python=""), "Python is not installed. " + PYTHON_FIX),
    (Machine(version=(3, 9)), "Python 3.9 is too old: Wan Studio needs Python 3.10 or newer. " + PYTHON_FIX),
    (Machine(bits=32), "Python 3.12 is 32-bit; PyTorch needs 64-bit Python. Install Python 3.12 "
                       "\"Windows installer (64-bit)\" from https://www.python.org/downloads/windows/"),
    (Machine(python="store"),
     "\"python\" is only the Microsoft Store shortcut, not an installed Python. " + PYTHON_FIX),
], ids=["no-python", "python-3.9", "python-32-bit", "store-alias"])
def test_launch_bat_refuses_an_unusable_python_with_one_line_and_the_fix(bat: BatSandbox, machine: Machine,
                                                                         message: str) -> None:
    launch = bat.run(machine)
    assert launch.exit == 1
    lines = [line for line in launch.output.splitlines() if line.strip() and "Press any key" not in line]
    assert len(lines) == 1 and lines[0].startswith(message), launch.output
    assert "then run launch.bat again" in lines[0]
    assert not (bat.app / ".venv").exists() and launch.installs() == []
    if machine.python == "store":
        assert "or turn the shortcut off under Settings > Apps > Advanced app settings > App execution aliases" \
            in lines[0]


# ---- folders and arguments -------------------------------------------------------------------------
def test_launch_bat_passes_a_password_with_bang_caret_and_ampersand_unchanged(bat: BatSandbox) -> None:
    bat.finish_install(NO_GPU)
    launch = bat.run(NO_GPU, '--auth "me:Pa!ss^&x(1)" --listen')
    assert launch.exit == 0 and launch.installs() == [], launch.output
    started_app(launch, "--auth", "me:Pa!ss^&x(1)", "--listen")


WINE8 = wine_version().startswith("wine-8") if shutil.which("wine") else False
WINE8_PERCENT = ("Wine 8's cmd scans the text of an expanded %*, %1..%9 or %~dp0 again for % signs (its "
                 "handleExpansion does not step past the inserted text; later Wine and cmd.exe do), so a % there is "
                 "eaten. Every way for a batch file to read its arguments or its own path goes through that expansion.")
PERCENT_PASSWORD = "me:Pa!ss%word%^&x(1)"


@pytest.mark.xfail(WINE8, strict=True, reason=WINE8_PERCENT)
def test_launch_bat_passes_a_password_with_a_percent_sign_unchanged(bat: BatSandbox) -> None:
    """cmd.exe expands %* once, left to right, and never scans the inserted text again: the % reaches app.py."""
    bat.finish_install(NO_GPU)
    launch = bat.run(NO_GPU, '--auth "me:Pa!ss%%word^&x"')  # %% in the calling .cmd file: one % reaches launch.bat
    started_app(launch, "--auth", "me:Pa!ss%word^&x")


def test_launch_bat_hands_a_password_with_a_percent_sign_to_the_app_through_wan_studio_auth(bat: BatSandbox) -> None:
    """The way round Wine 8 (and the way to keep a password off the command line): app.py reads --auth from
    WAN_STUDIO_AUTH, which launch.bat leaves alone."""
    bat.finish_install(NO_GPU)
    launch = bat.run(NO_GPU, "--listen", environ={"WAN_STUDIO_AUTH": PERCENT_PASSWORD})
    assert launch.exit == 0, launch.output
    started_app(launch, "--listen")
    assert launch.app_auth == PERCENT_PASSWORD


@pytest.mark.xfail(WINE8, strict=True, reason=WINE8_PERCENT)
def test_launch_bat_runs_from_a_folder_with_a_percent_sign(tmp_path: Path, wine_env: dict[str, str]) -> None:
    bat = BatSandbox(tmp_path, "Wan Studio 100%", wine_env)
    launch = bat.run(NO_GPU, bat_path='"..\\Wan Studio 100%%\\launch.bat"')
    assert launch.exit == 0, launch.output
    started_app(launch)


def test_launch_bat_stops_when_it_cannot_enter_its_folder(tmp_path: Path, wine_env: dict[str, str]) -> None:
    """A folder whose path is longer than a current folder may be (MAX_PATH, 260 characters, for cmd.exe and
    Wine's cmd alike; a ZIP unpacked deep under Downloads): cd fails. Then one message, a pause, and no .venv
    made anywhere else; the script carrying on would find Python and make .venv in the caller's folder."""
    folder = "/".join(["Wan Studio unpacked from the download"] * 7)
    bat = BatSandbox(tmp_path, folder, wine_env)
    assert len(windows_path(bat.app)) > 260
    launch = bat.run(Machine())
    assert launch.exit == 1, launch.output
    assert "Cannot enter the folder that holds launch.bat" in launch.output and "Press any key" in launch.output
    assert "Copy the Wan Studio folder to a local drive" in launch.output
    assert launch.calls == [] and not (bat.caller / ".venv").exists() and not (bat.app / ".venv").exists()
