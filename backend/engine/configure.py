"""Setting a preset's LightX2V keys on a new LightX2VPipeline (the product's adapter and the benchmark's bare
run both use this, so they can never differ in what they configure), and what a build leaves for its clips."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.models import ModelLayout
from backend.records import BuildFacts, ConfigValue, Kernels

BUILD_FRAMES = 81
"""The frame count a pipeline is built with; later requests change it through modify_config."""
ATTRIBUTE_KEYS = ("lazy_load", "unload_modules", "clean_cuda_cache", "rope_chunk", "num_disk_workers",
                  "use_tiling_vae")
"""Preset keys without a setter upstream: the pipeline object doubles as the config (`@dict_like`)."""


def configure_pipeline(pipe: Any, files: ModelLayout, keys: dict[str, Any], scheme: str, frames_json: Path,
                       frames: int = BUILD_FRAMES) -> Any:
    """Quantization, offload and the attribute keys, then the frame count through a config_json (upstream
    drops `target_video_length` from its keyword config; a config_json is merged after it)."""
    pipe.enable_quantize(dit_quantized=True, dit_quantized_ckpt=str(files.dit_dir), quant_scheme=scheme,
                         text_encoder_quantized=True, text_encoder_quantized_ckpt=str(files.t5_file))
    pipe.enable_offload(cpu_offload=keys.get("cpu_offload", False),
                        offload_granularity=keys.get("offload_granularity", "block"),
                        text_encoder_offload=keys.get("t5_cpu_offload", False),
                        vae_offload=keys.get("vae_cpu_offload", False))
    for key in ATTRIBUTE_KEYS:
        if key in keys:
            setattr(pipe, key, keys[key])
    pipe.vae_path = str(files.vae_file)
    pipe.t5_tokenizer_path = str(files.tokenizer_dir)
    frames_json.write_text(json.dumps({"target_video_length": frames}), encoding="utf-8")
    pipe.config_json = str(frames_json)
    return pipe


@dataclass(frozen=True)
class Built:
    """What a pipeline build leaves for every clip it renders."""

    engine_config: tuple[tuple[str, ConfigValue], ...]
    kernels: Kernels
    lightx2v: str
    torch: str
    context_mib: float | None
    build: BuildFacts
