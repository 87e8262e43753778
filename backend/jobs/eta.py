"""Progress fraction and ETA from stage events, learnt from the last clip of the same shape."""

from __future__ import annotations

import threading

from backend.records import StageTimings

# Share of a clip's time per stage before anything is measured (H100 baseline: steps dominate).
DEFAULT_SHARE = {"encoding": 0.05, "denoising": 0.80, "decoding": 0.10, "saving": 0.05}
ORDER = ("encoding", "denoising", "decoding", "saving")


class EtaModel:
    """Remembers stage durations per (preset, token count) and turns a stage event into
    (fraction done, seconds left)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._history: dict[tuple[str, int], dict[str, float]] = {}

    def record(self, key: tuple[str, int], timings: StageTimings) -> None:
        """Learn a finished clip's stage durations (only a clip with every stage measured)."""
        durations = {"encoding": timings.encode_s or 0.0, "denoising": timings.denoise_s or 0.0,
                     "decoding": timings.decode_s or 0.0, "saving": timings.save_s or 0.0}
        if all(durations[s] > 0 for s in ORDER):
            with self._lock:
                self._history[key] = {s: durations[s] for s in ORDER}

    def estimate(self, key: tuple[str, int], stage: str, step: int, total_steps: int,
                 stage_elapsed: float, elapsed: float) -> tuple[float, float | None]:
        with self._lock:
            known = self._history.get(key)
        if stage not in ORDER:
            return 0.0, None
        within = step / total_steps if stage == "denoising" and total_steps else 0.0
        if known:
            done = sum(known[s] for s in ORDER[: ORDER.index(stage)])
            expected = known[stage]
            done += expected * within if stage == "denoising" else min(stage_elapsed, expected)
            total = sum(known.values())
            return min(1.0, done / total), max(0.0, total - done)
        before = sum(DEFAULT_SHARE[s] for s in ORDER[: ORDER.index(stage)])
        fraction = before + DEFAULT_SHARE[stage] * within
        # Extrapolate only once a denoising step has been timed; before that a guess would mislead.
        if (stage == "denoising" and step == 0) or fraction < 0.2:
            return fraction, None
        return fraction, elapsed / fraction * (1 - fraction)
