"""The environment doctor: gather every reading once (NVML, a probe child process, pip's record of
LightX2V, RAM, disk, weights) into an Environment, run the checks, and print a copyable report."""

from __future__ import annotations

import json
import logging
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from backend import APP_VERSION
from backend.checks import Check, run_checks
from backend.checks.environment import (
    EngineImport,
    Environment,
    KernelResult,
    ProbeResult,
    TorchInfo,
    TritonInfo,
)
from backend.engine.dist import EngineDist, read_engine_dist
from backend.gpu import GpuReading
from backend.i18n import Message, text
from backend.models import WeightSet, WeightsReport, check_weights, default_weight_set
from backend.presets import Preset

__all__ = [
    "Check",
    "DoctorReport",
    "EngineDist",
    "EngineImport",
    "Environment",
    "KernelResult",
    "ProbeResult",
    "TorchInfo",
    "TritonInfo",
    "Verdict",
    "gather",
    "report_text",
    "run_checks",
    "verdict",
]

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROBE_COMMAND = (sys.executable, "-m", "backend.engine.kernels", "--json")
PROBE_TIMEOUT_S = 180.0
"""Importing lightx2v takes 12-20 s and the first Triton compile of each kernel a few more."""


# ---- the probe child process ----------------------------------------------------------------------
def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _pair(value: object) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(type(v) is int for v in value):
        return (value[0], value[1])
    return None


def _section(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def parse_probe(data: dict[str, Any], failure: Message | str = "", seconds: float = 0.0) -> ProbeResult:
    """Typed pieces from the probe's JSON. Missing or mistyped fields become None/"", never an error."""
    torch = triton = engine = None
    if (t := _section(data, "torch")) is not None:
        arch = t.get("arch_list")
        torch = TorchInfo(ok=t.get("ok") is True, error=_text(t.get("error")), version=_text(t.get("version")),
                          cuda=_text(t.get("cuda")),
                          arch_list=tuple(a for a in arch if isinstance(a, str)) if isinstance(arch, list) else (),
                          cuda_available=_flag(t.get("cuda_available")), device=_text(t.get("device")),
                          capability=_pair(t.get("capability")), tiny_op_ok=_flag(t.get("tiny_op_ok")))
    if (s := _section(data, "triton")) is not None:
        triton = TritonInfo(ok=s.get("ok") is True, version=_text(s.get("version")), error=_text(s.get("error")))
    if (e := _section(data, "lightx2v")) is not None:
        took = e.get("import_s")
        engine = EngineImport(ok=e.get("ok") is True, error=_text(e.get("error")),
                              import_s=float(took) if isinstance(took, int | float) else None)
    kernels = None
    if isinstance(data.get("kernels"), list):
        kernels = tuple(
            KernelResult(name=_text(k.get("name")) or "?", ok=k.get("ok") is True, detail=_text(k.get("detail")),
                         kind=k["kind"] if k.get("kind") in ("quant", "attention") else "other")
            for k in data["kernels"] if isinstance(k, dict))
    chosen = _section(data, "chosen") or {}
    return ProbeResult(failure=failure, seconds=seconds, torch=torch, triton=triton, lightx2v=engine,
                       kernels=kernels, chosen_quant=_text(chosen.get("quant_scheme")),
                       chosen_attention=_text(chosen.get("attention")))


def _last_json_object(stdout: str) -> dict[str, Any] | None:
    """The probe prints one JSON object; tolerate stray lines before it (an import that prints)."""
    for line in [stdout, *reversed(stdout.splitlines())]:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _tail(text: str, limit: int = 300) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[-limit:]


def run_probe(command: Sequence[str] = PROBE_COMMAND, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Run the probe in a child process: torch and lightx2v never load in the app process (the GPU
    belongs to the worker thread, and a crashing kernel must not take the app down)."""
    started = time.monotonic()
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout_s, cwd=PROJECT_ROOT, check=False)
    except subprocess.TimeoutExpired:
        return ProbeResult(failure=Message.of("doctor.probe.timeout", seconds=f"{timeout_s:.0f}"),
                           seconds=time.monotonic() - started)
    except OSError as err:
        return ProbeResult(failure=Message.of("doctor.probe.no_start", error=str(err)),
                           seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    data = _last_json_object(done.stdout)
    failure: Message | str = ""
    if done.returncode != 0:
        failure = Message.of("doctor.probe.exit", code=done.returncode, tail=_tail(done.stderr or done.stdout))
    elif data is None:
        failure = Message.of("doctor.probe.no_json", tail=_tail(done.stdout))
    if failure:
        logger.warning("Doctor probe: %s", failure)
    return parse_probe(data or {}, failure, seconds)


# ---- the other readings ---------------------------------------------------------------------------
def free_disk_gb(folder: Path) -> float | None:
    """Free space on the drive that holds `folder` (or would, once created)."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free / 1e9
    except OSError:
        return None


def _weights(root: Path, weight_set: WeightSet) -> tuple[WeightsReport | None, str]:
    try:
        return check_weights(root, weight_set), ""
    except OSError as err:
        return None, f"{type(err).__name__}: {err}"


def gather(*, gpu: GpuReading, host_ram_gib: float | None, preset: Preset | None, preset_error: Message | str,
           auto_preset: Preset | None, low_ram: bool, low_ram_setting: str, weights_dir: Path,
           probe_command: Sequence[str] = PROBE_COMMAND, probe_timeout_s: float = PROBE_TIMEOUT_S) -> Environment:
    """Read everything else once (the Studio passes what it knows). Nothing here raises for a broken
    machine: each problem becomes a reading."""
    probe = run_probe(probe_command, probe_timeout_s)
    capability = gpu.capability or (probe.torch.capability if probe.torch else None)
    weight_set = default_weight_set(capability)
    weights, weights_error = _weights(weights_dir, weight_set)
    return Environment(
        system=platform.system(), platform=platform.platform(), python=platform.python_version(),
        python_exe=sys.executable, gpu=gpu, probe=probe, engine_dist=read_engine_dist(),
        host_ram_gib=host_ram_gib, preset=preset, auto_preset=auto_preset, preset_error=preset_error,
        low_ram=low_ram, low_ram_setting=low_ram_setting, weights_dir=weights_dir,
        free_disk_gb=free_disk_gb(weights_dir), weight_set=weight_set, weights=weights, weights_error=weights_error,
    )


# ---- the report -----------------------------------------------------------------------------------
LABELS = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


Verdict = Literal["no_gpu", "not_ready", "ready"]
VERDICT_TEXT: dict[Verdict, str] = {which: text(f"doctor.verdict.{which}") for which in get_args(Verdict)}


def verdict(checks: Sequence[Check]) -> Verdict:
    """The one-word outcome of a run: the GPU line failing outranks every other failure."""
    if any(c.name == "GPU" and c.status == "fail" for c in checks):
        return "no_gpu"
    return "not_ready" if any(c.status == "fail" for c in checks) else "ready"


@dataclass(frozen=True)
class DoctorReport:
    """One run of every check, in report order, with its verdict and the copyable text."""

    checks: tuple[Check, ...]

    @property
    def verdict(self) -> Verdict:
        return verdict(self.checks)

    @property
    def headline(self) -> str:
        return VERDICT_TEXT[self.verdict]

    @property
    def failed(self) -> bool:
        return any(c.status == "fail" for c in self.checks)

    @property
    def text(self) -> str:
        return report_text(self.checks)

    def text_in(self, lang: str) -> str:
        return report_text(self.checks, lang)

    def headline_in(self, lang: str) -> str:
        return verdict_text(self.verdict, lang)


def report_text(checks: Sequence[Check], lang: str = "en") -> str:
    """The plain-text report in `lang`: one line per check, the fix indented under it, a verdict at the end.
    Values (versions, sizes, commands, the system's own error text) stay as they are."""
    lines = [text("doctor.title", lang, version=APP_VERSION)]
    fix = text("doctor.fix", lang)
    for check in checks:
        lines.append(f"[{LABELS[check.status]}] {check.name_in(lang)}: {check.detail_in(lang)}")
        if check.fix and check.status != "ok":
            lines.append(f"       {fix}: {check.fix_in(lang)}")
    counts = {status: sum(c.status == status for c in checks) for status in LABELS}
    lines.append(text("doctor.counts", lang, **counts) + " " + verdict_text(verdict(checks), lang))
    return "\n".join(lines) + "\n"


def verdict_text(which: Verdict, lang: str = "en") -> str:
    return text(f"doctor.verdict.{which}", lang)
