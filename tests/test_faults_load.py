"""Load: 200 jobs queued at once from three page sessions, about twice what may wait: one runs, 100 wait, the
rest are refused with a clear message and nothing half-added. Order is kept (per session, and jobs run in the
order they were queued), the page keeps answering while the worker drains the queue, memory stays bounded.
How fast it answers is a benchmark's question, not this test's."""

from __future__ import annotations

import gc
import threading

import psutil
import pytest

from backend.jobs.job import FINISHED
from backend.jobs.queue import MAX_WAITING
from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.ui_app import running_app
from tests.test_ui_client import generate

LOAD_JOBS, LOAD_TABS = 200, 3
RSS_GROWTH_LIMIT_MB = 150
TAB_SEED = 100_000
"""Tab n queues seeds n*TAB_SEED, n*TAB_SEED+1, …: the seed tells which tab queued a job, and in what order."""


@pytest.mark.slow
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

        def queue_from(n: int, first: int = 0) -> None:
            for i in range(first, shares[n]):
                message, _seed = generate(tabs[n], f"tab {n} clip {i}", size="256x256", frames=5,
                                          seed=n * TAB_SEED + i, seed_lock=True)
                if not message.startswith("✅ Queued 1 clip"):
                    refusals.append(message)

        # The first job is on the worker (held at the gate) before the rest arrive: then exactly MAX_WAITING wait.
        first_message, _seed = generate(tabs[0], "tab 0 clip 0", size="256x256", frames=5, seed=0, seed_lock=True)
        assert first_message.startswith("✅ Queued 1 clip")
        app.studio.wait_for_job(app.studio.jobs()[0].id, ("running",), 20)
        threads = [threading.Thread(target=queue_from, args=(n, int(n == 0))) for n in range(LOAD_TABS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()  # however long a loaded machine takes (pytest-timeout ends a hang)
        assert len(app.studio.jobs()) == MAX_WAITING + 1 and len(refusals) == LOAD_JOBS - MAX_WAITING - 1
        assert set(refusals) == {f"⚠️ The queue is full: {MAX_WAITING} jobs are waiting and at most {MAX_WAITING} "
                                 "may wait; nothing was added. Wait for some to finish, or cancel the ones you no "
                                 "longer need."}

        gate.set()
        answers = 0
        while True:  # the page answers while the queue drains; each round waits for the next job to move
            for api in ("/progress", "/queue_view"):
                watcher.predict(api_name=api)
                answers += 1
            waiting = [j for j in app.studio.jobs() if j.status not in FINISHED]
            if not waiting:
                break
            app.studio.wait_for_change(waiting[0], timeout=30)
        jobs = app.studio.jobs()
        assert [j.status for j in jobs] == ["done"] * (MAX_WAITING + 1)

        # Per tab, in the order that tab queued them (the first ones, up to when the queue was full); overall,
        # run in the order they were queued.
        for n in range(LOAD_TABS):
            seeds = [j.request.seed for j in jobs if j.request.seed // TAB_SEED == n]
            assert seeds == [n * TAB_SEED + i for i in range(len(seeds))]
        assert [j.id for j in sorted(jobs, key=lambda j: j.started_at or 0)] == [j.id for j in jobs]

        assert answers >= 2
        gc.collect()
        growth_mb = (process.memory_info().rss - rss_before) / 2**20
        assert growth_mb < RSS_GROWTH_LIMIT_MB, f"RSS grew {growth_mb:.0f} MB"

        assert_accounted(app.studio, [j.id for j in jobs])
        assert len(app.studio.clips()) == MAX_WAITING + 1
        assert_gallery_whole(app.studio, play=False)
