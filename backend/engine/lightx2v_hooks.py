"""What the adapter adds to a LightX2V runner: stage events, per-step cancel, timings, and the
upstream workarounds (T5 offload bias default, SageAttention 1.x binding, T5 embedding back to CPU)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from backend.engine.base import CancelToken, EventSink, StageEvent, StepPreviews
from backend.engine.lightx2v_preview import capture_step
from backend.engine.lightx2v_tiny import TinyDecoder
from backend.errors import Cancelled
from backend.records import StageTimings
from backend.request import INFER_STEPS

logger = logging.getLogger(__name__)


RANDOM_INITS = ("normal_", "uniform_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_",
                "xavier_uniform_", "xavier_normal_", "orthogonal_")


@contextlib.contextmanager
def skip_random_init() -> Iterator[None]:
    """Build modules without drawing random initial weights that the checkpoint overwrites anyway.

    Constructing the 5.7B-parameter T5 on the CPU spends ~35 s in random init before its weights are
    read. Every module LightX2V builds here is then filled by a strict load_state_dict (T5, VAE) or
    by its own weight classes (DiT), so skipping the draw changes no output.
    """
    import torch

    saved = {name: getattr(torch.nn.init, name) for name in RANDOM_INITS if hasattr(torch.nn.init, name)}

    def keep(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        return tensor

    for name in saved:
        setattr(torch.nn.init, name, keep)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(torch.nn.init, name, fn)


def add_t5_bias_default(scheme: str) -> None:
    """LightX2V's offloaded T5 builds its quantized linears without a bias name, so the Triton weight
    classes never get a `bias` attribute and `apply` fails on it. A class-level None fixes that."""
    from lightx2v.utils.registry_factory import MM_WEIGHT_REGISTER

    cls = MM_WEIGHT_REGISTER[scheme]
    if not hasattr(cls, "bias"):
        cls.bias = None


def _offloaded_t5_parts(runner: Any) -> list[Any]:
    """The T5 modules LightX2V moves to the GPU at each encode when the T5 is offloaded."""
    encoders = getattr(runner, "text_encoders", None) or []
    model = getattr(encoders[0], "model", None) if encoders else None
    if model is None or not getattr(model, "cpu_offload", False):
        return []
    return [m for m in (getattr(model, "token_embedding", None), getattr(model, "norm", None)) if m is not None]


def _tensors(module: Any) -> list[Any]:
    return [*module.parameters(), *module.buffers()]


def pin_t5_embedding(runner: Any) -> None:
    """Before an encode: keep a pinned host copy of the parts LightX2V will move to the GPU, so moving
    them there is a fast pinned copy and moving them back costs nothing (see park_t5_embedding)."""
    for module in _offloaded_t5_parts(runner):
        for t in _tensors(module):
            if t.device.type == "cpu" and getattr(t, "_studio_pinned", None) is None:
                t.data = t.data.pin_memory()
                t._studio_pinned = t.data


def park_t5_embedding(runner: Any) -> bool:
    """After an encode: with t5_cpu_offload LightX2V leaves the 2.1 GiB token embedding on the GPU.
    Pointing it back at its pinned host copy (the weights never change, so nothing is copied) frees
    that memory: this is what lets the 8 GB preset stay warm without reloading the T5."""
    import torch

    parked = False
    for module in _offloaded_t5_parts(runner):
        for t in _tensors(module):
            pinned = getattr(t, "_studio_pinned", None)
            if pinned is not None and t.device.type != "cpu":
                t.data = pinned
                parked = True
            elif pinned is None and t.device.type != "cpu":
                t.data = t.data.to("cpu")
                parked = True
    if parked:
        torch.cuda.empty_cache()
    return parked


@dataclass
class JobContext:
    """The running job, as the runner hooks see it."""

    on_event: EventSink
    cancel: CancelToken
    marks: dict[str, float] = field(default_factory=dict)
    step_times: list[float] = field(default_factory=list)
    stage: str = "encoding"
    previews: StepPreviews | None = None
    stop_after_step: int | None = None
    """A draft: stop cleanly once this step has ended."""
    stopped_early: bool = False
    notes: list[str] = field(default_factory=list)
    """What the job's record should say (previews that fell back to the colour map)."""


class RunnerHooks:
    """Installed once per pipeline; `job` is set for the duration of each generate()."""

    def __init__(self, runner: Any, embedding_to_cpu: bool) -> None:
        self.runner = runner
        self.embedding_to_cpu = embedding_to_cpu
        self.job: JobContext | None = None
        self.tiny = TinyDecoder(runner)
        """The sharper previews' decoder, beside the runner: never the runner's own VAE."""
        self._wrap("run_text_encoder", self._around_encode)
        self._wrap("run_vae_decoder", self._around_decode)
        runner.set_progress_callback(self._on_step)

    def _wrap(self, name: str, around: Callable[..., Any]) -> None:
        original = getattr(self.runner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return around(original, *args, **kwargs)

        setattr(self.runner, name, wrapped)

    def _emit(self, stage: Any, step: int = 0) -> None:
        if self.job is not None:
            self.job.stage = stage
            self.job.marks[stage] = time.monotonic()
            self.job.on_event(StageEvent(stage, step, INFER_STEPS if stage == "denoising" else 0))

    def _around_encode(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._emit("encoding")
        if self.embedding_to_cpu:
            pin_t5_embedding(self.runner)
        out = original(*args, **kwargs)
        if self.embedding_to_cpu:
            park_t5_embedding(self.runner)
        self._emit("denoising", 0)
        self._maybe_stop()
        return out

    def _on_step(self, percent: float, _total: float) -> None:
        if self.job is None:
            return
        now = time.monotonic()
        previous = self.job.step_times[-1] if self.job.step_times else self.job.marks.get("denoising", now)
        self.job.step_times.append(now)
        step = round(percent / 100 * INFER_STEPS)
        if self.job.previews is not None:
            capture_step(self.runner, self.job.previews, step, INFER_STEPS, self.tiny, self.job.notes)
        self.job.on_event(StageEvent("denoising", step, INFER_STEPS))
        logger.debug("step %d took %.2f s", step, now - previous)
        if self.job.stop_after_step is not None and step >= self.job.stop_after_step and step < INFER_STEPS:
            self.job.stopped_early = True  # LightX2V's own stop before the next step: nothing more runs
            self.runner.stop_signal = True
        self._maybe_stop()

    def _around_decode(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._emit("decoding")
        out = original(*args, **kwargs)
        if self.job is not None:
            self.job.marks["decoded"] = time.monotonic()
            if self.job.cancel.cancelled:
                raise Cancelled()  # no check point after decode upstream: skip the rest ourselves
        return out

    def _maybe_stop(self) -> None:
        # LightX2V checks stop_signal before each step: a clean stop at a step boundary, never inside one.
        if self.job is not None and self.job.cancel.cancelled:
            self.runner.stop_signal = True

    def timings(self) -> StageTimings:
        """Stage durations of the job that just ran (seconds)."""
        if self.job is None:
            return StageTimings()
        m, steps = self.job.marks, self.job.step_times
        encode = decode = denoise = step = first = None
        durations: list[float] = []
        if "encoding" in m and "denoising" in m:
            encode = m["denoising"] - m["encoding"]
        if steps and "denoising" in m:
            denoise = steps[-1] - m["denoising"]
            durations = [b - a for a, b in itertools.pairwise([m["denoising"], *steps])]
            step, first = sum(durations) / len(durations), durations[0]
        if "decoding" in m and "decoded" in m:
            decode = m["decoded"] - m["decoding"]
        return StageTimings(encode_s=_round(encode), denoise_s=_round(denoise), step_s=_round(step),
                            first_step_s=_round(first), decode_s=_round(decode),
                            steps_s=tuple(round(d, 3) for d in durations))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
