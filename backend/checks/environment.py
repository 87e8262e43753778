"""The readings the doctor's checks look at: what the probe child saw, and everything else gathered once.

Plain frozen values: `backend.doctor` fills them in, `backend.checks` only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend.engine.dist import EngineDist
from backend.gpu import GpuReading
from backend.i18n import Message
from backend.models import WeightSet, WeightsReport
from backend.presets import Preset

KernelKind = Literal["quant", "attention", "other"]


@dataclass(frozen=True)
class TorchInfo:
    """The probe's view of torch. `cuda` is "" for a CPU-only build."""

    ok: bool
    error: str = ""
    version: str = ""
    cuda: str = ""
    arch_list: tuple[str, ...] = ()
    cuda_available: bool | None = None
    device: str = ""
    capability: tuple[int, int] | None = None
    tiny_op_ok: bool | None = None


@dataclass(frozen=True)
class TritonInfo:
    ok: bool
    version: str = ""
    error: str = ""


@dataclass(frozen=True)
class EngineImport:
    """Whether `import lightx2v` worked in the probe process, and how long it took."""

    ok: bool
    error: str = ""
    import_s: float | None = None


@dataclass(frozen=True)
class KernelResult:
    """One candidate matmul scheme or attention kernel, tried with a tiny call on this GPU."""

    name: str
    kind: KernelKind
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class ProbeResult:
    """What the probe child reported. `failure` says why it crashed, timed out or printed no JSON;
    a piece is None where that part could not run."""

    failure: Message | str = ""
    seconds: float = 0.0
    torch: TorchInfo | None = None
    triton: TritonInfo | None = None
    lightx2v: EngineImport | None = None
    kernels: tuple[KernelResult, ...] | None = None
    chosen_quant: str = ""
    chosen_attention: str = ""


@dataclass(frozen=True)
class Environment:
    """Every reading the checks need: gathered once by `gather`, or built by hand in tests."""

    system: str
    platform: str
    python: str
    python_exe: str
    gpu: GpuReading
    probe: ProbeResult
    engine_dist: EngineDist
    host_ram_gib: float | None
    preset: Preset | None
    auto_preset: Preset | None
    preset_error: Message | str
    low_ram: bool
    low_ram_setting: str
    weights_dir: Path
    free_disk_gb: float | None
    weight_set: WeightSet
    weights: WeightsReport | None
    weights_error: str = ""

    @property
    def capability(self) -> tuple[int, int] | None:
        torch = self.probe.torch
        return self.gpu.capability or (torch.capability if torch else None)

    @property
    def windows(self) -> bool:
        return self.system == "Windows"
