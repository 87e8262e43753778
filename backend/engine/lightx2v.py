"""The LightX2V adapter: the only module that imports lightx2v, lazily, on the worker thread.

Builds the Wan2.1 T2V 4-step distill pipeline once per engine config and keeps it warm; frames change
through modify_config and size through target_shape, so only a preset, quantization or attention
change rebuilds.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import tempfile
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from backend.engine.base import CancelToken, EngineConfig, EventSink, RenderedVideo, RenderExtras, StageEvent
from backend.engine.configure import BUILD_FRAMES, Built, configure_pipeline
from backend.engine.cuda_process import (
    ALLOC_CONF,
    context_mib,
    kernel_key,
    lightx2v_version,
    set_engine_environment,
    why_unavailable,
)
from backend.engine.importer import import_pipeline_class
from backend.engine.lightx2v_hooks import JobContext, RunnerHooks, add_t5_bias_default, skip_random_init
from backend.engine.lora_switch import LoraSwitch
from backend.engine.pinned import release_cached_pinned, serve_pinned_from
from backend.engine.prefetch import serve_t5_from
from backend.engine.readahead import ReadAhead, start_read_ahead
from backend.engine.translate import translate
from backend.errors import Cancelled, EngineUnavailable, GpuArchUnsupported, NoGpu, WeightsMissing
from backend.gpu import NvmlSource
from backend.i18n import Message
from backend.lora.merge import LoraSet
from backend.lora.vram import refuse_lazy_load
from backend.records import BuildFacts, Kernels, KernelTrial, Peaks, RenderInfo
from backend.request import FPS, INFER_STEPS, GenerationRequest

logger = logging.getLogger(__name__)
MIB = 1024 * 1024
__all__ = ["ALLOC_CONF", "LightX2VEngine", "set_engine_environment"]


class LightX2VEngine:
    """VideoEngine over LightX2VPipeline. Not thread-safe by design: only the worker calls it."""

    name = "lightx2v"

    def __init__(self, fast_init: bool = True, kernel_cache: Path | None = None, prefetch: bool = True,
                 lean_import: bool = True) -> None:
        """The switches exist for the benchmark's before/after runs; the product uses the defaults."""
        self._fast_init = fast_init
        self._prefetch = prefetch
        self._lean_import = lean_import
        self._kernel_cache = kernel_cache
        self._pipe: Any = None
        self._hooks: RunnerHooks | None = None
        self._lora: LoraSwitch | None = None
        self._key: tuple[Any, ...] | None = None
        self._frames: int | None = None
        self._built: Built | None = None
        self._fatal: str | None = None  # an import or architecture failure: no point retrying
        self._nvml = NvmlSource()
        self._reason_cache: tuple[Path, float, str | None] | None = None
        self._tmp_dir = tempfile.TemporaryDirectory(prefix="wan-studio-")  # removed with the engine or at exit
        self._tmp = Path(self._tmp_dir.name)

    # ---- cheap checks (UI thread) ----------------------------------------------------------------
    def unavailable_reason(self, weights_dir: Path) -> str | None:
        if self._fatal:
            return self._fatal
        now = time.monotonic()
        cached = self._reason_cache
        if cached is not None and cached[0] == weights_dir and now - cached[1] < 3.0:
            return cached[2]  # the page asks every second; the answer rarely changes
        reason = why_unavailable(self._nvml.read(), weights_dir)
        self._reason_cache = (weights_dir, now, reason)
        return reason

    # ---- building --------------------------------------------------------------------------------
    def load(self, config: EngineConfig, on_event: EventSink) -> None:
        if self._pipe is not None and self._key == config.build_key():
            return
        on_event(StageEvent("loading"))
        self.unload()
        started = time.monotonic()
        try:
            self._build(config)
        except Exception as err:
            logger.warning("Building the pipeline failed: %s: %s", type(err).__name__, err)
            self.unload()
            traceback.clear_frames(err.__traceback__)  # a kept error must not keep the half-built pipeline
            translated = translate(err, "loading")
            if isinstance(translated, EngineUnavailable | GpuArchUnsupported):
                self._fatal = translated.user_text()
            raise translated from err
        self._key = config.build_key()
        assert self._built is not None
        build_s = round(time.monotonic() - started, 2)
        self._built = replace(self._built, build=replace(self._built.build, build_s=build_s))
        logger.info("Pipeline for %s built in %.1f s", config.preset.name, build_s)

    def _build(self, config: EngineConfig) -> None:
        set_engine_environment()
        import torch

        if not torch.cuda.is_available():
            raise NoGpu("PyTorch sees no CUDA device")
        gc.collect()  # whatever a failed attempt still held (tensors its traceback kept) goes back to the card first
        torch.cuda.empty_cache()
        capability = torch.cuda.get_device_capability(0)
        ahead = start_read_ahead(config, capability) if self._prefetch else ReadAhead(config.weights_dir, None, None)
        try:
            self._build_with(config, torch, capability, ahead)
        finally:
            ahead.drop()

    def _build_with(self, config: EngineConfig, torch: Any, capability: tuple[int, int], ahead: ReadAhead) -> None:
        import_started = time.monotonic()
        try:
            LightX2VPipeline = import_pipeline_class(lean=self._lean_import)
        except Exception as err:  # ImportError, or RuntimeError from its platform check
            raise EngineUnavailable(Message.of("engine.import_failed", error=f"{type(err).__name__}: {err}"),
                                    Message.of("engine.install_hint")) from err
        import_s = time.monotonic() - import_started
        from backend.engine import kernels
        from backend.models import check_weights, layout

        scheme, attention, probes = kernels.choose_cached(capability, config.quant_scheme, config.attention,
                                                          self._kernel_cache, kernel_key(torch, self._nvml.read()))
        if not scheme or not attention:
            failed = "; ".join(f"{p.name}: {p.detail}" for p in probes if not p.ok)
            raise EngineUnavailable(Message.of("engine.no_kernel", kind="matmul" if not scheme else "attention",
                                               failed=failed), Message.of("engine.no_kernel_hint"))
        weight_set = kernels.weight_set_for(scheme)
        report = check_weights(config.weights_dir, weight_set)
        if not report.complete:
            raise WeightsMissing(list(report.missing) or list(report.problems), str(config.weights_dir))
        files = layout(config.weights_dir, weight_set)
        prefetch, pool = ahead.settle(files.dit_dir)
        keys = config.preset.engine_config(config.low_ram)
        pipe = LightX2VPipeline(task="t2v", model_cls="wan2.1_distill", model_path=str(files.root))
        configure_pipeline(pipe, files, keys, scheme, self._tmp / "frames.json")
        if keys.get("t5_cpu_offload"):
            add_t5_bias_default(scheme)
        if attention == "sage_attn2":
            kernels.patch_sageattention_v1()
        with skip_random_init() if self._fast_init else contextlib.nullcontext(), serve_t5_from(prefetch), \
                serve_pinned_from(pool, torch):
            pipe.create_generator(attn_mode=attention, infer_steps=INFER_STEPS, num_frames=BUILD_FRAMES, height=480,
                                  width=832, guidance_scale=1.0, sample_shift=5.0, fps=FPS)
        self._pipe, self._frames = pipe, BUILD_FRAMES
        self._hooks = RunnerHooks(pipe.runner, config.preset.t5_embedding_to_cpu)
        self._lora = LoraSwitch(pipe.runner, self._tmp)
        torch.cuda.synchronize()
        trials = tuple(KernelTrial(p.name, p.kind, p.ok, p.detail, p.ms) for p in probes)
        self._built = Built(
            engine_config=tuple(keys.items()), kernels=Kernels(scheme, attention, weight_set),
            lightx2v=lightx2v_version(), torch=torch.__version__, context_mib=context_mib(torch, self._nvml.read()),
            build=BuildFacts(import_s=round(import_s, 2), t5_read_ahead_s=prefetch.read_s if prefetch else None,
                             pinned_pool=tuple(pool.report().items()) if pool is not None else (),
                             kernel_probes=trials, gpu_capability=capability))

    def unload(self) -> None:
        """Free GPU and pinned memory: the runner's __del__ releases modules and empties the cache."""
        if self._pipe is None:
            return
        self._hooks = None
        self._lora = None
        self._pipe = None
        self._key = None
        self._built = None
        # LightX2V gc.freeze()s the whole object graph after its first clip: frozen objects are never
        # collected, so a reference cycle in the old pipeline would keep its GPU and pinned memory forever.
        gc.unfreeze()
        gc.collect()
        import torch

        torch.cuda.empty_cache()
        release_cached_pinned()  # torch keeps freed pinned blocks: without this, host RAM stays taken
        logger.info("Pipeline released")

    # ---- one clip --------------------------------------------------------------------------------
    def render(self, request: GenerationRequest, config: EngineConfig, on_event: EventSink,
               cancel: CancelToken, loras: LoraSet | None = None,
               extras: RenderExtras | None = None) -> RenderedVideo:
        extras = extras or RenderExtras()
        engine_keys = config.preset.engine_config(config.low_ram)
        if loras:
            refuse_lazy_load(engine_keys)
        cold = self._pipe is None or self._key != config.build_key()
        self.load(config, on_event)
        import torch

        pipe, hooks, lora = self._pipe, self._hooks, self._lora
        assert pipe is not None and hooks is not None and lora is not None
        runner = pipe.runner
        tiled = request.width * request.height >= config.preset.vae_tiling_min_pixels
        changes: dict[str, Any] = {}
        if runner.config.get("target_video_length") != request.frames:
            # LightX2V merges the model folder's own config.json after ours: a target_video_length there
            # would silently win at the first clip, so the runner's value is checked, not what we asked.
            if runner.config.get("target_video_length") != self._frames:
                logger.warning("LightX2V's config holds %s frames, not the %s asked for; corrected",
                               runner.config.get("target_video_length"), self._frames)
            changes["target_video_length"] = request.frames
        if bool(runner.config.get("use_tiling_vae", False)) != tiled:
            changes["use_tiling_vae"] = tiled  # read again when lazy_load re-creates the VAE
        if changes:
            pipe.modify_config(changes)
            self._frames = request.frames
        if getattr(runner, "vae_decoder", None) is not None:
            runner.vae_decoder.use_tiling = tiled  # read at decode time: no rebuild needed
        runner.stop_signal = False
        hooks.job = JobContext(on_event=on_event, cancel=cancel, previews=extras.previews,
                               stop_after_step=extras.stop_after_step)
        if extras.previews is not None and (note := hooks.tiny.prepare(config.weights_dir)):
            hooks.job.notes.append(note)  # the sharper previews' file is there but unusable: the colour map
        torch.cuda.reset_peak_memory_stats()
        started = time.monotonic()
        try:
            cancel.raise_if_cancelled()
            lora.apply(loras, engine_keys)
            # lazy_load (low RAM) rebuilds the T5 and VAE inside every generate(): skip their random init too
            rebuilds = self._fast_init and bool(engine_keys.get("lazy_load"))
            with skip_random_init() if rebuilds else contextlib.nullcontext():
                result = pipe.generate(seed=request.seed, prompt=request.prompt,
                                       negative_prompt=request.negative_prompt,
                                       save_result_path=str(self._tmp / "unused.mp4"), return_result_tensor=True,
                                       target_shape=[request.height, request.width])
            video = result["video"]
        except BaseException as err:
            if hooks.job is not None and hooks.job.stopped_early and not cancel.cancelled:
                return self._draft_done(hooks, request, err)
            stage = hooks.job.stage if hooks.job else "loading"
            logger.warning("Generation stopped while %s: %s: %s", stage, type(err).__name__, err)
            self._recover(err)
            # Whoever keeps the error keeps its traceback's frames and their locals: this frame's and LightX2V's
            # (`self` is the runner there). Neither may keep the pipeline alive after an unload.
            runner.stop_signal = False
            del pipe, hooks, lora
            runner = None
            traceback.clear_frames(err.__traceback__)
            raise translate(err, stage) from err
        finally:
            if runner is not None:
                runner.stop_signal = False
        total = time.monotonic() - started
        built = self._built
        assert built is not None and hooks.job is not None
        timings = replace(hooks.timings(), generate_s=round(total, 3), load_s=built.build.build_s if cold else None)
        notes = tuple(hooks.job.notes)
        hooks.job = None
        peak_reserved = torch.cuda.max_memory_reserved() / MIB

        def to_uint8() -> Any:
            # LightX2V's own saver's arithmetic, in place: two fewer 400 MB temporaries on the writer thread
            # (the tensor is the runner's last result, replaced by its next run).
            return video.mul_(255).clamp_(0, 255).to(torch.uint8).numpy()

        peaks = Peaks(vram_mib=round(peak_reserved + (built.context_mib or 0.0), 1),
                      allocated_mib=round(torch.cuda.max_memory_allocated() / MIB, 1),
                      reserved_mib=round(peak_reserved, 1), context_mib=built.context_mib)
        return RenderedVideo(frames=to_uint8, fps=FPS, info=RenderInfo(
            engine_config=built.engine_config, kernels=built.kernels, timings=timings, peaks=peaks,
            lightx2v=built.lightx2v, torch=built.torch, warm=not cold, vae_tiling=tiled, build=built.build,
            loras=loras.describe() if loras else (), lora_layers=loras.layers_applied if loras else 0, notes=notes))

    def _draft_done(self, hooks: RunnerHooks, request: GenerationRequest, err: BaseException) -> RenderedVideo:
        """A draft stopped by its own stop_signal after its step: a success with no frames."""
        import numpy as np

        timings = hooks.timings()
        notes = tuple(hooks.job.notes) if hooks.job is not None else ()
        self._recover(err)
        built = self._built
        info = RenderInfo(timings=timings, notes=notes) if built is None else RenderInfo(
            engine_config=built.engine_config, kernels=built.kernels, timings=timings, lightx2v=built.lightx2v,
            torch=built.torch, build=built.build, notes=notes)
        return RenderedVideo(frames=np.zeros((0, request.height, request.width, 3), np.uint8), fps=FPS, info=info)

    def _recover(self, err: BaseException) -> None:
        """After a failed or cancelled run: clear the runner's per-run state. Anything but a clean stop
        at a step boundary may leave offload buffers mid-swap, so the pipeline is rebuilt next time."""
        pipe = self._pipe
        if pipe is None:
            return
        clean_stop = isinstance(translate(err, "denoising"), Cancelled)
        try:
            pipe.runner.end_run()
        except Exception as cleanup_err:
            logger.debug("end_run after failure: %s", cleanup_err)
            clean_stop = False
        if self._hooks is not None:
            self._hooks.job = None
        if not clean_stop:
            logger.warning("Dropping the pipeline after %s; the next job rebuilds it", type(err).__name__)
            self.unload()
