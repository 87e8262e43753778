"""The VideoEngine protocol and the typed objects that cross the engine boundary."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from backend.errors import Cancelled
from backend.lora.merge import LoraSet
from backend.presets import Preset
from backend.records import RenderInfo
from backend.request import GenerationRequest

Stage = Literal["queued", "loading", "encoding", "denoising", "decoding", "saving", "done"]
STAGE_WORDS: dict[str, str] = {
    "queued": "waiting in the queue",
    "loading": "loading the model",
    "encoding": "encoding the prompt",
    "denoising": "denoising",
    "decoding": "decoding the video",
    "saving": "saving the clip",
    "done": "done",
}


@dataclass(frozen=True)
class StageEvent:
    """Engine → worker: a stage began, or a denoising step finished (`step` of `total_steps`)."""

    stage: Stage
    step: int = 0
    total_steps: int = 0


EventSink = Callable[[StageEvent], None]


class StepPreviews(Protocol):
    """Where the engine hands each step's clean-video prediction (backend/preview/publisher.PreviewTap).

    `fetch` returns [16, T, h, w] float latents, or [T, H, W, 3] uint8 frames when `rgb`; it may block
    until an asynchronous host copy is done, and is only ever called off the worker thread."""

    def offer(self, step: int, total_steps: int, fetch: Callable[[], np.ndarray], rgb: bool = False) -> None: ...


@dataclass(frozen=True)
class RenderExtras:
    """What a job adds to render() besides the request."""

    previews: StepPreviews | None = None
    """None: no previews (switched off in Settings)."""
    stop_after_step: int | None = None
    """Drafts: stop cleanly after this denoising step. Nothing is decoded; `frames` is empty."""


class CancelToken:
    """A job's own cancel flag. The engine checks it between steps, never inside one."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class EngineConfig:
    """Everything that decides how the engine is built. A change here means a rebuild."""

    preset: Preset
    low_ram: bool
    weights_dir: Path
    quant_scheme: str = "auto"
    attention: str = "auto"

    def build_key(self) -> tuple[Any, ...]:
        """The parts that need a new pipeline when they change (size and frames do not)."""
        engine_keys = tuple(sorted(self.preset.engine_config(self.low_ram).items()))
        return (engine_keys, self.preset.t5_embedding_to_cpu, str(self.weights_dir), self.quant_scheme,
                self.attention)


@dataclass
class RenderedVideo:
    """Frames ready to encode, plus what the engine wants recorded with the clip."""

    frames: np.ndarray | Callable[[], np.ndarray]
    """uint8 [T, H, W, 3], or a converter that makes them: the conversion then runs on the clip writer's
    thread instead of holding up the GPU worker."""
    fps: int
    info: RenderInfo = field(default_factory=RenderInfo)
    """Resolved engine config, kernels, stage timings, peaks and versions, recorded with the clip."""

    def rgb(self) -> np.ndarray:
        if callable(self.frames):
            self.frames = self.frames()
        return self.frames


class VideoEngine(Protocol):
    """What the worker needs from an engine. Only the worker thread calls `load` and `render`."""

    name: str

    def unavailable_reason(self, weights_dir: Path) -> str | None:
        """Why generation cannot run here (no GPU, engine not installed, weights missing), or None.

        Must be cheap and must not import the engine.
        """

    def load(self, config: EngineConfig, on_event: EventSink) -> None:
        """Build the pipeline for `config`, or keep the warm one when nothing that matters changed."""

    def render(
        self, request: GenerationRequest, config: EngineConfig, on_event: EventSink, cancel: CancelToken,
        loras: LoraSet | None = None,
        extras: RenderExtras | None = None,
    ) -> RenderedVideo:
        """Generate one clip, with the job's merged LoRA branch if any. Raises a StudioError subclass
        (Cancelled, OutOfVram, LoraError, …) on failure."""

    def unload(self) -> None:
        """Free GPU and pinned memory."""
