"""Reading a ClipRecord back from JSON (a sidecar, or an mp4's comment): every field checked; a damaged one
is named and left at its default, an unknown (future) one kept and written back unchanged. Also reads
the flat layout clips had before records were typed."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from backend.errors import StudioError
from backend.i18n import Message
from backend.records import (
    BuildFacts,
    ClipRecord,
    ConfigValue,
    Kernels,
    KernelTrial,
    LoraApplied,
    Machine,
    Peaks,
    StageTimings,
    Versions,
)
from backend.request import GenerationRequest

SECTIONS: dict[str, type] = {"kernels": Kernels, "peaks": Peaks, "versions": Versions, "machine": Machine}


class RecordDamaged(StudioError):
    """A clip's record could not be read at all (not a JSON object)."""

    kind = "record_damaged"


def read_record(data: object) -> tuple[ClipRecord, tuple[str, ...]]:
    """The record and what was wrong with it (each damaged field named)."""
    if not isinstance(data, dict):
        raise RecordDamaged("The clip's record is not a JSON object.")
    return _parse(data)


KNOWN_KEYS = frozenset({
    "record_version", "id", "created_at", "job_id", "request", "seed", "preset", "low_ram", "engine_config",
    "kernels", "timings", "peaks", "versions", "machine", "build", "warm", "vae_tiling", "loras", "lora_layers",
    "notes", "notes_said",
    # the flat layout before record_version 2
    "app_version", "engine", "gpu", "gpu_total_mib", "driver", "host_ram_gib", "platform", "lightx2v", "torch",
    "kernel_probes", "gpu_capability", "import_s", "build_s", "t5_read_ahead_s", "pinned_pool", "context_mib",
    "step_times_s", "peak_allocated_mib", "peak_reserved_mib", "peak_vram_mib",
})


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a number")
    return float(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not true or false")
    return value


def read_timings(data: object, problems: list[str], where: str = "timings") -> StageTimings:
    """Stage timings from JSON ("render_total" is the name clips and queues had before records were typed)."""
    if not isinstance(data, dict):
        problems.append(f"{where} is not an object")
        return StageTimings()
    if "render_total" in data and "render_s" not in data:
        data = {**data, "render_s": data["render_total"]}
    values: dict[str, Any] = {}
    for f in fields(StageTimings):
        if data.get(f.name) is None:
            continue
        try:
            if f.name == "steps_s":
                raw = data[f.name]
                if not isinstance(raw, list):
                    raise ValueError("not a list")
                values[f.name] = tuple(_number(v) or 0.0 for v in raw)
            else:
                values[f.name] = _number(data[f.name])
        except ValueError as err:
            problems.append(f"{where}.{f.name} is {err}")
    return StageTimings(**values)


def _section(cls: type, data: object, where: str, problems: list[str]) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        problems.append(f"{where} is not an object")
        return cls()
    values: dict[str, Any] = {}
    for f in fields(cls):
        value = data.get(f.name)
        if value is None:
            continue
        try:
            values[f.name] = _text(value) if f.type == "str" else _number(value)
        except ValueError as err:
            problems.append(f"{where}.{f.name} is {err}")
    return cls(**values)


def _parse(data: dict[str, Any]) -> tuple[ClipRecord, tuple[str, ...]]:
    problems: list[str] = []
    legacy = "record_version" not in data
    request = None
    if data.get("request") is not None:
        try:
            request = GenerationRequest.from_dict(data["request"])
        except (StudioError, AttributeError, TypeError) as err:
            problems.append(f"request is not valid ({err})")
    values: dict[str, Any] = {"request": request}

    def take(name: str, check: Any, key: str | None = None) -> None:
        raw = data.get(key or name)
        if raw is None:
            return
        try:
            values[name] = check(raw)
        except ValueError as err:
            problems.append(f"{key or name} is {err}")

    take("preset", _text)
    take("low_ram", _flag)
    take("warm", _flag)
    take("vae_tiling", _flag)
    take("job_id", _text)
    take("clip_id", _text, "id")
    take("created_at", _number)
    take("engine_config", _config)
    take("notes", lambda v: tuple(_text(n) for n in _list(v)))
    take("notes_said", lambda v: tuple(m for m in map(Message.from_json, _list(v)) if m is not None))
    take("loras", lambda v: tuple(_lora(x) for x in _list(v)))
    take("lora_layers", _count)
    for name, cls in SECTIONS.items():
        if name in data:
            values[name] = _section(cls, data[name], name, problems)
    values["timings"] = read_timings(data.get("timings") or {}, problems)
    if isinstance(data.get("build"), dict):
        values["build"] = _build(data["build"], problems)
    if legacy:
        _read_flat(data, values, problems)
    extra = tuple((k, v) for k, v in data.items() if k not in KNOWN_KEYS)
    return ClipRecord(**values, extra=extra), tuple(problems)


def _count(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a whole number")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _config(value: object) -> tuple[tuple[str, ConfigValue], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, bool | int | str) for v in value.values()):
        raise ValueError("not an object of flags, numbers and names")
    return tuple((str(k), v) for k, v in value.items())


def _lora(value: object) -> LoraApplied:
    if not isinstance(value, dict):
        raise ValueError("not a list of LoRA objects")
    counts = [value.get(k) or 0 for k in ("rank", "layers", "file_layers")]
    if not all(type(c) is int for c in counts):
        raise ValueError("not a list of LoRA objects with whole-number counts")
    return LoraApplied(_text(value.get("name")), _text(value.get("sha256_16")), _number(value.get("strength")) or 0.0,
                       *counts)


def _trial(value: object) -> KernelTrial:
    if not isinstance(value, dict):
        raise ValueError("not a list of kernel objects")
    ms = value.get("ms")
    return KernelTrial(_text(value.get("name")), _text(value.get("kind")), _flag(value.get("ok")),
                       _text(value.get("detail") or ""), None if ms is None else _number(ms))


def _build(data: dict[str, Any], problems: list[str]) -> BuildFacts:
    values: dict[str, Any] = {}
    for name in ("import_s", "build_s", "t5_read_ahead_s"):
        if data.get(name) is not None:
            try:
                values[name] = _number(data[name])
            except ValueError as err:
                problems.append(f"build.{name} is {err}")
    pool, probes, cap = data.get("pinned_pool"), data.get("kernel_probes"), data.get("gpu_capability")
    if isinstance(pool, dict):
        values["pinned_pool"] = tuple((str(k), float(v)) for k, v in pool.items() if isinstance(v, int | float))
    if isinstance(probes, list):
        try:
            values["kernel_probes"] = tuple(_trial(p) for p in probes)
        except ValueError as err:
            problems.append(f"build.kernel_probes is {err}")
    if isinstance(cap, list) and len(cap) == 2 and all(type(c) is int for c in cap):
        values["gpu_capability"] = (cap[0], cap[1])
    return BuildFacts(**values)


def _read_flat(data: dict[str, Any], values: dict[str, Any], problems: list[str]) -> None:
    """Clips written before record_version 2 kept versions, peaks and the machine at the top level."""
    flat = {"versions": {"app": data.get("app_version"), "engine": data.get("engine"), "lightx2v": data.get("lightx2v"),
                         "torch": data.get("torch"), "platform": data.get("platform")},
            "machine": {"gpu": data.get("gpu"), "gpu_total_mib": data.get("gpu_total_mib"),
                        "driver": data.get("driver"), "host_ram_gib": data.get("host_ram_gib")},
            "peaks": {"vram_mib": data.get("peak_vram_mib"), "allocated_mib": data.get("peak_allocated_mib"),
                      "reserved_mib": data.get("peak_reserved_mib"), "context_mib": data.get("context_mib")}}
    for name, section in flat.items():
        values[name] = _section(SECTIONS[name], section, name, problems)
    timings = dict(data.get("timings") or {}) if isinstance(data.get("timings"), dict) else {}
    if isinstance(data.get("step_times_s"), list):
        timings["steps_s"] = data["step_times_s"]
    values["timings"] = read_timings(timings, [])
    if any(k in data for k in ("import_s", "build_s", "pinned_pool", "kernel_probes")):
        values["build"] = _build(data, problems)
