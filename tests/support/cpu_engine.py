"""A CPU test engine: real frames, real stage events and per-step cancel, no GPU. Lives in tests/
only; the product can never select it."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from backend.engine.base import CancelToken, EngineConfig, EventSink, RenderedVideo, RenderExtras, StageEvent
from backend.errors import OutOfVram, StudioError
from backend.lora.merge import LoraSet
from backend.preview.latent_rgb import latent_shape, x0_after_step
from backend.records import Kernels, Peaks, RenderInfo, StageTimings
from backend.request import FPS, INFER_STEPS, GenerationRequest

SIGMAS = (1.0, 0.9375, 0.8333, 0.625)
"""WanStepDistillScheduler's sigmas for steps [1000, 750, 500, 250] with sample_shift 5."""


def frames_for(request: GenerationRequest) -> np.ndarray:
    """Deterministic moving colour bars: the same seed gives the same frames."""
    rng = np.random.default_rng(request.seed)
    base = rng.integers(0, 256, size=(1, 1, 3), dtype=np.uint8)
    t = np.arange(request.frames, dtype=np.int32)[:, None, None, None]
    x = np.arange(request.width, dtype=np.int32)[None, None, :, None]
    y = np.arange(request.height, dtype=np.int32)[None, :, None, None]
    frames = (base.astype(np.int32) + x + y // 2 + 8 * t) % 256
    return frames.astype(np.uint8)


class CpuScheduler:
    """The state LightX2V's step-distill scheduler holds after step_post(), with a known clean video.
    The "model" predicts x0 as the clean latent plus less of the noise at each step (exact at the last),
    so every step's preview differs and the last one is `clean`."""

    def __init__(self, request: GenerationRequest) -> None:
        rng = np.random.default_rng(request.seed)
        shape = latent_shape(request.width, request.height, request.frames)
        self.clean = rng.standard_normal(shape, dtype=np.float32) * 0.5
        self.noise = rng.standard_normal(shape, dtype=np.float32)
        self.sigmas = np.array(SIGMAS, dtype=np.float32)
        self.infer_steps = INFER_STEPS
        self.step_index = 0
        self.latents = self.noise.copy()
        self.noise_pred = np.zeros_like(self.noise)

    def predicted_x0(self, index: int) -> np.ndarray:
        return self.clean + self.noise * (0.5 * (1 - (index + 1) / self.infer_steps))

    def step(self, index: int) -> None:
        """step_pre + infer + step_post, as the real scheduler's arithmetic."""
        self.step_index = index
        sigma = self.sigmas[index]
        self.noise_pred = (self.latents - self.predicted_x0(index)) / sigma  # the flow that gives that x0
        x0 = self.latents - sigma * self.noise_pred
        if index < self.infer_steps - 1:
            x0 = x0 + self.noise_pred * self.sigmas[index + 1]
        self.latents = x0


@dataclass
class CpuTestEngine:
    """Knobs: delays per stage, presets that raise out-of-VRAM, a gate that holds a step."""

    step_delay: float = 0.02
    encode_delay: float = 0.01
    decode_delay: float = 0.01
    load_delay: float = 0.0
    oom_presets: tuple[str, ...] = ()
    fail_with: StudioError | None = None
    unavailable: str | None = None
    gate: threading.Event | None = None
    """When set, each stage waits for it (tests release it to move on)."""
    name: str = "cpu-test"
    loads: int = 0
    renders: list[tuple[str, int]] = field(default_factory=list)
    events: list[StageEvent] = field(default_factory=list)
    lora_sets: list[LoraSet | None] = field(default_factory=list)
    unloaded: threading.Event = field(default_factory=threading.Event)
    """Set when the worker has unloaded the model (its state says so right after)."""
    _key: Any = None

    def unavailable_reason(self, weights_dir: Path) -> str | None:
        return self.unavailable

    def load(self, config: EngineConfig, on_event: EventSink) -> None:
        if self._key == config.build_key():
            return
        self._emit(on_event, StageEvent("loading"))
        time.sleep(self.load_delay)
        self._key = config.build_key()
        self.loads += 1

    def unload(self) -> None:
        self._key = None
        self.unloaded.set()

    def _emit(self, on_event: EventSink, event: StageEvent) -> None:
        self.events.append(event)
        on_event(event)

    def _wait(self, cancel: CancelToken, delay: float) -> None:
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if cancel.cancelled:
                    break
        time.sleep(delay)

    def render(self, request: GenerationRequest, config: EngineConfig, on_event: EventSink,
               cancel: CancelToken, loras: LoraSet | None = None,
               extras: RenderExtras | None = None) -> RenderedVideo:
        extras = extras or RenderExtras()
        self.renders.append((config.preset.name, request.seed))
        self.lora_sets.append(loras)
        started = time.monotonic()
        self.load(config, on_event)
        t_load = time.monotonic()
        if self.fail_with is not None:
            raise self.fail_with
        self._emit(on_event, StageEvent("encoding"))
        self._wait(cancel, self.encode_delay)
        t_enc = time.monotonic()
        self._emit(on_event, StageEvent("denoising", 0, INFER_STEPS))
        scheduler = CpuScheduler(request)
        last = extras.stop_after_step or INFER_STEPS
        ends = [t_enc]
        for step in range(last):
            cancel.raise_if_cancelled()  # checked before each step, like LightX2V's stop_signal
            self._wait(cancel, self.step_delay)
            if config.preset.name in self.oom_presets:
                raise OutOfVram("denoising", None)
            scheduler.step(step)
            if extras.previews is not None:  # the same path as the adapter's step hook, host-side
                x0 = np.array(x0_after_step(scheduler), dtype=np.float32)
                extras.previews.offer(step + 1, INFER_STEPS, partial(np.asarray, x0))
            self._emit(on_event, StageEvent("denoising", step + 1, INFER_STEPS))
            ends.append(time.monotonic())
        t_steps = time.monotonic()
        if extras.stop_after_step is not None:
            return RenderedVideo(np.zeros((0, request.height, request.width, 3), np.uint8), FPS,
                                 info=RenderInfo(timings=StageTimings(denoise_s=t_steps - t_enc), peaks=Peaks(0.0)))
        self._emit(on_event, StageEvent("decoding"))
        self._wait(cancel, self.decode_delay)
        frames = frames_for(request)
        cancel.raise_if_cancelled()
        done = time.monotonic()
        return RenderedVideo(frames, FPS, info=RenderInfo(
            engine_config=tuple(config.preset.engine_config(config.low_ram).items()),
            kernels=Kernels("cpu", "cpu", ""),
            timings=StageTimings(load_s=t_load - started, encode_s=t_enc - t_load, denoise_s=t_steps - t_enc,
                                 decode_s=done - t_steps, step_s=(t_steps - t_enc) / last,
                                 steps_s=tuple(b - a for a, b in itertools.pairwise(ends))),
            peaks=Peaks(vram_mib=0.0), loras=loras.describe() if loras else (),
            lora_layers=loras.layers_applied if loras else 0))
