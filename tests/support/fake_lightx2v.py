"""A recording fake of the slice of LightX2V (and torch) the adapter uses, faithful to LightX2V's source at the
pinned commit (lightx2v/pipeline.py, utils/set_config.py, utils/lockable_dict.py, models/runners/default_runner.py
and wan/wan_runner.py): LightX2VPipeline's keyword lists and attribute renames, set_args2config leaving out
the input fields, a config_json merged after, the runner's locked config changed only through modify_config,
lazy_load building the T5 and the VAE from the config at every run, generate(return_result_tensor=True), and
the runner's run_text_encoder / progress callback / stop_signal / run_vae_decoder / end_run behaviour, and its
dynamic LoRA entry point switch_lora (DefaultRunner.switch_lora → BaseTransformerModel._update_lora), and the
runner's tiny VAE class (WanRunner.tiny_vae_cls, models/video_encoders/hf/wan/vae_tiny.py's WanVAE_tiny)."""

from __future__ import annotations

import contextlib
import gc
import json
import math
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.engine.prefetch import T5_MODULE
from tests.support.safetensors_file import read_safetensors

DTYPES = {"F8_E4M3": np.dtype("uint8"), "I8": np.dtype("int8"), "BF16": np.dtype("float16"),
          "F32": np.dtype("float32")}
"""numpy stand-ins for the torch dtypes, by safetensors name (same item sizes)."""


class FakeTensor:
    """Just enough of torch.Tensor for `video.mul_(255).clamp_(0, 255).to(torch.uint8).numpy()`. The fake's
    video has one value everywhere, so it is held as that value and the shape (a real 81-frame 480p result is
    400 MB; building and scaling it took seconds a test) and numpy() expands it as a read-only view."""

    def __init__(self, value: np.ndarray, shape: tuple[int, ...]) -> None:
        self.value = value
        self.shape = shape

    def mul_(self, k: float) -> FakeTensor:
        self.value *= k
        return self

    def clamp_(self, lo: float, hi: float) -> FakeTensor:
        np.clip(self.value, lo, hi, out=self.value)
        return self

    def to(self, dtype: Any) -> FakeTensor:
        return FakeTensor(self.value.astype(np.uint8), self.shape)

    def numpy(self) -> np.ndarray:
        return np.broadcast_to(self.value, self.shape)


class HostArray(np.ndarray):
    """A numpy array with torch's `data_ptr()`, `copy_`, `float()` and `numpy()`, for what the fake
    torch.empty returns."""

    def data_ptr(self) -> int:
        return int(self.ctypes.data)

    def copy_(self, src: Any, non_blocking: bool = False) -> HostArray:
        self[...] = src
        return self

    def float(self) -> HostArray:
        return np.asarray(self, dtype=np.float32).view(HostArray)

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


class FakeEvent:
    """torch.cuda.Event: the fake's copies are done at once, so synchronize only counts."""

    recorded = 0
    synchronized = 0

    def record(self) -> None:
        FakeEvent.recorded += 1

    def synchronize(self) -> None:
        FakeEvent.synchronized += 1


class FakeStepDistillScheduler:
    """WanStepDistillScheduler's state and arithmetic (sigmas on the CPU, latents float32), with a "model"
    whose flow prediction is exact, so x0 is `clean` after every step."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.infer_steps = 4
        shift = 5.0
        sigmas = np.linspace(1.0, 0.0, 1001, dtype=np.float32)[:-1]
        sigmas = shift * sigmas / (1 + (shift - 1) * sigmas)
        self.sigmas = sigmas[[1000 - t for t in (1000, 750, 500, 250)]]
        self.step_index = 0
        self.latents: np.ndarray | None = None
        self.noise_pred: np.ndarray | None = None
        self.clean: np.ndarray | None = None

    def prepare(self, seed: int, latent_shape: list[int]) -> None:
        rng = np.random.default_rng(seed)
        self.clean = rng.standard_normal(latent_shape, dtype=np.float32)
        self.latents = rng.standard_normal(latent_shape, dtype=np.float32)

    def step_pre(self, step_index: int) -> None:
        self.step_index = step_index

    def infer(self) -> None:  # the DiT: predicts noise - x0 for the current latents
        assert self.latents is not None and self.clean is not None
        sigma = self.sigmas[self.step_index]
        noise = (self.latents - (1 - sigma) * self.clean) / sigma
        self.noise_pred = noise - self.clean

    def step_post(self) -> None:
        assert self.latents is not None and self.noise_pred is not None
        sigma = self.sigmas[self.step_index].item()
        x0 = self.latents - sigma * self.noise_pred
        if self.step_index < self.infer_steps - 1:
            x0 = x0 + self.noise_pred * self.sigmas[self.step_index + 1].item()
        self.latents = x0


class FakeStored:
    """A checkpoint tensor as torch.load returns it: only its size matters here."""

    def __init__(self, numel: int, item_bytes: int) -> None:
        self._numel, self._item = numel, item_bytes

    def numel(self) -> int:
        return self._numel

    def element_size(self) -> int:
        return self._item

    def clone(self) -> FakeStored:
        return FakeStored(self._numel, self._item)


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError, which the adapter recognises by name."""


@dataclass
class Recorder:
    """Everything the fake saw, in order."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    pipelines: list[FakePipeline] = field(default_factory=list)
    fail_at_step: int | None = None
    fail_with: type[BaseException] = OutOfMemoryError
    fail_message: str = "CUDA out of memory. Tried to allocate 2.00 GiB"
    build_error: BaseException | None = None
    empty_cache_calls: int = 0
    pinned_allocations: list[int] = field(default_factory=list)  # bytes of each torch.empty(pin_memory=True)
    pinned: dict[str, tuple[np.ndarray, bytes]] = field(default_factory=dict)  # what the build pinned, and from
    host_cache_releases: int = 0
    t5_weights: Any = None  # what the T5 constructor's load_weights returned at the last build
    freeze_gc: bool = False  # run_pipeline ends with gc.freeze(), as LightX2V's does
    lora: dict[str, np.ndarray] = field(default_factory=dict)  # the DiT's registered LoRA tensors (float32)
    lora_registrations: int = 0  # times tensors were (re)allocated rather than copied into
    model_config: dict[str, Any] = field(default_factory=dict)  # keys of the model folder's config.json
    tiny_decode_error: BaseException | None = None  # WanVAE_tiny.decode raises this (out of GPU memory, say)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class FakeData:
    """Tensor storage on a device; `.to` copies (counted), `.pin_memory` makes a pinned host copy."""

    copies = 0

    def __init__(self, device: str, pinned: bool = False) -> None:
        self.device = types.SimpleNamespace(type=device)
        self.pinned = pinned

    def to(self, device: str) -> FakeData:
        FakeData.copies += 1
        return FakeData(device)

    def pin_memory(self) -> FakeData:
        return FakeData("cpu", pinned=True)


class FakeParam:
    def __init__(self) -> None:
        self.data = FakeData("cpu")

    @property
    def device(self) -> Any:
        return self.data.device


class FakeModule:
    """Like nn.Module.to: replaces each parameter's data, keeping the Parameter objects."""

    def __init__(self) -> None:
        self.weight = FakeParam()

    def parameters(self) -> list[FakeParam]:
        return [self.weight]

    def buffers(self) -> list[FakeParam]:
        return []

    def to(self, device: str) -> FakeModule:
        self.weight.data = self.weight.data.to(device)
        return self


TORCH_ZIP_MAGIC = b"PK\x03\x04"


def taehv_class(rec: Recorder) -> type:
    """lightx2v/models/video_encoders/hf/tae.py's TAEHV, the part WanVAE_tiny uses: decode_video(x NTCHW latents,
    parallel=True, show_progress_bar=True) gives NTCHW RGB in 0..1, 4T-3 frames (the first 3 trimmed), 8× the
    size. Its default draws a tqdm bar on stderr (apply_model_with_memblocks), recorded as `taehv_bar`."""

    class TAEHV:  # upstream's name
        def decode_video(self, x: np.ndarray, parallel: bool = True, show_progress_bar: bool = True) -> np.ndarray:
            rec.calls.append(("taehv_decode_video", {"parallel": parallel, "show_progress_bar": show_progress_bar}))
            if show_progress_bar:  # as tqdm(range(T)) does, on stderr
                rec.calls.append(("taehv_bar", x.shape[1]))
                sys.stderr.write(f"\r100%|##########| {x.shape[1]}/{x.shape[1]} [00:00<00:00]\n")
            rgb = (np.tanh(np.asarray(x[:, :, :3], dtype=np.float32)) + 1) / 2  # [N, T, 3, h, w]
            rgb = np.repeat(np.repeat(rgb, 8, axis=3), 8, axis=4)
            return np.repeat(rgb, 4, axis=1)[:, 3:]

    return TAEHV


def tiny_vae_class(rec: Recorder) -> type:
    """lightx2v/models/video_encoders/hf/wan/vae_tiny.py's WanVAE_tiny, recording into `rec`: the constructor's
    keywords as upstream's; TAEHV(vae_path) reads a .pth with torch.load (a missing file raises
    FileNotFoundError, one that is not a torch zip archive RuntimeError, another suffix ValueError) and is
    kept as `.taehv`; `.to` returns the module; decode(latents [16, T, h, w]) calls
    `self.taehv.decode_video(latents NTCHW, parallel=False)` (its bar left on) and gives [1, 3, 4T-3, 8h, 8w]
    in -1..1, as upstream (`.mul_(2).sub_(1)`). `rec.tiny_decode_error` makes decode raise."""
    taehv = taehv_class(rec)

    class WanVAE_tiny:  # upstream's name
        def __init__(self, vae_path: str = "taew2_1.pth", dtype: Any = "bfloat16", device: str = "cuda",
                     need_scaled: bool = False) -> None:
            rec.calls.append(("WanVAE_tiny", {"vae_path": vae_path, "need_scaled": need_scaled}))
            suffix = Path(vae_path).suffix.lower()
            if suffix != ".pth":
                raise ValueError(f"Unsupported checkpoint format: {suffix}. Supported formats: .pth, .safetensors")
            with open(vae_path, "rb") as fh:
                if fh.read(4) != TORCH_ZIP_MAGIC:
                    raise RuntimeError("PytorchStreamReader failed reading zip archive: failed finding central "
                                       "directory")
            self.taehv = taehv()
            self.need_scaled = need_scaled

        def to(self, device: Any) -> WanVAE_tiny:
            rec.calls.append(("tiny_vae_to", str(device)))
            return self

        def decode(self, latents: np.ndarray) -> np.ndarray:
            rec.calls.append(("tiny_vae_decode", tuple(latents.shape)))
            if rec.tiny_decode_error is not None:
                raise rec.tiny_decode_error
            video = self.taehv.decode_video(np.asarray(latents)[None].swapaxes(1, 2), parallel=False)
            return video.swapaxes(1, 2) * 2 - 1

    return WanVAE_tiny


class FakeRunner:
    def __init__(self, rec: Recorder, config: dict[str, Any]) -> None:
        self.rec = rec
        self.config = config
        self.tiny_vae_cls = tiny_vae_class(rec)  # WanRunner.__init__ names its tiny VAE; Wan 2.1's is WanVAE_tiny
        self.tiny_vae_name = "taew2_1.pth"
        self.stop_signal = False
        self.progress_callback: Any = None
        t5 = types.SimpleNamespace(cpu_offload=bool(config.get("t5_cpu_offload")),
                                   token_embedding=FakeModule(), norm=FakeModule())
        self.text_encoders = [types.SimpleNamespace(model=t5)]
        if not self.transient:  # init_modules loads nothing with lazy_load or unload_modules
            self.vae_decoder = self.load_vae_decoder()
        self.model = types.SimpleNamespace(scheduler=FakeStepDistillScheduler(config))
        self.ended = 0

    @property
    def transient(self) -> bool:
        """lazy_load or unload_modules: the T5 and the VAE are built from the config for every run, then dropped."""
        return bool(self.config.get("lazy_load", False) or self.config.get("unload_modules", False))

    def load_vae_decoder(self) -> Any:
        self.rec.calls.append(("load_vae_decoder", self.config.get("use_tiling_vae", False)))
        return types.SimpleNamespace(use_tiling=bool(self.config.get("use_tiling_vae", False)))

    def load_text_encoder(self) -> list[Any]:
        self.rec.calls.append(("load_text_encoder", self.config.get("t5_quantized_ckpt")))
        t5 = types.SimpleNamespace(cpu_offload=bool(self.config.get("t5_cpu_offload")),
                                   token_embedding=FakeModule(), norm=FakeModule())
        return [types.SimpleNamespace(model=t5)]

    def set_progress_callback(self, cb: Any) -> None:
        self.rec.calls.append(("set_progress_callback", None))
        self.progress_callback = cb

    def run_text_encoder(self, input_info: Any) -> dict[str, Any]:
        if self.transient:
            self.text_encoders = self.load_text_encoder()
        self.rec.calls.append(("run_text_encoder", input_info["prompt"]))
        t5 = self.text_encoders[0].model
        t5.token_embedding = t5.token_embedding.to("cuda")  # upstream moves these to the GPU and keeps them there
        t5.norm = t5.norm.to("cuda")
        if self.transient:
            del self.text_encoders[0]
        return {"context": "ctx"}

    def run_vae_decoder(self, latents: Any) -> str:
        if self.transient:
            self.vae_decoder = self.load_vae_decoder()
        self.rec.calls.append(("run_vae_decoder", self.vae_decoder.use_tiling))
        if self.transient:
            del self.vae_decoder
        return "decoded"

    def check_stop(self) -> None:
        if self.stop_signal:
            self.end_run()
            raise Exception("find rank: 0 stop_signal, stop running, it's an expected behavior")

    def switch_lora(self, lora_path: Any, strength: float = 1.0) -> bool:
        """DefaultRunner.switch_lora: "" removes the branch; a path goes through `_load_lora_file` (strips
        three prefixes, renames lora_A/lora_B, nothing else) and each block linear's update_lora, which
        registers tensors the first time and copy_()s into them later (a shape change raises). Errors
        are logged and swallowed: the result is False."""
        self.rec.calls.append(("switch_lora", (lora_path, strength)))
        try:
            if lora_path == "":
                self.rec.lora.clear()
                return True
            loaded = _load_lora_file(str(lora_path))
            names = {f"blocks.{i}.{kind}.lora_{part}.weight" for i in range(40) for kind in LORA_KINDS
                     for part in ("down", "up")}
            if not self.rec.lora:
                self.rec.lora_registrations += 1
            for name in sorted(names & loaded.keys()):
                held = self.rec.lora.get(name)
                if held is not None and held.shape != loaded[name].shape:
                    raise RuntimeError(f"The size of tensor a {held.shape} must match the size of tensor b "
                                       f"{loaded[name].shape}")  # what copy_ raises
                self.rec.lora[name] = loaded[name]
            self.lora_strength = strength
            return True
        except Exception:
            return False

    def end_run(self) -> None:
        self.ended += 1
        self.rec.calls.append(("end_run", None))

    def run_pipeline(self, input_info: dict[str, Any]) -> dict[str, Any]:
        self.run_text_encoder(input_info)
        h, w = input_info["target_shape"]
        scheduler = self.model.scheduler
        scheduler.prepare(input_info["seed"], [16, (self.config["target_video_length"] - 1) // 4 + 1, h // 8, w // 8])
        for step in range(4):
            self.check_stop()
            self.rec.calls.append(("step", step + 1))
            if self.rec.fail_at_step == step + 1:
                raise self.rec.fail_with(self.rec.fail_message)
            scheduler.step_pre(step)
            scheduler.infer()
            scheduler.step_post()
            if self.progress_callback:
                self.progress_callback((step + 1) / 4 * 100, 100)
        self.run_vae_decoder("latents")
        frames = self.config["target_video_length"]
        video = FakeTensor(np.full((1, 1, 1, 1), 0.5, dtype=np.float32), (frames, h, w, 3))
        self.end_run()
        if self.rec.freeze_gc:  # upstream's BaseRunner gc.freeze()s the object graph after the first run
            self.cycle = self  # and the real runner's graph has cycles
            gc.collect()
            gc.freeze()
        return {"video": video if input_info["return_result_tensor"] else None}


LORA_KINDS = (*(f"self_attn.{p}" for p in "qkvo"), *(f"cross_attn.{p}" for p in "qkvo"), "ffn.0", "ffn.2")


def _load_lora_file(path: str) -> dict[str, np.ndarray]:
    """BaseTransformerModel._load_lora_file: every tensor, BF16 widened here to float32 (torch keeps bf16)."""
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as handle:
        shapes = {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}  # noqa: SIM118 (a handle, not a dict)
    out: dict[str, np.ndarray] = {}
    for original, (dtype, raw) in read_safetensors(Path(path)).items():
        key = original
        for prefix in ("diffusion_model.", "transformer.", "model.diffusion_model."):
            if key.startswith(prefix):
                key = key[len(prefix):]
        key = key.replace("lora_A", "lora_down").replace("lora_B", "lora_up")
        if dtype == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=DTYPES[dtype]).astype(np.float32)
        out[key] = array.reshape(shapes[original])
    return out


class LockableConfig(dict):
    """LightX2V's LockableDict: the runner locks its config at the end of init_modules; after that only
    modify_config (which unlocks it for the update) may change it. Any other write raises TypeError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked = False

    def lock(self) -> None:
        self.locked = True

    @contextlib.contextmanager
    def temporarily_unlocked(self) -> Iterator[LockableConfig]:
        before, self.locked = self.locked, False
        try:
            yield self
        finally:
            self.locked = before

    def _check(self) -> None:
        if self.locked:
            raise TypeError("LockableDict is locked; use modify_config")

    def __setitem__(self, key: str, value: Any) -> None:
        self._check()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._check()
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self._check()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._check()
        return super().pop(*args)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._check()
        return super().setdefault(key, default)


INPUT_INFO_KEYS = frozenset({
    "seed", "prompt", "prompt_enhanced", "negative_prompt", "image_path", "audio_path", "video_path",
    "last_frame_path", "src_ref_images", "src_video", "src_mask", "save_result_path", "return_result_tensor",
    "target_shape", "target_video_length", "latent_shape", "action_path", "image_strength", "image_frame_idx",
})
"""Fields of LightX2V's *InputInfo dataclasses: set_args2config leaves every one of them out of the config."""


class FakePipeline:
    """LightX2VPipeline at the pinned commit: `@dict_like`, so attributes are the config; the setters store
    under upstream's own names (text_encoder_quantized_ckpt becomes t5_quantized_ckpt, quant_scheme
    dit_quant_scheme, vae_offload vae_cpu_offload…); keyword lists exactly as upstream's, no **kwargs."""

    def __init__(self, rec: Recorder, task: str = "", model_path: str = "", model_cls: str = "",
                 support_tasks: list[str] | None = None, sf_model_path: str | None = None,
                 dit_original_ckpt: str | None = None, low_noise_original_ckpt: str | None = None,
                 high_noise_original_ckpt: str | None = None, transformer_model_name: str | None = None) -> None:
        object.__setattr__(self, "_rec", rec)
        object.__setattr__(self, "_attrs", {
            "task": task, "support_tasks": support_tasks or [], "model_path": model_path, "model_cls": model_cls,
            "sf_model_path": sf_model_path, "dit_original_ckpt": dit_original_ckpt,
            "low_noise_original_ckpt": low_noise_original_ckpt, "high_noise_original_ckpt": high_noise_original_ckpt,
            "transformer_model_name": transformer_model_name})
        if model_cls in ("wan2.1", "wan2.1_distill"):
            self._attrs["vae_stride"] = (4, 8, 8)
        given = {k: v for k, v in {"task": task, "model_cls": model_cls, "model_path": model_path}.items() if v}
        rec.calls.append(("LightX2VPipeline", given))
        rec.pipelines.append(self)

    def __setattr__(self, key: str, value: Any) -> None:
        self._attrs[key] = value
        self._rec.calls.append(("setattr", (key, value)))

    def __getattr__(self, key: str) -> Any:
        try:
            return self._attrs[key]
        except KeyError:
            raise AttributeError(key) from None

    def enable_quantize(self, dit_quantized: bool = False, text_encoder_quantized: bool = False,
                        image_encoder_quantized: bool = False, dit_quantized_ckpt: str | None = None,
                        low_noise_quantized_ckpt: str | None = None, high_noise_quantized_ckpt: str | None = None,
                        text_encoder_quantized_ckpt: str | bool = False,
                        image_encoder_quantized_ckpt: str | bool = False,
                        quant_scheme: str = "fp8-sgl", text_encoder_quant_scheme: str | None = None,
                        skip_fp8_block_index: list[int] | None = None) -> None:
        self._rec.calls.append(("enable_quantize", {
            "dit_quantized": dit_quantized, "dit_quantized_ckpt": dit_quantized_ckpt, "quant_scheme": quant_scheme,
            "text_encoder_quantized": text_encoder_quantized,
            "text_encoder_quantized_ckpt": text_encoder_quantized_ckpt}))
        self._attrs.update(dit_quantized=dit_quantized, dit_quant_scheme=quant_scheme,
                           dit_quantized_ckpt=dit_quantized_ckpt, low_noise_quantized_ckpt=low_noise_quantized_ckpt,
                           high_noise_quantized_ckpt=high_noise_quantized_ckpt, t5_quant_scheme=quant_scheme,
                           t5_quantized=text_encoder_quantized, t5_quantized_ckpt=text_encoder_quantized_ckpt,
                           clip_quant_scheme=quant_scheme, clip_quantized=image_encoder_quantized,
                           clip_quantized_ckpt=image_encoder_quantized_ckpt)

    def enable_offload(self, cpu_offload: bool = False, offload_granularity: str = "block",
                       text_encoder_offload: bool = False, image_encoder_offload: bool = False,
                       vae_offload: bool = False) -> None:
        self._rec.calls.append(("enable_offload", {
            "cpu_offload": cpu_offload, "offload_granularity": offload_granularity,
            "text_encoder_offload": text_encoder_offload, "vae_offload": vae_offload}))
        self._attrs.update(cpu_offload=cpu_offload, offload_granularity=offload_granularity,
                           vae_cpu_offload=vae_offload, t5_cpu_offload=text_encoder_offload,
                           clip_cpu_offload=image_encoder_offload)

    def create_generator(self, attn_mode: str = "flash_attn2", infer_steps: int = 50, num_frames: int = 81,
                         height: int = 480, width: int = 832, guidance_scale: float = 5.0, sample_shift: float = 5.0,
                         fps: int = 16, aspect_ratio: str = "16:9", boundary: float = 0.900,
                         boundary_step_index: int = 2, denoising_step_list: list[int] | None = None,
                         config_json: str | None = None, rope_type: str = "torch_complex_rope",
                         resize_mode: str | None = None, audio_fps: int = 24000, double_precision_rope: bool = True,
                         norm_modulate_backend: str = "torch",
                         distilled_sigma_values: list[float] | None = None) -> None:
        self._rec.calls.append(("create_generator", {
            "attn_mode": attn_mode, "infer_steps": infer_steps, "num_frames": num_frames, "height": height,
            "width": width, "guidance_scale": guidance_scale, "sample_shift": sample_shift, "fps": fps,
            **({"config_json": config_json} if config_json is not None else {})}))
        if config_json is not None:  # set_infer_config_json: that file instead of the keywords
            with open(config_json, encoding="utf-8") as fh:
                self._attrs.update(json.load(fh))
        else:  # set_infer_config, under upstream's names
            self._attrs.update(
                infer_steps=infer_steps, target_width=width, target_height=height, target_video_length=num_frames,
                sample_guide_scale=guidance_scale, sample_shift=sample_shift, enable_cfg=guidance_scale != 1,
                rope_type=rope_type, fps=fps, aspect_ratio=aspect_ratio, boundary=boundary,
                boundary_step_index=boundary_step_index,
                denoising_step_list=denoising_step_list or [1000, 750, 500, 250],
                audio_fps=audio_fps, double_precision_rope=double_precision_rope, self_attn_1_type=attn_mode,
                cross_attn_1_type=attn_mode, cross_attn_2_type=attn_mode, norm_modulate_backend=norm_modulate_backend)
        if self._rec.build_error is not None:
            raise self._rec.build_error
        # set_args2config: every attribute but the input-info fields (target_video_length among them) and Nones
        config = LockableConfig({k: v for k, v in self._attrs.items() if k not in INPUT_INFO_KEYS and v is not None})
        if config.get("config_json") is not None:  # auto_calc_config merges a config_json attribute after that
            with open(config["config_json"], encoding="utf-8") as fh:
                config.update(json.load(fh))
        config.update(self._rec.model_config)  # then the model folder's own config.json files, as upstream
        t5 = sys.modules[T5_MODULE]  # looked up at call time, as the real constructor's global is
        offload = bool(config.get("t5_cpu_offload"))
        self._rec.t5_weights = t5.load_weights(config["t5_quantized_ckpt"], cpu_offload=offload, load_from_rank0=False)
        self._pin_offloaded(offload)
        runner = FakeRunner(self._rec, config)
        config.lock()  # init_modules ends by locking the config
        object.__setattr__(self, "runner", runner)

    def _pin_offloaded(self, t5_offloaded: bool) -> None:
        """Like LightX2V: each offloaded weight copied into its own torch.empty(shape, pin_memory=True)."""
        empty = sys.modules["torch"].empty  # looked up at call time, as the real modules' `torch.empty` is
        sources: dict[str, tuple[np.dtype, bytes]] = {}
        if self._attrs.get("cpu_offload") and not self._attrs.get("lazy_load"):
            for path in sorted(Path(self._attrs["dit_quantized_ckpt"]).glob("*.safetensors")):
                if path.stat().st_size > 8:  # the tests' placeholder files hold no tensors
                    for name, (dtype, data) in read_safetensors(path).items():
                        sources[name] = (DTYPES[dtype], data)
        if t5_offloaded and isinstance(self._rec.t5_weights, dict):
            for name, t in self._rec.t5_weights.items():
                if name.startswith("blocks.") and t.element_size() == 1:
                    sources[name] = (np.dtype("uint8"), bytes([7]) * t.numel())
        for name, (dtype, data) in sources.items():
            source = np.frombuffer(data, dtype=dtype)
            pin = empty(source.shape, pin_memory=True, dtype=dtype)
            pin[...] = source  # pin.copy_(tensor)
            self._rec.pinned[name] = (pin, data)

    def modify_config(self, config_modify: dict[str, Any]) -> None:
        self._rec.calls.append(("modify_config", dict(config_modify)))
        with self.runner.config.temporarily_unlocked():
            self.runner.config.update(config_modify)

    def generate(self, seed: int = 42, prompt: str = "", negative_prompt: str = "",
                 save_result_path: str = "lightx2v_gen_result.png", task: str | None = None,
                 image_path: str | None = None, action_path: str | None = None, video_path: str | None = None,
                 image_strength: float | None = None, i2i_denoise_strength: float | None = None,
                 image_frame_idx: list[int] | None = None, last_frame_path: str | None = None,
                 audio_path: str | None = None, src_ref_images: Any = None, src_video: Any = None, src_mask: Any = None,
                 return_result_tensor: bool = False, target_shape: list[int] | None = None,
                 num_frames: int | None = None, sr_ratio: float = 2.0, prompt_ref: str = "") -> dict[str, Any]:
        call = {"seed": seed, "prompt": prompt, "negative_prompt": negative_prompt,
                "save_result_path": save_result_path, "return_result_tensor": return_result_tensor,
                "target_shape": target_shape if target_shape is not None else []}
        self._rec.calls.append(("generate", call))
        if num_frames is not None:  # upstream sets the pipeline's attribute only: the runner's config keeps its own
            self._attrs["target_video_length"] = num_frames
        init = sys.modules["torch"].nn.init.normal_  # lazy_load rebuilds modules in here, upstream
        self._rec.calls.append(("random_init_during_generate", getattr(init, "__name__", "") != "keep"))
        if "target_video_length" not in self.runner.config:
            raise KeyError("target_video_length")
        return self.runner.run_pipeline(call)


def install(monkeypatch: Any, rec: Recorder, capability: tuple[int, int] = (8, 9)) -> None:
    """Put fake `torch` and `lightx2v` modules in sys.modules for the duration of a test."""
    torch = types.ModuleType("torch")
    torch.__version__ = "0.0-fake"  # type: ignore[attr-defined]
    torch.uint8 = np.dtype("uint8")  # type: ignore[attr-defined]

    def empty_cache() -> None:
        rec.empty_cache_calls += 1

    torch.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        is_available=lambda: True, get_device_capability=lambda i=0: capability, synchronize=lambda: None,
        get_device_name=lambda i=0: "Fake GPU",
        reset_peak_memory_stats=lambda: None, max_memory_reserved=lambda: 6 * 2**30,
        max_memory_allocated=lambda: 5 * 2**30, memory_reserved=lambda: 1 * 2**30, empty_cache=empty_cache,
        Event=FakeEvent,
    )
    def load(path: Any, map_location: Any = None, weights_only: bool = False, mmap: bool = False) -> dict[str, Any]:
        rec.calls.append(("torch.load", {"path": str(path), "mmap": mmap, "weights_only": weights_only}))
        return {"blocks.0.attn.q.weight": FakeStored(4096 * 4096, 1), "blocks.0.norm1.weight": FakeStored(4096, 2),
                "token_embedding.weight": FakeStored(256384 * 4096, 2)}

    def empty(*size: Any, dtype: Any = None, pin_memory: bool = False) -> np.ndarray:
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        array = HostArray(shape, dtype=dtype or np.dtype("float32"))  # owns its memory: .base is None
        if pin_memory:
            rec.pinned_allocations.append(math.prod(shape) * array.itemsize)
        return array

    def host_empty_cache() -> None:
        rec.host_cache_releases += 1

    torch.load = load  # type: ignore[attr-defined]
    torch.empty = empty  # type: ignore[attr-defined]
    torch._C = types.SimpleNamespace(_host_emptyCache=host_empty_cache)  # type: ignore[attr-defined]
    torch.nn = types.SimpleNamespace(init=types.SimpleNamespace(normal_=lambda t, *a, **k: t))  # type: ignore[attr-defined]
    lx = types.ModuleType("lightx2v")
    lx.LightX2VPipeline = lambda **kw: FakePipeline(rec, **kw)  # type: ignore[attr-defined]
    registry = types.ModuleType("lightx2v.utils.registry_factory")

    class TritonFp8:  # no `bias` attribute, like the real offloaded T5 linears
        pass

    registry.MM_WEIGHT_REGISTER = {"fp8-triton": TritonFp8, "int8-triton": type("TritonInt8", (), {})}  # type: ignore[attr-defined]
    t5_module = types.ModuleType(T5_MODULE)

    def load_weights(checkpoint_path: Any, cpu_offload: bool = False, remove_key: Any = None,
                     load_from_rank0: bool = False, include_keys: Any = None) -> dict[str, Any]:
        rec.calls.append(("t5_load_weights_from_disk", str(checkpoint_path)))
        return {"read": "by LightX2V"}

    t5_module.load_weights = load_weights  # type: ignore[attr-defined]
    for name, module in {"torch": torch, "lightx2v": lx, "lightx2v.utils": types.ModuleType("lightx2v.utils"),
                         "lightx2v.utils.registry_factory": registry, T5_MODULE: t5_module}.items():
        monkeypatch.setitem(sys.modules, name, module)
