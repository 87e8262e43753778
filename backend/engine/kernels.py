"""Kernel choice: which matmul scheme and attention LightX2V should use on this GPU, decided by
compute capability, what is installed, and a tiny real call of each candidate.

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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

MAX_REL_ERROR = 0.08
"""A quantized 8-bit matmul on random data lands within ~1-4% of bf16; above this it is broken."""


@dataclass(frozen=True)
class KernelProbe:
    name: str
    kind: Literal["quant", "attention"]
    ok: bool
    detail: str
    ms: float | None = None
    """Time of one call at a video-sized shape, when measured: the fastest working choice wins."""


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


def patch_sageattention_v1() -> bool:
    """LightX2V binds SageAttention 2's `sageattn_qk_int8_pv_fp16_triton` on sm_89/sm_120; PyPI's 1.0.6
    lacks it and the import fails quietly, leaving None. Point the global at 1.0.6's `sageattn`."""
    try:
        from lightx2v.common.ops.attn import sage_attn
    except Exception:
        return False
    if getattr(sage_attn, "sageattn", None) is not None:
        return True
    try:
        from sageattention import sageattn as v1
    except ImportError:
        return False
    sage_attn.sageattn = v1
    logger.info("Pointed LightX2V's sage_attn2 at SageAttention 1.x")
    return True


def probe_quant(scheme: str) -> KernelProbe:
    """Run one small quantized matmul through LightX2V's own weight class and compare with bf16."""
    import torch
    from lightx2v.utils.registry_factory import MM_WEIGHT_REGISTER

    try:
        gen = torch.Generator(device="cuda").manual_seed(0)
        out_f, in_f, tokens = 256, 512, 64
        w = torch.randn(out_f, in_f, device="cuda", generator=gen) * 0.02
        x = torch.randn(tokens, in_f, device="cuda", generator=gen, dtype=torch.bfloat16)
        bias = torch.randn(out_f, device="cuda", generator=gen) * 0.01
        fp8 = scheme.startswith("fp8")
        qmax = 448.0 if fp8 else 127.0
        scale = w.abs().amax(dim=1, keepdim=True) / qmax
        q = (w / scale).to(torch.float8_e4m3fn) if fp8 else (w / scale).round().clamp(-128, 127).to(torch.int8)
        layer = MM_WEIGHT_REGISTER[scheme]("probe.weight", "probe.bias")
        layer.load({"probe.weight": q, "probe.weight_scale": scale.float(), "probe.bias": bias.bfloat16()})
        got = layer.apply(x).float()
        want = (x.float() @ (q.float() * scale).t()) + bias
        err = float((got - want).norm() / want.norm())
        ok = bool(torch.isfinite(got).all()) and err < MAX_REL_ERROR
        return KernelProbe(scheme, "quant", ok, f"relative error {err:.1%}")
    except Exception as err:  # any failure means "do not use this scheme here"
        return KernelProbe(scheme, "quant", False, f"{type(err).__name__}: {err}"[:300])


def probe_attention(name: str) -> KernelProbe:
    """Run LightX2V's attention op on a small tensor and compare with torch_sdpa."""
    import torch
    from lightx2v.utils.registry_factory import ATTN_WEIGHT_REGISTER

    try:
        if name == "sage_attn2" and not patch_sageattention_v1():
            return KernelProbe(name, "attention", False, "sageattention is not importable")
        gen = torch.Generator(device="cuda").manual_seed(0)
        shape = (256, 4, 128)  # tokens, heads, head_dim (Wan: 128)
        q, k, v = (torch.randn(*shape, device="cuda", generator=gen, dtype=torch.bfloat16) for _ in range(3))
        op = ATTN_WEIGHT_REGISTER[name]()
        got = op.apply(q, k, v).float()
        ref = torch.nn.functional.scaled_dot_product_attention(
            q.transpose(0, 1).unsqueeze(0), k.transpose(0, 1).unsqueeze(0), v.transpose(0, 1).unsqueeze(0)
        )
        want = ref.squeeze(0).transpose(0, 1).reshape(shape[0], -1).float()
        err = float((got - want).norm() / want.norm())
        ok = bool(torch.isfinite(got).all()) and err < MAX_REL_ERROR
        ms = _time_attention(op, gen) if ok else None
        timing = f", {ms:.2f} ms at 8k tokens x 40 heads" if ms is not None else ""
        return KernelProbe(name, "attention", ok, f"relative error {err:.1%}{timing}", ms)
    except Exception as err:
        return KernelProbe(name, "attention", False, f"{type(err).__name__}: {err}"[:300])


def _time_attention(op: Any, gen: Any) -> float:
    """Median time of one attention call at a shape like Wan's (40 heads of 128): which kernel is fastest
    differs by card (SageAttention 1 lost to torch's flash kernel on an H200 by 15% a step)."""
    import torch

    q, k, v = (torch.randn(8192, 40, 128, device="cuda", generator=gen, dtype=torch.bfloat16) for _ in range(3))
    op.apply(q, k, v)
    times = []
    for _ in range(3):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        op.apply(q, k, v)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[1]


def choose(
    capability: tuple[int, int], quant: str = "auto", attention: str = "auto"
) -> tuple[str, str, list[KernelProbe]]:
    """Pick the first working scheme and attention. An explicit choice is still probed, so a wrong
    override fails here with the reason instead of at the first step."""
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
