"""One version table (backend/install_plan.py) for torch, torchvision, torchaudio and Triton: the launch
scripts install what it says (they take the packages from the plan's TORCH_PACKAGES line), the requirement
files pin the same releases, the doctor's fix commands name them (tests/test_doctor.py), and the README
says the same numbers."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement

from backend.install_plan import TORCH_FAMILY, TORCH_RELEASE, TRITON_FOR_TORCH, torch_requirements, triton_requirement

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT_FILES = ("requirements.txt", "requirements-core.txt", "requirements-lightx2v.txt")
PINNED = {"torch", "torchvision", "torchaudio", "triton", "triton-windows"}
VERSIONS = dict(TORCH_FAMILY[TORCH_RELEASE])
TORCH = ".".join(map(str, TORCH_RELEASE))
TRITON = f"3.{TRITON_FOR_TORCH[TORCH_RELEASE]}"


def short(version: str) -> str:
    return version.rsplit(".", 1)[0]


def pinned_lines() -> dict[str, Requirement]:
    """Every line of the requirement files that names a package of the table, by package name."""
    found: dict[str, Requirement] = {}
    for name in REQUIREMENT_FILES:
        for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            requirement = Requirement(line)
            if requirement.name in PINNED:
                assert requirement.name not in found, f"{requirement.name} is named twice"
                found[requirement.name] = requirement
    return found


def test_the_table_gives_one_spec_per_package() -> None:
    assert torch_requirements() == (f"torch~={VERSIONS['torch']}", f"torchvision~={VERSIONS['torchvision']}",
                                    f"torchaudio~={VERSIONS['torchaudio']}")
    assert short(VERSIONS["torch"]) == TORCH and set(TORCH_FAMILY) <= set(TRITON_FOR_TORCH)
    assert triton_requirement(windows=True) == f"triton-windows~={TRITON}.0"
    assert triton_requirement(windows=False, torch=(2, 7)) == "triton~=3.3.0"
    assert triton_requirement(windows=True, torch=(2, 99)) == "triton-windows>=3.3", "unknown torch: a recent one"


def test_the_requirement_files_pin_the_tables_releases() -> None:
    lines = pinned_lines()
    for spec in (*torch_requirements(), triton_requirement(windows=True)):
        wanted = Requirement(spec)
        assert lines[wanted.name].specifier == wanted.specifier, str(lines[wanted.name])
    assert str(lines["triton-windows"].marker) == 'platform_system == "Windows"'
    assert "triton" not in lines, "Linux's torch wheels require their own triton release"


def test_the_launch_scripts_take_the_torch_packages_from_the_plan_and_name_no_version() -> None:
    bat = (ROOT / "launch.bat").read_text(encoding="utf-8")
    sh = (ROOT / "launch.sh").read_text(encoding="utf-8")
    assert "-m pip install %PLAN_TORCH_PACKAGES% --index-url %PLAN_TORCH_INDEX%" in bat
    assert 'read -ra torch_packages <<<"$PLAN_TORCH_PACKAGES"' in sh
    assert '-m pip install "${torch_packages[@]}" --index-url "$PLAN_TORCH_INDEX"' in sh
    for script in (bat, sh):
        assert not re.search(r"\b(torch|torchvision|torchaudio|triton[-\w]*)\s*[~=<>]", script)
        assert "pip install torch" not in script


def test_the_readme_says_the_same_numbers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (f"PyTorch {TORCH} (with torchvision {short(VERSIONS['torchvision'])} and torchaudio "
                 f"{short(VERSIONS['torchaudio'])})",
                 f"then Triton {TRITON}, the one PyTorch {TORCH} is built with (`triton-windows` {TRITON} on",
                 f"install --force-reinstall {' '.join(torch_requirements()[:2])}\n  {torch_requirements()[2]} "
                 "--index-url",
                 f"-m pip install -U {triton_requirement(windows=True)}`",
                 f"`launch.bat` installs `triton-windows` {TRITON}, the Triton of PyTorch {TORCH}"):
        assert text in readme, text
    assert not re.search(r"triton-windows ?[<>]", readme), "no other triton-windows range"
    chinese = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    for text in (f"PyTorch {TORCH}", f"Triton {TRITON}", " ".join(torch_requirements()),
                 f"-m pip install -U {triton_requirement(windows=True)}`"):
        assert text in chinese, text
    assert not re.search(r"triton-windows ?[<>]", chinese)
