"""Load: 200 jobs queued at once from three page sessions. Order is kept (per session, and jobs run in the
order they were queued), the page answers quickly while the worker drains the queue, memory stays bounded."""

from __future__ import annotations

import gc
import statistics
import threading
import time

import psutil

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.ui_app import running_app
from tests.test_ui_client import generate

LOAD_JOBS, LOAD_TABS = 200, 3
MEDIAN_LIMIT_S, MAX_LIMIT_S = 0.5, 3.0
"""Generous bounds for a 2-core CI machine: the page polls /progress and /queue_view once a second."""
RSS_GROWTH_LIMIT_MB = 150
TAB_SEED = 100_000
"""Tab n queues seeds n*TAB_SEED, n*TAB_SEED+1, …: the seed tells which tab queued a job, and in what order."""


def test_two_hundred_jobs_from_three_tabs(paths: Paths) -> None:
    gate = threading.Event()  # closed until every job is queued: they all wait together
    engine = CpuTestEngine(step_delay=0.001, encode_delay=0.0, decode_delay=0.0, gate=gate)
    with running_app(paths, engine) as app:
        tabs, watcher = [app.client() for _ in range(LOAD_TABS)], app.client()
        process = psutil.Process()
        gc.collect()
        rss_before = process.memory_info().rss
        shares = [LOAD_JOBS // LOAD_TABS + (n < LOAD_JOBS % LOAD_TABS) for n in range(LOAD_TABS)]
        refusals: list[str] = []

        def queue_from(n: int) -> None:
            for i in range(shares[n]):
                message, _seed = generate(tabs[n], f"tab {n} clip {i}", size="256x256", frames=5,
                                          seed=n * TAB_SEED + i, seed_lock=True)
                if not message.startswith("✅ Queued 1 clip"):
                    refusals.append(message)

        threads = [threading.Thread(target=queue_from, args=(n,)) for n in range(LOAD_TABS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert refusals == [] and len(app.studio.jobs()) == LOAD_JOBS

        gate.set()
        latencies: list[float] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for api in ("/progress", "/queue_view"):
                started = time.perf_counter()
                watcher.predict(*([None] if api == "/queue_view" else []), api_name=api)
                latencies.append(time.perf_counter() - started)
            if all(j.status in ("done", "failed", "cancelled") for j in app.studio.jobs()):
                break
            time.sleep(0.1)
        jobs = app.studio.jobs()
        assert [j.status for j in jobs] == ["done"] * LOAD_JOBS

        # Per tab, in the order that tab queued them; overall, run in the order they were queued.
        for n in range(LOAD_TABS):
            seeds = [j.request.seed for j in jobs if j.request.seed // TAB_SEED == n]
            assert seeds == [n * TAB_SEED + i for i in range(shares[n])]
        assert [j.id for j in sorted(jobs, key=lambda j: j.started_at or 0)] == [j.id for j in jobs]

        assert len(latencies) >= 10, "the queue drained before the page was measured"
        assert statistics.median(latencies) < MEDIAN_LIMIT_S and max(latencies) < MAX_LIMIT_S, (
            f"median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s over {len(latencies)} calls")
        gc.collect()
        growth_mb = (process.memory_info().rss - rss_before) / 2**20
        assert growth_mb < RSS_GROWTH_LIMIT_MB, f"RSS grew {growth_mb:.0f} MB"

        assert_accounted(app.studio, [j.id for j in jobs])
        assert len(app.studio.clips()) == LOAD_JOBS
        assert_gallery_whole(app.studio, play=False)
