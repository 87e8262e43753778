"""VRAM presets: load and validate presets/*.json, pick one for the card, and predict fit."""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from backend.errors import BadRequest, PresetError
from backend.i18n import Message, text
from backend.request import latent_tokens

logger = logging.getLogger(__name__)
ABOUT_KEYS = {"8gb": "preset.about.8gb", "12gb": "preset.about.12gb", "16gb": "preset.about.16gb",
              "24gb": "preset.about.24gb"}
"""The shipped presets' descriptions in the catalog (the English one is the preset file's own)."""

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
DESKTOP_HEADROOM_GIB = 0.5
"""A preset is valid when its measured whole-process peak stays this far under its budget."""
CARD_TOLERANCE_GIB = 0.25
"""An '8 GB' card reports a little under 8 GiB total; this lets it still pick the 8 GB preset."""

Granularity = Literal["model", "block", "phase"]
GRANULARITIES: tuple[Granularity, ...] = get_args(Granularity)
Fit = Literal["green", "amber", "red", "unknown"]

# The LightX2V config keys a preset may set, with their types. Anything else is a typo: rejected.
ENGINE_KEYS: dict[str, type | tuple[type, ...]] = {
    "cpu_offload": bool,
    "offload_granularity": str,
    "t5_cpu_offload": bool,
    "vae_cpu_offload": bool,
    "use_tiling_vae": bool,
    "lazy_load": bool,
    "unload_modules": bool,
    "clean_cuda_cache": bool,
    "rope_chunk": bool,
    "num_disk_workers": int,
}
TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "label": str,
    "description": str,
    "vram_budget_gib": (int, float),
    "min_host_ram_gib": (int, float),
    "low_ram_min_host_ram_gib": (int, float),
    "engine": dict,
    "low_ram_engine": dict,
    "t5_embedding_to_cpu": bool,
    "vae_tiling_min_pixels": int,
    "max_pixels": int,
    "max_frames": int,
    "measured": list,
}
MEASURED_KEYS: dict[str, type | tuple[type, ...]] = {
    "width": int,
    "height": int,
    "frames": int,
    "peak_vram_gib": (int, float),
    "peak_host_ram_gib": (int, float),
    "warm_clip_s": (int, float),
    "source": str,
}


@dataclass(frozen=True)
class Measurement:
    """One benchmark result: the whole-process need (allocator peak + CUDA context) at one size."""

    width: int
    height: int
    frames: int
    peak_vram_gib: float
    peak_host_ram_gib: float
    warm_clip_s: float
    source: str

    @property
    def tokens(self) -> int:
        return latent_tokens(self.width, self.height, self.frames)


@dataclass(frozen=True)
class Preset:
    """A VRAM tier: LightX2V offload keys plus the limits and measured peaks that go with them."""

    name: str
    label: str
    description: str
    vram_budget_gib: float
    min_host_ram_gib: float
    low_ram_min_host_ram_gib: float
    engine: dict[str, Any]
    low_ram_engine: dict[str, Any]
    t5_embedding_to_cpu: bool
    vae_tiling_min_pixels: int
    max_pixels: int
    max_frames: int
    measured: tuple[Measurement, ...] = field(default_factory=tuple)

    def description_in(self, lang: str) -> str:
        """What the preset does, in `lang` (the catalog has the shipped presets'; any other stays as written)."""
        key = ABOUT_KEYS.get(self.name)
        return text(key, lang) if key and lang != "en" else self.description

    def engine_config(self, low_ram: bool) -> dict[str, Any]:
        """The LightX2V keys for this preset; `low_ram` adds the lazy-load overrides."""
        keys = dict(self.engine)
        if low_ram:
            keys.update(self.low_ram_engine)
        return keys


def _check_types(data: dict[str, Any], spec: dict[str, Any], where: str, required: bool) -> None:
    for key, value in data.items():
        if key not in spec:
            raise PresetError(f"{where}: unknown key '{key}'.", f"Allowed keys: {', '.join(sorted(spec))}.")
        expected = spec[key]
        # bool is an int subclass; never let true pass for a number or 1 for a flag.
        bad_bool = isinstance(value, bool) and expected is not bool and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        )
        if bad_bool or not isinstance(value, expected):
            names = expected.__name__ if isinstance(expected, type) else "/".join(t.__name__ for t in expected)
            raise PresetError(f"{where}: key '{key}' must be {names}, got {type(value).__name__}.")
    if required:
        missing = [k for k in spec if k not in data]
        if missing:
            raise PresetError(f"{where}: missing key(s) {', '.join(missing)}.")


def parse_preset(data: object, where: str) -> Preset:
    """Validate one preset document; errors name the file and the key."""
    if not isinstance(data, dict):
        raise PresetError(f"{where}: a preset must be a JSON object.")
    _check_types(data, TOP_KEYS, where, required=True)
    _check_types(data["engine"], ENGINE_KEYS, f"{where} engine", required=False)
    _check_types(data["low_ram_engine"], ENGINE_KEYS, f"{where} low_ram_engine", required=False)
    for keys in (data["engine"], data["low_ram_engine"]):
        gran = keys.get("offload_granularity")
        if gran is not None and gran not in GRANULARITIES:
            raise PresetError(f"{where}: offload_granularity must be {', '.join(GRANULARITIES)}, got '{gran}'.")
    measured = []
    for i, entry in enumerate(data["measured"]):
        if not isinstance(entry, dict):
            raise PresetError(f"{where} measured[{i}]: must be an object.")
        _check_types(entry, MEASURED_KEYS, f"{where} measured[{i}]", required=True)
        measured.append(Measurement(**entry))
    if data["vram_budget_gib"] <= 0 or data["max_pixels"] <= 0 or data["max_frames"] < 5:
        raise PresetError(f"{where}: budget, max_pixels and max_frames must be positive.")
    fields = {k: v for k, v in data.items() if k != "measured"}
    return Preset(**fields, measured=tuple(measured))


def load_presets(folder: Path = PRESETS_DIR) -> dict[str, Preset]:
    """All presets in the folder, smallest budget first. Any bad file stops start-up with its name."""
    presets: list[Preset] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise PresetError(f"{path.name}: not readable JSON ({err}).") from err
        preset = parse_preset(data, path.name)
        if preset.name != path.stem:
            raise PresetError(f"{path.name}: key 'name' is '{preset.name}' but the file is named '{path.stem}'.")
        presets.append(preset)
    if not presets:
        raise PresetError(f"No presets found in {folder}.")
    presets.sort(key=lambda p: p.vram_budget_gib)
    return {p.name: p for p in presets}


def pick_preset(presets: dict[str, Preset], total_vram_gib: float | None) -> Preset:
    """The largest preset whose budget the card can hold; the smallest when the card is unknown."""
    ordered = list(presets.values())
    if total_vram_gib is None:
        return ordered[0]
    fitting = [p for p in ordered if p.vram_budget_gib <= total_vram_gib + CARD_TOLERANCE_GIB]
    return fitting[-1] if fitting else ordered[0]


RAM_TOLERANCE_GIB = 1.0
"""A '32 GB' computer reports about 31.3 GiB; it still counts as 32."""


def needs_low_ram(preset: Preset, host_ram_gib: float | None) -> bool:
    """Whether host RAM is too small to pin the model, so blocks must be read from disk (lazy_load)."""
    return host_ram_gib is not None and host_ram_gib + RAM_TOLERANCE_GIB < preset.min_host_ram_gib


def lower_preset(presets: dict[str, Preset], name: str) -> Preset | None:
    """The next smaller preset, used for the automatic out-of-VRAM retry."""
    ordered = list(presets.values())
    names = [p.name for p in ordered]
    if name not in names:
        return None
    i = names.index(name)
    return ordered[i - 1] if i > 0 else None


def resolve(presets: dict[str, Preset], name: str, total_vram_gib: float | None) -> Preset:
    """'auto' or a preset name to a preset; an unknown name is a clear error."""
    if name == "auto":
        return pick_preset(presets, total_vram_gib)
    if name not in presets:
        raise PresetError(Message.of("preset.unknown", name=name),
                          Message.of("preset.choose", names=", ".join(["auto", *presets])))
    return presets[name]


def limit_problem(preset: Preset, width: int, height: int, frames: int, *,
                  has_bigger: bool = True) -> BadRequest | None:
    """Why a size or frame count is above what the preset allows (the error to raise), or None. `has_bigger`:
    whether a preset with a larger budget exists to suggest (the biggest one never suggests another)."""
    if frames > preset.max_frames:
        return BadRequest(Message.of("limit.frames", preset=preset.name, max=preset.max_frames, frames=frames),
                          Message.of("limit.frames_bigger" if has_bigger else "limit.frames_hint"))
    if width * height > preset.max_pixels:
        return BadRequest(Message.of("limit.pixels", preset=preset.name, max=f"{preset.max_pixels:,}", width=width,
                                     height=height, pixels=f"{width * height:,}"),
                          Message.of("limit.pixels_bigger" if has_bigger else "limit.pixels_hint"))
    return None


def predict_fit(preset: Preset, width: int, height: int, frames: int, extra_gib: float = 0.0, *,
                has_bigger: bool = True) -> tuple[Fit, str]:
    """`fit_message`, its words in English."""
    fit, said = fit_message(preset, width, height, frames, extra_gib, has_bigger=has_bigger)
    return fit, said.text()


def fit_message(preset: Preset, width: int, height: int, frames: int, extra_gib: float = 0.0, *,
                has_bigger: bool = True) -> tuple[Fit, Message]:
    """Predict from measured peaks whether a size fits the preset's budget, before anything runs.

    Memory beyond the weights grows with the token count, so the need is interpolated linearly in
    tokens between measurements (or scaled from the one nearest above). `extra_gib` is what add-ons
    (LoRAs) need on top. `has_bigger`: whether a preset with a larger budget exists to suggest (the
    biggest one never suggests another).
    """
    tokens = latent_tokens(width, height, frames)
    if limit_problem(preset, width, height, frames):
        return "red", Message.of("fit.above_limit", frames=preset.max_frames, pixels=f"{preset.max_pixels:,}",
                                 then=_smaller(has_bigger))
    points = sorted(preset.measured, key=lambda m: m.tokens)
    if not points:
        return "unknown", Message.of("fit.not_measured")
    need = _interpolate(points, tokens) + extra_gib
    limit = preset.vram_budget_gib - DESKTOP_HEADROOM_GIB
    peak = Message.of("fit.peak", need=f"{need:.1f}", budget=f"{preset.vram_budget_gib:g}",
                      loras=Message.of("fit.loras", extra=f"{extra_gib:.1f}") if extra_gib else "")
    if need <= limit:
        return "green", peak
    if need <= preset.vram_budget_gib:
        return "amber", Message.of("fit.tight", peak=peak)
    return "red", Message.of("fit.too_big", peak=peak, then=_smaller(has_bigger))


def _smaller(has_bigger: bool) -> Message:
    return Message.of("fit.smaller_or_bigger" if has_bigger else "fit.smaller")


def has_bigger_preset(presets: dict[str, Preset], preset: Preset) -> bool:
    """Whether some preset has a larger VRAM budget than this one (and so can be suggested)."""
    return any(p.vram_budget_gib > preset.vram_budget_gib for p in presets.values())


def _interpolate(points: list[Measurement], tokens: int) -> float:
    if len(points) == 1 or tokens <= points[0].tokens:
        p = points[0]
        return p.peak_vram_gib if tokens <= p.tokens else p.peak_vram_gib * tokens / p.tokens
    for lo, hi in itertools.pairwise(points):
        if tokens <= hi.tokens:
            t = (tokens - lo.tokens) / max(1, hi.tokens - lo.tokens)
            return lo.peak_vram_gib + t * (hi.peak_vram_gib - lo.peak_vram_gib)
    lo, hi = points[-2], points[-1]
    slope = (hi.peak_vram_gib - lo.peak_vram_gib) / max(1, hi.tokens - lo.tokens)
    return hi.peak_vram_gib + slope * (tokens - hi.tokens)
