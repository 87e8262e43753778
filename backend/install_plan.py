"""What the launch scripts install: the PyTorch release and the CUDA build of it that this NVIDIA driver
runs, whether the installed torch must be swapped for it, and the stamp that marks a finished install.
The version table here is the one place for the torch, torchvision, torchaudio and Triton pins: the
requirement files, the README and the doctor's fix commands are checked against it (tests/test_install_pins.py).

Standard library only, because it runs in the fresh .venv before anything is installed. launch.bat and
launch.sh call `python -m backend.install_plan --driver VERSION` (VERSION from nvidia-smi, empty without
a GPU) and read its KEY=VALUE lines, so both scripts follow the rules written here once.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from backend.engine.dist import PINNED_ARCHIVE

TORCH_INDEX = "https://download.pytorch.org/whl/"
DRIVER_URL = "https://www.nvidia.com/Download/index.aspx"
REQUIREMENT_FILES = ("requirements.txt", "requirements-core.txt", "requirements-lightx2v.txt")


TORCH_RELEASE = (2, 11)
"""The PyTorch release the launch scripts install: the newest that every build below has (CUDA 12.8 builds end
with it), the one torchaudio 2.11 (its newest) goes with, and the one the GPU figures were measured on."""
TORCH_FAMILY = {(2, 11): (("torch", "2.11.0"), ("torchvision", "0.26.0"), ("torchaudio", "2.11.0"))}
"""Each torch release and the torchvision and torchaudio releases built with it (torchvision pins torch exactly)."""
TRITON_FOR_TORCH = {(2, 6): 2, (2, 7): 3, (2, 8): 4, (2, 9): 5, (2, 10): 6, (2, 11): 6}
"""Triton 3.x minor release that each torch release was built against: Linux's torch wheels require exactly
that triton; on Windows triton-windows of the same 3.x must be installed beside torch."""


def torch_requirements(release: tuple[int, int] = TORCH_RELEASE) -> tuple[str, ...]:
    """`torch~=2.11.0 torchvision~=0.26.0 torchaudio~=2.11.0`: any bug-fix release of the pinned ones (no
    character that cmd or bash would act on, so the scripts pass them unquoted)."""
    return tuple(f"{name}~={version}" for name, version in TORCH_FAMILY[release])


def triton_requirement(windows: bool, torch: tuple[int, int] | None = TORCH_RELEASE) -> str:
    """The Triton that goes with this torch release: `triton-windows~=3.6.0` on Windows (Triton has no Windows
    wheels), `triton~=3.6.0` elsewhere; for a torch this table does not know, any Triton new enough for RTX 50."""
    package = "triton-windows" if windows else "triton"
    minor = TRITON_FOR_TORCH.get(torch) if torch else None
    return f"{package}~=3.{minor}.0" if minor is not None else f"{package}>=3.3"


@dataclass(frozen=True)
class CudaBuild:
    """One PyTorch wheel index and the oldest driver that runs its builds."""

    tag: str
    cuda: str
    linux_driver: tuple[int, ...]
    windows_driver: tuple[int, ...]

    @property
    def index_url(self) -> str:
        return TORCH_INDEX + self.tag

    def min_driver(self, system: str) -> tuple[int, ...]:
        return self.windows_driver if system == "Windows" else self.linux_driver


BUILDS = (
    # NVIDIA lists no Windows toolkit driver for CUDA 13; CUDA 13 needs the R580 branch everywhere.
    CudaBuild("cu130", "13.0", (580, 65, 6), (580,)),
    # CUDA 12.8 is the oldest build with RTX 50 (sm_120) kernels; PyTorch 2.12+ ships 12.6 and 13.0 only,
    # so this index ends at torch 2.11: still the newest torch that a 570-579 driver can run.
    CudaBuild("cu128", "12.8", (570, 26), (570, 65)),
    CudaBuild("cu126", "12.6", (560, 28, 3), (560, 76)),
)
"""Newest first. Drivers are the CUDA toolkit release notes' minimums for each CUDA release (GA)."""
CUDA12_COMPAT = CudaBuild("cu126", "12.6", (525, 60, 13), (528, 33))
"""Older drivers run CUDA 12.x builds through CUDA minor-version compatibility (no PTX JIT needed here:
the 12.6 wheels carry machine code for every card from RTX 20 to RTX 40)."""


@dataclass(frozen=True)
class TorchChoice:
    """The build to install for a driver; `compat` when the driver is older than that CUDA release and
    runs it through minor-version compatibility."""

    build: CudaBuild
    compat: bool = False


def parse_driver(text: str) -> tuple[int, ...] | None:
    """`575.51.03` -> (575, 51, 3); None for anything that is not a driver version (an nvidia-smi error)."""
    found = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.(\d+))?\s*", text or "")
    return tuple(int(part) for part in found.groups() if part is not None) if found else None


def torch_build_for(driver: str, system: str | None = None) -> TorchChoice | None:
    """The newest PyTorch CUDA build this driver runs, or None when it runs none (no GPU, or a driver
    older than CUDA 12's 525)."""
    version = parse_driver(driver)
    if version is None:
        return None
    system = system or platform.system()
    for build in BUILDS:
        if version >= build.min_driver(system):
            return TorchChoice(build)
    if version >= CUDA12_COMPAT.min_driver(system):
        return TorchChoice(CUDA12_COMPAT, compat=True)
    return None


def installed_torch_cuda(venv: Path) -> str | None:
    """The CUDA tag of the torch installed in `venv` ("cu128", or "cpu" for a CPU build), read from
    torch/version.py without importing torch; None when torch is not installed or says nothing."""
    candidates = [venv / "Lib" / "site-packages" / "torch" / "version.py",
                  *sorted(venv.glob("lib/python3*/site-packages/torch/version.py"))]
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = re.search(r"^cuda\b[^=\n]*=\s*(?:'([\d.]+)'|\"([\d.]+)\"|None)", text, re.MULTILINE)
        if not found:
            return None
        cuda = found.group(1) or found.group(2)
        return "cu" + cuda.replace(".", "") if cuda else "cpu"
    return None


@dataclass(frozen=True)
class InstallPlan:
    """What one launch installs. `stamp` is a file name under .venv that exists once this exact install
    (requirement files, engine commit, CUDA build) finished; `note` is one line for the console."""

    choice: TorchChoice | None
    stamp: str
    swap_torch: bool
    note: str

    @property
    def torch_index(self) -> str:
        return self.choice.build.index_url if self.choice else ""

    def lines(self) -> list[str]:
        """The KEY=VALUE lines the launch scripts read (values never hold a quote, %, !, &, <, > or |)."""
        return [f"GPU={'yes' if self.choice else 'no'}", f"TORCH_INDEX={self.torch_index}",
                f"TORCH_PACKAGES={' '.join(torch_requirements())}",
                f"ENGINE_URL={PINNED_ARCHIVE}", f"STAMP={self.stamp}",
                f"SWAP_TORCH={'yes' if self.swap_torch else 'no'}", f"NOTE={self.note}"]


def requirements_key(root: Path) -> str:
    """A hash of the requirement files (line endings ignored: a ZIP download and a git checkout differ), the
    engine's archive and the torch pins."""
    digest = hashlib.sha256()
    for name in REQUIREMENT_FILES:
        try:
            data = (root / name).read_bytes()
        except OSError:
            data = b"<missing>"
        digest.update(name.encode() + b"\0" + data.replace(b"\r\n", b"\n") + b"\0")
    digest.update(PINNED_ARCHIVE.encode() + b"\0" + " ".join(torch_requirements()).encode())
    return digest.hexdigest()[:16]


def _note(driver: str, choice: TorchChoice | None) -> str:
    shown = driver.strip()
    if choice is None and parse_driver(driver) is None:
        return ("No NVIDIA GPU found (nvidia-smi reports no driver): PyTorch and the LightX2V engine are skipped; "
                "the page, gallery, downloads and doctor work without them.")
    if choice is None:
        return (f"NVIDIA driver {shown} is too old for any PyTorch CUDA 12 build (needs 525 or newer, 580 for the "
                f"newest): PyTorch and the LightX2V engine are skipped. Update the driver from {DRIVER_URL} "
                "and launch again.")
    build = choice.build
    if choice.compat:
        return (f"NVIDIA driver {shown}: installing PyTorch built for CUDA {build.cuda}, which this driver runs "
                "through CUDA minor-version compatibility; a 580+ driver gets CUDA 13.0 builds.")
    newer = "" if build is BUILDS[0] else "; a 580+ driver gets CUDA 13.0 builds"
    return f"NVIDIA driver {shown}: installing PyTorch built for CUDA {build.cuda}{newer}."


def plan(root: Path, driver: str, system: str | None = None) -> InstallPlan:
    """The install for the app folder `root` (its .venv inside) on a machine with this driver version."""
    choice = torch_build_for(driver, system)
    level = choice.build.tag if choice else "nogpu"
    installed = installed_torch_cuda(root / ".venv")
    swap = choice is not None and installed is not None and installed != choice.build.tag
    return InstallPlan(choice, f".installed-{requirements_key(root)}-{level}", swap, _note(driver, choice))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print what the launch script should install (KEY=VALUE lines).")
    parser.add_argument("--driver", default="", help="the NVIDIA driver version nvidia-smi reports (empty: no GPU)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    sys.stdout.write("\n".join(plan(args.root, args.driver).lines()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
