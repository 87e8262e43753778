"""Typed records of a finished clip: what the engine reports about a render, and the ClipRecord that the
sidecar and the mp4 carry, as JSON (`backend.record_reader` reads it back with validation)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from backend.i18n import Message
from backend.request import GenerationRequest

RECORD_VERSION = 2
ConfigValue = bool | int | str
JsonValue = Any
"""A JSON value kept as it was read (only for fields this version does not know)."""


@dataclass(frozen=True)
class StageTimings:
    """Seconds per stage of one clip; None where the stage did not run or was not measured."""

    load_s: float | None = None
    encode_s: float | None = None
    denoise_s: float | None = None
    step_s: float | None = None
    """The mean denoising step."""
    first_step_s: float | None = None
    decode_s: float | None = None
    generate_s: float | None = None
    """The engine's whole generate() call."""
    render_s: float | None = None
    """From the worker taking the job to the frames being ready (load included)."""
    save_s: float | None = None
    steps_s: tuple[float, ...] = ()
    """Each denoising step."""

    def to_json(self) -> dict[str, JsonValue]:
        data = asdict(self)
        data["steps_s"] = list(self.steps_s)
        return data


@dataclass(frozen=True)
class Kernels:
    quant_scheme: str = ""
    attention: str = ""
    weight_set: str = ""


@dataclass(frozen=True)
class Peaks:
    """GPU memory of one render (MiB): the allocator's peaks, the CUDA context, and what a card must hold."""

    vram_mib: float | None = None
    allocated_mib: float | None = None
    reserved_mib: float | None = None
    context_mib: float | None = None


@dataclass(frozen=True)
class Versions:
    app: str = ""
    engine: str = ""
    lightx2v: str = ""
    torch: str = ""
    platform: str = ""


@dataclass(frozen=True)
class Machine:
    gpu: str = ""
    gpu_total_mib: float | None = None
    driver: str = ""
    host_ram_gib: float | None = None


@dataclass(frozen=True)
class LoraApplied:
    """One LoRA a clip was made with: its file, the first 16 hex digits of its sha256, its strength, rank,
    and how many of the DiT's layers it changed (of those its file holds)."""

    name: str
    sha256_16: str
    strength: float
    rank: int = 0
    layers: int = 0
    file_layers: int = 0


@dataclass(frozen=True)
class KernelTrial:
    """One kernel tried on this GPU at build time."""

    name: str
    kind: str
    ok: bool
    detail: str = ""
    ms: float | None = None


@dataclass(frozen=True)
class BuildFacts:
    """How the pipeline of this render was built (the benchmark reads these)."""

    import_s: float | None = None
    build_s: float | None = None
    t5_read_ahead_s: float | None = None
    pinned_pool: tuple[tuple[str, float], ...] = ()
    """The pinned-memory pool's report (reserve_s, reserved_gb, served_gb, extra_slabs)."""
    kernel_probes: tuple[KernelTrial, ...] = ()
    gpu_capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class RenderInfo:
    """What the engine reports about one render, recorded with the clip."""

    engine_config: tuple[tuple[str, ConfigValue], ...] = ()
    kernels: Kernels = Kernels()
    timings: StageTimings = StageTimings()
    peaks: Peaks = Peaks()
    lightx2v: str = ""
    torch: str = ""
    warm: bool | None = None
    vae_tiling: bool | None = None
    build: BuildFacts | None = None
    loras: tuple[LoraApplied, ...] = ()
    lora_layers: int = 0
    """Layers changed by all of the clip's LoRAs together."""
    notes: tuple[str, ...] = ()
    """Sentences for the job's record (previews that fell back to the colour map); never a failure."""


@dataclass(frozen=True)
class ClipRecord:
    """Everything stored with a finished clip. `request.seed` is the seed used (always concrete)."""

    request: GenerationRequest | None
    preset: str = ""
    low_ram: bool = False
    engine_config: tuple[tuple[str, ConfigValue], ...] = ()
    kernels: Kernels = Kernels()
    timings: StageTimings = StageTimings()
    peaks: Peaks = Peaks()
    versions: Versions = Versions()
    machine: Machine = Machine()
    build: BuildFacts | None = None
    warm: bool | None = None
    vae_tiling: bool | None = None
    loras: tuple[LoraApplied, ...] = ()
    lora_layers: int = 0
    notes: tuple[str, ...] = ()
    notes_said: tuple[Message, ...] = ()
    """The notes the app words itself, as messages, so a page in any language can word them again."""
    job_id: str = ""
    clip_id: str = ""
    created_at: float | None = None
    extra: tuple[tuple[str, JsonValue], ...] = field(default=(), compare=False)
    """Fields a newer version wrote that this one does not know: kept and written back as they were."""

    @property
    def seed(self) -> int | None:
        return self.request.seed if self.request else None

    def with_(self, **changes: Any) -> ClipRecord:
        return replace(self, **changes)

    # ---- JSON ------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, JsonValue]:
        data: dict[str, JsonValue] = dict(self.extra)
        data.update({
            "record_version": RECORD_VERSION, "id": self.clip_id, "created_at": self.created_at,
            "job_id": self.job_id, "request": self.request.to_dict() if self.request else None,
            "seed": self.seed, "preset": self.preset, "low_ram": self.low_ram,
            "engine_config": dict(self.engine_config), "kernels": asdict(self.kernels),
            "timings": self.timings.to_json(), "peaks": asdict(self.peaks), "versions": asdict(self.versions),
            "machine": asdict(self.machine), "build": _build_json(self.build), "warm": self.warm,
            "vae_tiling": self.vae_tiling,
            "loras": [asdict(lora) for lora in self.loras], "lora_layers": self.lora_layers,
            "notes": list(self.notes), "notes_said": [m.to_json() for m in self.notes_said],
        })
        return data


def _build_json(build: BuildFacts | None) -> JsonValue:
    if build is None:
        return None
    return {"import_s": build.import_s, "build_s": build.build_s, "t5_read_ahead_s": build.t5_read_ahead_s,
            "pinned_pool": dict(build.pinned_pool) if build.pinned_pool else None,
            "kernel_probes": [asdict(p) for p in build.kernel_probes],
            "gpu_capability": list(build.gpu_capability) if build.gpu_capability else None}
