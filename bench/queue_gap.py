"""What happens on the CPU between two queued clips, without a GPU: the real Studio, queue, worker, clip
writer and ffmpeg, with an engine whose "GPU work" is a fixed amount of Python (as LightX2V's thread that
launches the kernels is), at 832×480×81. Events, not timers around the whole: each render's start and end
and each step's start and end as the engine sees them.

    python -m bench.queue_gap [--clips 4] [--frames 81] [--out bench/results/<date>-cpu-queue-gap.json]

Reports the worker's hand-off (one render's end to the next one's start) and how much longer the same step's
work takes while the previous clip is being encoded, with the encoder below normal priority (the app) and
at normal priority (before), each in a fresh studio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from backend import video
from backend.engine.base import CancelToken, EngineConfig, EventSink, RenderedVideo, StageEvent
from backend.records import Kernels, Peaks, RenderInfo, StageTimings
from backend.request import FPS, INFER_STEPS, GenerationRequest

WORK = 400_000
"""Python loop iterations per step: ~0.1 s on one free core of the build machine."""


def busy(n: int) -> int:
    total = 0
    for i in range(n):
        total += i & 7
    return total


class LaunchBoundEngine:
    """A VideoEngine whose steps are fixed Python work; records events (monotonic times)."""

    name = "launch-bound"

    def __init__(self) -> None:
        self.events: list[tuple[str, int, float]] = []  # (what, clip index, time)
        self.renders = 0

    def unavailable_reason(self, weights_dir: Path) -> str | None:
        return None

    def load(self, config: EngineConfig, on_event: EventSink) -> None:
        return None

    def unload(self) -> None:
        return None

    def render(self, request: GenerationRequest, config: EngineConfig, on_event: EventSink, cancel: CancelToken,
               loras: Any = None, extras: Any = None) -> RenderedVideo:
        clip = self.renders
        self.renders += 1
        self.events.append(("render_start", clip, time.monotonic()))
        on_event(StageEvent("encoding"))
        on_event(StageEvent("denoising", 0, INFER_STEPS))
        for step in range(INFER_STEPS):
            started = time.monotonic()
            busy(WORK)
            self.events.append(("step", clip, time.monotonic() - started))
            on_event(StageEvent("denoising", step + 1, INFER_STEPS))
        on_event(StageEvent("decoding"))
        rng = np.random.default_rng(clip)  # noise encodes slowly, like the benchmark's synthetic clips
        frames = rng.integers(0, 256, (request.frames, request.height, request.width, 3), dtype=np.uint8)
        self.events.append(("render_end", clip, time.monotonic()))
        return RenderedVideo(frames, FPS, info=RenderInfo(kernels=Kernels("cpu", "cpu", ""), timings=StageTimings(),
                                                          peaks=Peaks(vram_mib=0.0)))


def run(clips: int, niceness: int, frames: int = 81) -> dict[str, Any]:
    from backend.settings import Paths
    from backend.studio import Studio

    video.ENCODER_NICENESS = niceness
    engine = LaunchBoundEngine()
    home = Path(tempfile.mkdtemp(prefix="queue-gap-"))
    studio = Studio(Paths.default(home), engine)
    studio.update_settings(weights_dir=str(home), previews=False)
    studio.start()
    try:
        jobs = studio.submit("a fox", seed=1, width=832, height=480, frames=frames, count=clips)
        done = [studio.queue.wait_for(j.id, ("done", "failed"), 600) for j in jobs]
    finally:
        studio.stop()
    starts = {c: t for what, c, t in engine.events if what == "render_start"}
    ends = {c: t for what, c, t in engine.events if what == "render_end"}
    steps: dict[int, list[float]] = {}
    for what, c, t in engine.events:
        if what == "step":
            steps.setdefault(c, []).append(t)
    handoffs = [starts[c] - ends[c - 1] for c in range(1, clips)]
    saves = [j.timings.save_s for j in done if j.timings.save_s]
    return {"niceness": niceness, "statuses": [j.status for j in done], "handoff_s": [round(x, 4) for x in handoffs],
            "first_clip_step_s": round(statistics.median(steps[0]), 4),
            "later_clip_step_s": round(statistics.median([s for c in range(1, clips) for s in steps[c]]), 4),
            "save_s": round(statistics.median(saves), 3) if saves else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--frames", type=int, default=81)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [run(args.clips, niceness, args.frames) for niceness in (video.ENCODER_NICENESS, 0)]
    out = sys.stdout
    out.write("| encoder niceness | worker hand-off s (median, max) | step s, clip 1 (nothing encoding) | "
              "step s, later clips (previous clip encoding) | slowdown | save s |\n|---|---|---|---|---|---|\n")
    for r in rows:
        h = r["handoff_s"]
        out.write(f"| {r['niceness']} | {statistics.median(h):.4f}, {max(h):.4f} | {r['first_clip_step_s']:.3f} | "
                  f"{r['later_clip_step_s']:.3f} | {r['later_clip_step_s'] / r['first_clip_step_s']:.2f} | "
                  f"{r['save_s']} |\n")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
