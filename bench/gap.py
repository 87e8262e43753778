"""Item 8's queued clips: the GPU's idle share from the first job's start to the last render's end (the
GPU's last work; the last clip's save after it is CPU only and was counted before), and the same batch again
with LightX2V's mid-clip cache emptying turned off.

LightX2V's runner calls maybe_empty_cache() after the T5 encode and in end_run(): when less than
`empty_cache_min_free_gib` (default 4) of the card is free, which is always so under a real limit, it runs a
full gc.collect() and, with 2 GiB or more cached, empties torch's cache (a device synchronisation, and the
next clip maps that memory again). `empty_cache_min_free_gib: 0` turns both off; the allocator still frees
its cache itself when an allocation would fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def queue_batch(studio: Any, submit: Callable[[], list[Any]], sampler: Any,
                record: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    jobs = submit()
    done = [studio.queue.wait_for(j.id, ("done", "failed", "cancelled"), 3600) for j in jobs]
    start = min(j.started_at or 0 for j in done)
    gpu_end = max((j.started_at or 0) + (j.timings.render_s or 0) for j in done)
    end = max(j.finished_at or 0 for j in done)
    return {"count": len(done), "statuses": [j.status for j in done], "wall_s": round(gpu_end - start, 2),
            "gpu": sampler.idle(start, gpu_end), "wall_with_last_save_s": round(end - start, 2),
            "gpu_with_last_save": sampler.idle(start, end), "jobs": [record(j) for j in done],
            "util": [(round(t - start, 2), u) for t, u in sampler.util if start <= t <= end]}


def keep_cache(studio: Any) -> bool:
    """Turn LightX2V's mid-clip gc.collect() and cache emptying off on the warm pipeline (the key is read
    at each call); False when there is no LightX2V pipeline (the CPU dry run)."""
    pipe = getattr(studio.engine, "_pipe", None)
    if pipe is None:
        return False
    pipe.modify_config({"empty_cache_min_free_gib": 0})
    return True
