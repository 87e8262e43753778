"""Diagnostics for one benchmark process: a profiled clip, and what is still held after an unload."""

from __future__ import annotations

from typing import Any


def kept_gib() -> float:
    from bench.run_one import _rss_kept_gib

    return _rss_kept_gib()


def leftovers() -> dict[str, Any]:
    """After "Free GPU memory": what is still held, and who holds any LightX2V runner still alive."""
    import gc

    import torch

    gc.collect()
    runners = [o for o in gc.get_objects() if type(o).__name__.endswith("Runner") and "lightx2v" in type(o).__module__]
    holders = []
    for runner in runners[:2]:
        for ref in gc.get_referrers(runner):
            if ref is runners:
                continue
            desc = type(ref).__name__
            if isinstance(ref, dict):
                keys = [k for k, v in ref.items() if v is runner][:3]
                owners = [type(o).__name__ for o in gc.get_referrers(ref) if o is not runners][:4]
                desc += f" keys={keys} owned by {owners}"
            elif hasattr(ref, "__qualname__"):
                desc += f" {ref.__qualname__}"
            holders.append(desc[:200])
    return {"allocated_mib": round(torch.cuda.memory_allocated() / 2**20, 1),
            "reserved_mib": round(torch.cuda.memory_reserved() / 2**20, 1), "kept_gib": round(kept_gib(), 2),
            "runners_alive": [type(r).__name__ for r in runners], "runner_referrers": holders[:20]}


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
