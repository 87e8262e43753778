"""Kernel choice: which matmul scheme and attention LightX2V should use on this GPU, decided by
compute capability, what is installed, and a real call of each candidate at the model's own shapes
(backend/engine/kernel_probes.py): the fastest one that computes correctly wins.

Run as `python -m backend.engine.kernels --json` it prints a probe report for the doctor (in a child
process, so a crashing kernel can never take the app down).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from backend.engine.kernel_probes import KernelProbe, patch_sageattention_v1, probe_attention, probe_quant

logger = logging.getLogger(__name__)

__all__ = ["KernelProbe", "choose", "choose_cached", "patch_sageattention_v1", "probe_attention", "probe_quant",
           "weight_set_for"]


def quant_candidates(capability: tuple[int, int]) -> list[str]:
    """Matmul schemes worth trying, best first. FP8 tensor cores start at sm_89 (RTX 40)."""
    if capability >= (8, 9):
        schemes = ["fp8-triton"]
        if platform.system() != "Windows":  # Windows torch builds lack row-wise _scaled_mm
            schemes.append("fp8-torchao")
        return schemes
    return ["int8-triton"]


def attention_candidates() -> list[str]:
    names = []
    if importlib.util.find_spec("sageattention") is not None:
        names.append("sage_attn2")
    names.append("torch_sdpa")
    return names


def weight_set_for(scheme: str) -> Literal["fp8", "int8"]:
    return "fp8" if scheme.startswith("fp8") else "int8"


def choose(
    capability: tuple[int, int], quant: str = "auto", attention: str = "auto"
) -> tuple[str, str, list[KernelProbe]]:
    """Pick the fastest working scheme and attention (a probe without a time keeps the order of preference).
    An explicit choice is still probed, so a wrong override fails here with the reason instead of at the
    first step."""
    probes: list[KernelProbe] = []
    picked: dict[str, str] = {}
    for kind, wanted, candidates, probe in (
        ("quant", quant, quant_candidates(capability), probe_quant),
        ("attention", attention, attention_candidates(), probe_attention),
    ):
        results = []
        for name in [wanted] if wanted != "auto" else candidates:
            result = probe(name)
            probes.append(result)
            logger.info("Kernel probe %s: %s (%s)", name, "ok" if result.ok else "failed", result.detail)
            if result.ok:
                results.append(result)
                if result.ms is None:  # untimed kinds keep the order of preference
                    break
        if results:
            picked[kind] = min(results, key=lambda r: r.ms if r.ms is not None else 0.0).name
    return picked.get("quant", ""), picked.get("attention", ""), probes


def choose_cached(capability: tuple[int, int], quant: str, attention: str, cache: Path | None,
                  key: dict[str, str]) -> tuple[str, str, list[KernelProbe]]:
    """`choose`, remembered per machine: the probes compile Triton kernels and time attention (~1-2 s of
    every start). The key holds the GPU, driver and package versions, so an update probes again."""
    stored: dict[str, Any] = {}
    if cache is not None:
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
    wanted = {**key, "quant": quant, "attention": attention}
    if stored.get("key") == wanted and stored.get("quant_scheme") and stored.get("attention"):
        probes = [KernelProbe(**p) for p in stored.get("probes", [])]
        return stored["quant_scheme"], stored["attention"], probes
    scheme, attn, probes = choose(capability, quant, attention)
    if cache is not None and scheme and attn:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps({"key": wanted, "quant_scheme": scheme, "attention": attn,
                                         "probes": [asdict(p) for p in probes]}), encoding="utf-8")
        except OSError as err:
            logger.warning("Could not remember the kernel choice: %s", err)
    return scheme, attn, probes


def probe_report() -> dict[str, Any]:
    """Everything the doctor needs to know about torch, Triton, LightX2V and the kernels here."""
    report: dict[str, Any] = {}
    try:
        import torch

        info: dict[str, Any] = {"ok": True, "version": torch.__version__, "cuda": torch.version.cuda,
                                "cuda_available": torch.cuda.is_available(), "error": None}
        info["arch_list"] = torch.cuda.get_arch_list() if info["cuda_available"] else []
        if info["cuda_available"]:
            info["device"] = torch.cuda.get_device_name(0)
            info["capability"] = list(torch.cuda.get_device_capability(0))
            try:
                info["tiny_op_ok"] = float((torch.ones(4, device="cuda") * 2).sum().item()) == 8.0
            except Exception as err:  # "no kernel image is available" lands here
                info["tiny_op_ok"], info["error"] = False, f"{type(err).__name__}: {err}"
        report["torch"] = info
    except Exception as err:
        report["torch"] = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        return report
    try:
        import triton

        report["triton"] = {"ok": True, "version": triton.__version__, "error": None}
    except Exception as err:
        report["triton"] = {"ok": False, "version": None, "error": f"{type(err).__name__}: {err}"}
    started = time.monotonic()
    try:
        from backend.engine.importer import import_pipeline_class

        import_pipeline_class()  # the same import the engine does
        report["lightx2v"] = {"ok": True, "error": None, "import_s": round(time.monotonic() - started, 1)}
    except Exception as err:
        report["lightx2v"] = {"ok": False, "error": f"{type(err).__name__}: {err}"[:500]}
    torch_info = report["torch"]
    if report["lightx2v"]["ok"] and torch_info.get("tiny_op_ok"):
        cap = tuple(torch_info["capability"])
        quant, attn, probes = choose((int(cap[0]), int(cap[1])))
        report["kernels"] = [asdict(p) for p in probes]
        report["chosen"] = {"quant_scheme": quant or None, "attention": attn or None}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Probe torch, Triton, LightX2V and kernels on this GPU.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr):  # engine imports print; stdout carries only the JSON
        report = probe_report()
    text = json.dumps(report) if args.json else json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
