"""Diagnostics for one benchmark process: a profiled clip, and what is still held after an unload."""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path
from typing import Any


def kept_gib() -> float:
    from bench.run_one import _rss_kept_gib

    return _rss_kept_gib()


HELD = ("Runner", "LightX2VPipeline", "WanModel", "WanDistillModel", "WanVAE", "WanVAE_tiny", "T5EncoderModel")
"""Type names (a runner's class ends with the first) of what the unloaded pipeline was made of."""


def _describe(obj: Any) -> str:
    if isinstance(obj, types.FrameType):
        return f"frame {obj.f_code.co_name} ({Path(obj.f_code.co_filename).name}:{obj.f_lineno})"
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__}"
    if isinstance(obj, types.FunctionType | types.MethodType):
        return f"{type(obj).__name__} {obj.__qualname__}"
    if isinstance(obj, dict):
        return f"dict keys={[str(k)[:40] for k in list(obj)[:5]]}"
    if isinstance(obj, types.TracebackType):
        return f"traceback at {_describe(obj.tb_frame)}"
    if isinstance(obj, BaseException):
        return f"{type(obj).__name__}: {str(obj)[:80]}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def holder_chains(target: Any, depth: int = 6, limit: int = 8, ignore: tuple[Any, ...] = (),
                  budget_s: float = 20.0) -> list[str]:
    """Who keeps `target` alive: chains of referrers ("X <- held by Y <- ..."), each ending at something
    that nothing tracked refers to (a module's globals, a running thread's frame, a C-level owner) or at
    `depth`. Only the garbage collector's view: a reference held in C (a CUDA callback, a C++ hook) shows
    as a chain that ends early; `unexplained` in `pipeline_holders` counts those."""
    import gc

    chains: list[str] = []
    deadline = time.monotonic() + budget_s  # each look walks the whole heap (millions of objects with torch)
    seen = {id(target)}
    mine: set[int] = {id(o) for o in ignore}

    def walk(obj: Any, path: list[str], left: int) -> None:
        if len(chains) >= limit or time.monotonic() > deadline:
            return
        mine.add(id(sys._getframe()))
        refs = [r for r in gc.get_referrers(obj) if id(r) not in seen and id(r) not in mine
                and not (isinstance(r, types.FrameType) and r.f_code in _OWN_CODE)]
        top = refs[:3]
        mine.update((id(refs), id(top)))
        if left == 0 or not refs:
            chains.append(" <- ".join(path))
            return
        for ref in top:
            seen.add(id(ref))
            walk(ref, [*path, _describe(ref)], left - 1)

    walk(target, [_describe(target)], depth)
    return chains


def pipeline_holders(names: tuple[str, ...] = HELD, module_prefix: str = "lightx2v") -> dict[str, Any]:
    """After an unload: every object still alive whose type is one of `names` (from modules under
    `module_prefix`), and who holds the first few of each kind."""
    import gc

    gc.collect()
    alive = [o for o in gc.get_objects()
             if str(type(o).__module__).startswith(module_prefix) and type(o).__name__.endswith(names)]
    found: dict[str, Any] = {"alive": sorted({type(o).__name__ for o in alive}), "count": len(alive), "holders": {}}
    for i in range(min(3, len(alive))):  # by index: a slice and its iterator would show as holders
        obj = alive[i]
        seen_by_gc = len(gc.get_referrers(obj)) - 1  # this list
        found["holders"][type(obj).__name__] = {
            "chains": holder_chains(obj, ignore=(alive,)), "unexplained": max(0, sys.getrefcount(obj) - 2 - seen_by_gc)}
    alive.clear()
    return found


def leftovers() -> dict[str, Any]:
    """After "Free GPU memory": what is still held on the card and in RAM, and who holds any piece of the
    LightX2V pipeline still alive (the reload row of the report names it)."""
    import torch

    held = pipeline_holders()
    return {"allocated_mib": round(torch.cuda.memory_allocated() / 2**20, 1),
            "reserved_mib": round(torch.cuda.memory_reserved() / 2**20, 1), "kept_gib": round(kept_gib(), 2),
            "runners_alive": [n for n in held["alive"] if n.endswith("Runner")], "pipeline": held}


def profiled(run: Any) -> dict[str, Any]:
    """Run one clip under torch.profiler: the busiest GPU kernels and copies, and the totals."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        clip = run()
        torch.cuda.synchronize()
    rows = []
    for e in prof.key_averages():
        device = getattr(e, "self_device_time_total", None)
        if device is None:
            device = getattr(e, "self_cuda_time_total", 0)
        if device:
            rows.append({"name": e.key[:120], "count": e.count, "device_ms": round(device / 1000, 2)})
    rows.sort(key=lambda r: -r["device_ms"])
    copies = [r for r in rows if r["name"].startswith("Memcpy") or r["name"].startswith("Memset")]
    return {"clip": clip, "device_ms_total": round(sum(r["device_ms"] for r in rows), 1),
            "copy_ms_total": round(sum(r["device_ms"] for r in copies), 1), "top": rows[:40], "copies": copies}


_OWN_CODE = {holder_chains.__code__, pipeline_holders.__code__}
