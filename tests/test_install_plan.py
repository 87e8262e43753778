"""backend.install_plan: the driver -> PyTorch CUDA build table, the install stamp, the torch swap, and the
KEY=VALUE lines the launch scripts read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend import install_plan
from backend.engine.dist import PINNED_ARCHIVE
from backend.install_plan import installed_torch_cuda, parse_driver, plan, torch_build_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("driver", "system", "tag", "compat"), [
    ("610.43.02", "Linux", "cu130", False),
    ("580.95.05", "Linux", "cu130", False),
    ("580.65.06", "Linux", "cu130", False),   # CUDA 13.0 GA's Linux minimum
    ("580.65.05", "Linux", "cu128", False),
    ("580.88", "Windows", "cu130", False),
    ("576.02", "Windows", "cu128", False),
    ("575.51.03", "Linux", "cu128", False),
    ("570.26", "Linux", "cu128", False),      # CUDA 12.8 GA: the first build for RTX 50 (sm_120)
    ("570.65", "Windows", "cu128", False),
    ("570.64", "Windows", "cu126", False),
    ("566.36", "Windows", "cu126", False),
    ("560.28.03", "Linux", "cu126", False),   # CUDA 12.6 GA
    ("560.76", "Windows", "cu126", False),
    ("560.70", "Windows", "cu126", True),     # older than 12.6's Windows minimum: minor-version compatibility
    ("555.85", "Windows", "cu126", True),
    ("550.54.14", "Linux", "cu126", True),    # CUDA 12.4's driver runs 12.6 builds the same way
    ("535.183.01", "Linux", "cu126", True),
    ("525.60.13", "Linux", "cu126", True),    # the CUDA 12.x minor-version compatibility floor
    ("528.33", "Windows", "cu126", True),
])
def test_torch_build_for_each_driver(driver: str, system: str, tag: str, compat: bool) -> None:
    choice = torch_build_for(driver, system)
    assert choice is not None and (choice.build.tag, choice.compat) == (tag, compat)
    assert choice.build.index_url == f"https://download.pytorch.org/whl/{tag}"


@pytest.mark.parametrize(("driver", "system"), [
    ("525.60.12", "Linux"), ("528.24", "Windows"), ("470.256.02", "Linux"), ("", "Linux"), ("N/A", "Windows"),
    ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", "Linux"),
])
def test_no_build_for_a_missing_or_too_old_driver(driver: str, system: str) -> None:
    assert torch_build_for(driver, system) is None


def test_parse_driver() -> None:
    assert parse_driver(" 575.51.03 ") == (575, 51, 3)
    assert parse_driver("580.88") == (580, 88)
    assert parse_driver("580") is None and parse_driver("5.8.0.1") is None


def write_torch(venv: Path, text: str, windows: bool = True) -> None:
    site = venv / ("Lib/site-packages" if windows else "lib/python3.12/site-packages")
    (site / "torch").mkdir(parents=True, exist_ok=True)
    (site / "torch" / "version.py").write_text(text, encoding="utf-8")


def test_installed_torch_cuda_reads_version_py_without_importing_torch(tmp_path: Path) -> None:
    assert installed_torch_cuda(tmp_path) is None
    write_torch(tmp_path, "from typing import Optional\n__version__ = '2.11.0+cu128'\ncuda: Optional[str] = '12.8'\n")
    assert installed_torch_cuda(tmp_path) == "cu128"
    write_torch(tmp_path, "__version__ = '2.11.0+cpu'\ncuda = None\n")
    assert installed_torch_cuda(tmp_path) == "cpu"
    linux = tmp_path / "linux"
    write_torch(linux, '__version__ = "2.15.0"\ncuda = "13.0"\n', windows=False)
    assert installed_torch_cuda(linux) == "cu130"


def copy_requirements(root: Path) -> None:
    for name in install_plan.REQUIREMENT_FILES:
        (root / name).write_bytes((ROOT / name).read_bytes())


def test_the_stamp_changes_with_the_requirements_the_torch_pins_and_the_cuda_level_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_requirements(tmp_path)
    first = plan(tmp_path, "575.51.03", "Linux")
    assert first.stamp.startswith(".installed-") and first.stamp.endswith("-cu128")
    assert plan(tmp_path, "575.64.05", "Linux").stamp == first.stamp, "same CUDA level, same install"
    assert plan(tmp_path, "580.95.05", "Linux").stamp.endswith("-cu130")
    assert plan(tmp_path, "", "Linux").stamp.endswith("-nogpu")
    crlf = (tmp_path / "requirements.txt").read_bytes().replace(b"\n", b"\r\n")
    (tmp_path / "requirements.txt").write_bytes(crlf)
    assert plan(tmp_path, "575.51.03", "Linux").stamp == first.stamp, "line endings do not matter"
    with (tmp_path / "requirements-lightx2v.txt").open("a", encoding="utf-8") as extra:
        extra.write("einops>=0.8\n")
    changed = plan(tmp_path, "575.51.03", "Linux").stamp
    assert changed != first.stamp
    family = {(2, 11): (("torch", "2.11.1"), ("torchvision", "0.26.1"), ("torchaudio", "2.11.1"))}
    monkeypatch.setattr(install_plan, "TORCH_FAMILY", family)
    assert plan(tmp_path, "575.51.03", "Linux").stamp not in (changed, first.stamp), "new torch pins: install again"


def test_a_torch_built_for_another_cuda_is_swapped(tmp_path: Path) -> None:
    copy_requirements(tmp_path)
    assert not plan(tmp_path, "580.95.05", "Windows").swap_torch, "nothing installed yet"
    write_torch(tmp_path / ".venv", "cuda = '12.8'\n")
    assert not plan(tmp_path, "575.51.03", "Windows").swap_torch
    assert plan(tmp_path, "580.95.05", "Windows").swap_torch
    assert not plan(tmp_path, "", "Windows").swap_torch, "without a GPU torch is left alone"
    write_torch(tmp_path / ".venv", "cuda = None\n")
    assert plan(tmp_path, "575.51.03", "Windows").swap_torch, "a CPU build is replaced by a CUDA one"


@pytest.mark.parametrize(("driver", "note"), [
    ("580.95.05", "NVIDIA driver 580.95.05: installing PyTorch built for CUDA 13.0."),
    ("575.51.03", "NVIDIA driver 575.51.03: installing PyTorch built for CUDA 12.8; a 580+ driver gets CUDA 13.0 "
                  "builds."),
    ("550.120", "NVIDIA driver 550.120: installing PyTorch built for CUDA 12.6, which this driver runs through CUDA "
                "minor-version compatibility; a 580+ driver gets CUDA 13.0 builds."),
    ("", "No NVIDIA GPU found (nvidia-smi reports no driver): PyTorch and the LightX2V engine are skipped; the "
         "page, gallery, downloads and doctor work without them."),
    ("470.256.02", "NVIDIA driver 470.256.02 is too old for any PyTorch CUDA 12 build (needs 525 or newer, 580 for "
                   "the newest): PyTorch and the LightX2V engine are skipped. Update the driver from "
                   "https://www.nvidia.com/Download/index.aspx and launch again."),
])
def test_one_line_says_what_is_installed_and_why(tmp_path: Path, driver: str, note: str) -> None:
    assert plan(tmp_path, driver, "Linux").note == note


def test_the_lines_are_safe_for_cmd_and_bash(tmp_path: Path) -> None:
    copy_requirements(tmp_path)
    for driver in ("580.95.05", "575.51.03", "550.120", "", "470.256.02"):
        lines = plan(tmp_path, driver, "Windows").lines()
        assert [line.split("=", 1)[0] for line in lines] == ["GPU", "TORCH_INDEX", "TORCH_PACKAGES", "ENGINE_URL",
                                                               "STAMP", "SWAP_TORCH", "NOTE"]
        for line in lines:
            assert not set(line) & set("\"%!&<>|^`$*?[\r\n"), line
        assert "TORCH_PACKAGES=torch~=2.11.0 torchvision~=0.26.0 torchaudio~=2.11.0" in lines
    assert f"ENGINE_URL={PINNED_ARCHIVE}" in plan(tmp_path, "", "Linux").lines()


def test_the_module_runs_with_the_standard_library_alone(tmp_path: Path) -> None:
    """As the launch scripts run it: in a fresh .venv, before anything is installed (-S: no site-packages)."""
    copy_requirements(tmp_path)
    done = subprocess.run([sys.executable, "-S", "-m", "backend.install_plan", "--driver", "575.51.03",
                           "--root", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.splitlines() == plan(tmp_path, "575.51.03").lines()
    assert done.stderr == ""


def test_the_readme_requirement_tables_give_the_plans_driver_numbers() -> None:
    """README's requirement table (and the Chinese one) name each build's driver as the table here does."""
    wanted = {build.cuda: build.linux_driver[0] for build in install_plan.BUILDS}
    assert all(build.windows_driver[0] == build.linux_driver[0] for build in install_plan.BUILDS)
    compat = install_plan.CUDA12_COMPAT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| software |")]
    assert dict((cuda, int(driver)) for cuda, driver in re.findall(r"CUDA (\d+\.\d)[^,]*? from (?:driver )?(\d+)",
                                                                     row)) == wanted
    assert f"from {compat.linux_driver[0]} the {compat.cuda} build through CUDA's minor-version compatibility" in row
    newest, rtx50 = install_plan.BUILDS[0], next(b for b in install_plan.BUILDS if b.tag == "cu128")
    assert (f"NVIDIA driver {newest.linux_driver[0]}+ recommended, {rtx50.linux_driver[0]}+ for RTX 50, "
            f"{compat.linux_driver[0]}+ at least") in row
    chinese = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    (row,) = [line for line in chinese.splitlines() if line.startswith("| 软件 |")]
    assert {cuda: int(driver) for driver, cuda in re.findall(r"(\d+) 起用 CUDA (\d+\.\d)", row)} == wanted
    assert f"最低 {compat.linux_driver[0]}+" in row
