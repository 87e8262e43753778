"""Real calls of each candidate kernel at Wan2.1-14B's own shapes, checked against float32 and timed.

A kernel that is wrong only at some shapes (tile edges, the bias path, long key lengths) must fail here,
not in the first clip, so the probes use what one 832×480×81 step runs: 32,760 video tokens, 512 text
tokens, 40 heads of 128, the FFN (5120 → 13824, with bias) and the no-bias GEMM every T5 linear uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

logger = logging.getLogger(__name__)

TOKENS, TEXT_TOKENS, HEADS, HEAD_DIM, DIM, FFN_DIM, T5_DIM, T5_FFN = 32760, 512, 40, 128, 5120, 13824, 4096, 10240
MAX_QUANT_ERROR = {"fp8": 0.04, "int8": 0.015}
"""Relative error against float32 with the same dequantized weights. Correct kernels land near 2.7 %
(FP8 activations carry 3 mantissa bits) and 0.5 % (INT8); a kernel that drops the bias fails the bias-heavy
case by far more, and one that mixes up tiles by ~100 %."""
MAX_ATTENTION_ERROR = 0.05
"""Against float32 softmax attention: bf16 flash kernels land near 0.5 %, SageAttention's int8 QK near 2 %."""
CHECKED_ROWS = 64
"""Output rows compared with the float32 reference (the kernel itself always runs at the full shape)."""


@dataclass(frozen=True)
class KernelProbe:
    name: str
    kind: Literal["quant", "attention"]
    ok: bool
    detail: str
    ms: float | None = None
    """Median time of one call at the model's shape (FFN GEMM or 32k self-attention): the fastest working wins."""


def weight_set_of(scheme: str) -> Literal["fp8", "int8"]:
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


def _failure(err: Exception) -> str:
    if type(err).__name__ == "OutOfMemoryError":  # the doctor may probe while the app holds the model
        return ("not enough free GPU memory to probe at the model's shape (about 2 GiB): free the model or "
                "close what else uses the GPU, then probe again")
    return f"{type(err).__name__}: {err}"[:300]


def median_ms(torch: Any, call: Any, repeats: int = 3) -> float:
    """Median of `repeats` timed calls after one warm-up, with CUDA events."""
    call()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        call()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def _quant_layer(torch: Any, scheme: str, out_f: int, in_f: int, bias_std: float | None, gen: Any) -> tuple[Any, Any]:
    """LightX2V's own weight class for `scheme`, loaded with per-row quantized random weights; returns the
    layer and the dequantized weight (and bias) the reference uses."""
    from lightx2v.utils.registry_factory import MM_WEIGHT_REGISTER

    w = torch.randn(out_f, in_f, device="cuda", generator=gen) * 0.02
    fp8 = weight_set_of(scheme) == "fp8"
    scale = w.abs().amax(dim=1, keepdim=True) / (448.0 if fp8 else 127.0)
    q = (w / scale).to(torch.float8_e4m3fn) if fp8 else (w / scale).round().clamp(-128, 127).to(torch.int8)
    tensors = {"probe.weight": q, "probe.weight_scale": scale.float()}
    bias = None
    if bias_std is not None:
        bias = (torch.randn(out_f, device="cuda", generator=gen) * bias_std).bfloat16()
        tensors["probe.bias"] = bias
    layer = MM_WEIGHT_REGISTER[scheme]("probe.weight", "probe.bias" if bias is not None else None)
    layer.load(tensors)
    if not hasattr(layer, "bias"):  # the class-level default the engine adds for the offloaded T5
        layer.bias = None
    return layer, (q.float() * scale, None if bias is None else bias.float())


def _gemm_error(torch: Any, scheme: str, rows: int, out_f: int, in_f: int, bias_std: float | None, gen: Any,
                timed: bool = False) -> tuple[float, float | None]:
    layer, (w, bias) = _quant_layer(torch, scheme, out_f, in_f, bias_std, gen)
    x = torch.randn(rows, in_f, device="cuda", generator=gen, dtype=torch.bfloat16)
    got = layer.apply(x)
    pick = torch.linspace(0, rows - 1, min(rows, CHECKED_ROWS), device="cuda").long()  # first, last and between
    want = x[pick].float() @ w.t() + (0 if bias is None else bias)
    diff = got[pick].float() - want
    finite = bool(torch.isfinite(got).all())
    err = float(diff.norm() / want.norm()) if finite else float("inf")
    ms = median_ms(torch, lambda: layer.apply(x)) if timed and finite else None
    return err, ms


def probe_quant(scheme: str) -> KernelProbe:
    """The FFN GEMM at 32,760 tokens (timed), a bias-heavy GEMM, and the no-bias T5 GEMM, through
    LightX2V's own weight class for `scheme`; each against float32 with the same dequantized weights."""
    import torch

    try:
        gen = torch.Generator(device="cuda").manual_seed(0)
        limit = MAX_QUANT_ERROR[weight_set_of(scheme)]
        ffn, ms = _gemm_error(torch, scheme, TOKENS, FFN_DIM, DIM, 0.01, gen, timed=True)
        # bias as large as the product itself: a kernel that ignores or mis-scales the bias is off by ~70 %
        heavy, _ = _gemm_error(torch, scheme, 256, DIM, DIM, (DIM ** 0.5) * 0.02, gen)
        t5, _ = _gemm_error(torch, scheme, TEXT_TOKENS, T5_FFN, T5_DIM, None, gen)
        worst = max(ffn, heavy, t5)
        ok = worst <= limit
        detail = (f"relative error FFN {ffn:.2%}, bias-heavy {heavy:.2%}, T5 no-bias {t5:.2%} (limit {limit:.1%})"
                  + (f", {ms:.2f} ms per FFN GEMM at {TOKENS} tokens" if ms is not None else ""))
        return KernelProbe(scheme, "quant", ok, detail, ms if ok else None)
    except Exception as err:  # any failure means "do not use this scheme here"
        return KernelProbe(scheme, "quant", False, _failure(err))
    finally:
        torch.cuda.empty_cache()


def _attention_error(torch: Any, op: Any, q_len: int, kv_len: int, gen: Any,
                     timed: bool = False) -> tuple[float, float | None]:
    q = torch.randn(q_len, HEADS, HEAD_DIM, device="cuda", generator=gen, dtype=torch.bfloat16)
    k, v = (torch.randn(kv_len, HEADS, HEAD_DIM, device="cuda", generator=gen, dtype=torch.bfloat16)
            for _ in range(2))
    lengths = {"cu_seqlens_q": torch.tensor([0, q_len], dtype=torch.int32, device="cuda"),
               "cu_seqlens_kv": torch.tensor([0, kv_len], dtype=torch.int32, device="cuda"),
               "max_seqlen_q": q_len, "max_seqlen_kv": kv_len}
    got = op.apply(q=q, k=k, v=v, **lengths).reshape(q_len, HEADS, HEAD_DIM)
    pick = torch.linspace(0, q_len - 1, min(q_len, CHECKED_ROWS), device="cuda").long()
    scores = torch.einsum("qhd,khd->hqk", q[pick].float(), k.float()) / HEAD_DIM ** 0.5
    want = torch.einsum("hqk,khd->qhd", scores.softmax(dim=-1), v.float())
    finite = bool(torch.isfinite(got).all())
    err = float((got[pick].float() - want).norm() / want.norm()) if finite else float("inf")
    ms = median_ms(torch, lambda: op.apply(q=q, k=k, v=v, **lengths)) if timed and finite else None
    return err, ms


def probe_attention(name: str) -> KernelProbe:
    """Block 0's self-attention (32,760 × 32,760, timed) and cross-attention (32,760 × 512) through
    LightX2V's attention op, against float32 softmax attention."""
    import torch
    from lightx2v.utils.registry_factory import ATTN_WEIGHT_REGISTER

    try:
        if name == "sage_attn2" and not patch_sageattention_v1():
            return KernelProbe(name, "attention", False, "sageattention is not importable")
        gen = torch.Generator(device="cuda").manual_seed(0)
        op = ATTN_WEIGHT_REGISTER[name]()
        self_err, ms = _attention_error(torch, op, TOKENS, TOKENS, gen, timed=True)
        cross_err, _ = _attention_error(torch, op, TOKENS, TEXT_TOKENS, gen)
        ok = max(self_err, cross_err) <= MAX_ATTENTION_ERROR
        detail = (f"relative error self {self_err:.2%}, cross {cross_err:.2%} (limit {MAX_ATTENTION_ERROR:.0%})"
                  + (f", {ms:.1f} ms per self-attention at {TOKENS} tokens × {HEADS} heads" if ms is not None else ""))
        return KernelProbe(name, "attention", ok, detail, ms if ok else None)
    except Exception as err:
        return KernelProbe(name, "attention", False, _failure(err))
    finally:
        torch.cuda.empty_cache()
