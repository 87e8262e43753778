"""What every doctor check shares: the report line (Check), the exact fix commands for this install,
and version and architecture parsing. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from backend.checks.environment import Environment
from backend.engine.dist import PINNED_ARCHIVE
from backend.i18n import Message, words
from backend.install_plan import BUILDS, TRITON_FOR_TORCH, torch_build_for, torch_requirements, triton_requirement

Status = Literal["ok", "warn", "fail", "skip"]
ArchSupport = Literal["native", "ptx", "none"]

FALLBACK_BUILD = next(build for build in BUILDS if build.tag == "cu128")
"""When the driver is unknown or too old: CUDA 12.8 builds run every card from RTX 20 to RTX 50."""
WEIGHTS_DOWNLOAD_GB = 22.0
"""The FP8 (or INT8) set on disk: DiT ~15 GB, T5 ~6.7 GB, VAE 0.5 GB, tokenizer."""
CLIPS_MIN_FREE_GB = 2.0


NAME_KEYS = {
    "System": "check.system", "GPU": "check.gpu", "Compute capability": "check.capability",
    "Driver": "check.driver", "VRAM": "check.vram", "Preset": "check.preset", "GPU probe": "check.probe",
    "PyTorch": "check.torch", "PyTorch GPU support": "check.torch_arch", "CUDA test": "check.cuda_op",
    "Triton": "check.triton", "LightX2V install": "check.engine_install", "LightX2V import": "check.engine_import",
    "Kernels": "check.kernels", "Kernels chosen": "check.kernels_chosen", "Host RAM": "check.host_ram",
    "Free disk": "check.disk", "Weights": "check.weights",
}
"""Each line's name (its id in tests and logs, English) → its words in the catalog."""


@dataclass(frozen=True)
class Check:
    """One line of the report. `fix` is what to do (an exact command where there is one). The detail and
    fix are catalog messages (or a bare value: a card's name), so the report reads in any language."""

    name: str
    status: Status
    said: Message | str
    fix_said: Message | str = ""
    name_said: Message | None = None
    """The name's words where they carry a value (a kernel's line); else from NAME_KEYS."""

    @property
    def detail(self) -> str:
        return words(self.said)

    @property
    def fix(self) -> str:
        return words(self.fix_said)

    def detail_in(self, lang: str) -> str:
        return words(self.said, lang)

    def fix_in(self, lang: str) -> str:
        return words(self.fix_said, lang)

    def name_in(self, lang: str) -> str:
        if self.name_said is not None:
            return self.name_said.text(lang)
        key = NAME_KEYS.get(self.name)
        return Message.of(key).text(lang) if key else self.name


def sm(cap: tuple[int, int]) -> str:
    return f"sm_{cap[0]}{cap[1]}"


def no_card(env: Environment) -> bool:
    """No NVIDIA GPU at all: NVML finds none and torch sees none. Checks that only matter with a card then say
    "skipped" instead of failing a second time for the same cause."""
    torch = env.probe.torch
    return not env.gpu.ok and not (torch is not None and torch.cuda_available)


def python_cmd(env: Environment, args: str) -> str:
    """A command for the app's own Python, so installs land in the right environment."""
    exe = f'"{env.python_exe}"' if " " in env.python_exe else env.python_exe
    return f"{exe} {args}"


def pip(env: Environment, args: str) -> str:
    return python_cmd(env, f"-m pip {args}")


def torch_index(env: Environment) -> str:
    """The PyTorch wheel index for this driver: the build the launch scripts install (install_plan)."""
    choice = torch_build_for(env.gpu.driver, env.system) if env.gpu.ok else None
    return (choice.build if choice else FALLBACK_BUILD).index_url


def torch_reinstall(env: Environment) -> str:
    """The release the launch scripts install (install_plan's table), in the build for this driver."""
    return pip(env, f"install --force-reinstall {' '.join(torch_requirements())} --index-url {torch_index(env)}")


def engine_install(env: Environment) -> str:
    return pip(env, f'install --force-reinstall --no-deps "lightx2v @ {PINNED_ARCHIVE}"')


def version_tuple(text: str, parts: int = 2) -> tuple[int, ...] | None:
    found = re.match(r"(\d+(?:\.\d+)*)", text.strip())
    if not found:
        return None
    numbers = tuple(int(n) for n in found.group(1).split("."))
    return (numbers + (0,) * parts)[:parts]


def torch_release(env: Environment) -> tuple[int, int] | None:
    torch = env.probe.torch
    version = version_tuple(torch.version) if torch and torch.version else None
    return (version[0], version[1]) if version else None


def triton_minor_for(env: Environment) -> int | None:
    release = torch_release(env)
    return TRITON_FOR_TORCH.get(release) if release else None


def triton_install(env: Environment) -> str:
    """The Triton built for the installed torch (install_plan's table): triton-windows on Windows."""
    spec = triton_requirement(env.windows, torch_release(env))
    return pip(env, f'install -U "{spec}"' if ">" in spec else f"install -U {spec}")


def arch_support(arch_list: Sequence[str], cap: tuple[int, int]) -> ArchSupport:
    """Whether torch ships machine code for this GPU. Code for sm_XY runs on any X.Z with Z >= Y (the
    'a'/'f' variants only on their exact chip); PTX (compute_XY) can be compiled on the spot instead."""
    ptx = False
    for arch in arch_list:
        found = re.fullmatch(r"(sm|compute)_(\d+)(\d)([af]?)", arch)
        if not found:
            continue
        kind, major, minor, suffix = found.group(1), int(found.group(2)), int(found.group(3)), found.group(4)
        if kind == "sm" and major == cap[0] and (minor == cap[1] or (not suffix and minor <= cap[1])):
            return "native"
        ptx = ptx or (kind == "compute" and (major, minor) <= cap)
    return "ptx" if ptx else "none"
