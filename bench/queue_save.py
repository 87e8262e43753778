"""How big and how slow a queue save is with a full queue: 100 jobs waiting and 1,000 finished (of which the
queue file keeps the newest HISTORY_LIMIT). Prints a table and writes JSON; runs anywhere, no GPU.

    python -m bench.queue_save [--out bench/results/queue-save.json] [--saves 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from backend.jobs.job import Job, Progress
from backend.jobs.queue import HISTORY_LIMIT, MAX_WAITING, JobQueue
from backend.request import build_request

PROMPT = "A red fox runs through deep snow at dawn, its breath visible, soft golden light, cinematic " * 3
FINISHED = 1000


def stored(path: Path, waiting: int, finished: int) -> None:
    """A queue file as a long-running studio would leave it without pruning."""
    now = time.time()
    jobs = [Job.new(build_request(f"{i} {PROMPT}", 832, 480, 81, i, "auto", ""))
            .with_(status="done", clip_id=f"20260101-000000-{i}", finished_at=now, timings={"save_s": 1.0})
            for i in range(finished)]
    jobs += [Job.new(build_request(f"{i} {PROMPT}", 832, 480, 81, i, "auto", "")) for i in range(waiting)]
    path.write_text(json.dumps({"version": 1, "jobs": [j.to_dict() for j in jobs]}), encoding="utf-8")


def measure(saves: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "queue.json"
        stored(path, MAX_WAITING, FINISHED)
        before = path.stat().st_size
        queue = JobQueue(path)
        started = time.perf_counter()
        queue.restore()
        restore_s = time.perf_counter() - started
        job_id = next(j.id for j in queue.snapshot() if j.status == "queued")
        times = []
        for i in range(saves):  # one persisted change: what every job start, save and finish costs
            started = time.perf_counter()
            queue.update(job_id, progress=Progress(stage="denoising", step=i % 4 + 1, total_steps=4))
            times.append(time.perf_counter() - started)
        times.sort()
        return {"waiting": MAX_WAITING, "finished_given": FINISHED, "finished_kept": HISTORY_LIMIT,
                "file_bytes_unpruned": before, "file_bytes": path.stat().st_size, "restore_s": round(restore_s, 4),
                "save_median_ms": round(statistics.median(times) * 1000, 2),
                "save_p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)] * 1000, 2), "saves": saves}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results/queue-save.json"))
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()
    r = measure(args.saves)
    rows = [("jobs waiting", r["waiting"]), ("finished jobs given", r["finished_given"]),
            ("finished jobs kept in the file", r["finished_kept"]),
            ("file without pruning, kB", round(r["file_bytes_unpruned"] / 1000)),
            ("file as saved, kB", round(r["file_bytes"] / 1000)), ("restore, s", r["restore_s"]),
            ("one save, median ms", r["save_median_ms"]), ("one save, p95 ms", r["save_p95_ms"])]
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
