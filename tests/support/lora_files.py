"""Writes LoRA files in each naming scheme the product reads, with known factors to check against."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from backend.lora.parse import DitLayout

Scheme = Literal["lightx2v", "peft", "down_up", "down_up_alpha", "wan", "diffusers", "kohya"]
SCHEMES: tuple[Scheme, ...] = ("lightx2v", "peft", "down_up", "down_up_alpha", "wan", "diffusers", "kohya")
TINY = DitLayout(dim=8, ffn_dim=16, blocks=3)

_DIFFUSERS = {"self_attn.q": "attn1.to_q", "self_attn.k": "attn1.to_k", "self_attn.v": "attn1.to_v",
              "self_attn.o": "attn1.to_out.0", "cross_attn.q": "attn2.to_q", "cross_attn.k": "attn2.to_k",
              "cross_attn.v": "attn2.to_v", "cross_attn.o": "attn2.to_out.0", "ffn.0": "ffn.net.0.proj",
              "ffn.2": "ffn.net.2"}


@dataclass
class Layer:
    a: np.ndarray  # rank × in
    b: np.ndarray  # out × rank
    alpha: float | None


def make_layers(layout: DitLayout, rank: int, kinds: tuple[str, ...], blocks: tuple[int, ...] | None = None,
                seed: int = 0, alpha: float | None = None) -> dict[str, Layer]:
    """Random factors for `kinds` in `blocks` (all blocks by default), keyed `blocks.{i}.{kind}`."""
    rng = np.random.default_rng(seed)
    out: dict[str, Layer] = {}
    for i in blocks if blocks is not None else range(layout.blocks):
        for kind in kinds:
            rows, cols = layout.shape(kind)
            out[f"blocks.{i}.{kind}"] = Layer(rng.standard_normal((rank, cols)).astype(np.float32),
                                              rng.standard_normal((rows, rank)).astype(np.float32), alpha)
    return out


def _names(layer: str, scheme: Scheme) -> tuple[str, str, str]:
    """(down, up, alpha) key names of one canonical layer in a scheme."""
    _, index, kind = layer.split(".", 2)
    if scheme == "kohya":
        base = f"lora_unet_blocks_{index}_{kind.replace('.', '_')}"
        return f"{base}.lora_down.weight", f"{base}.lora_up.weight", f"{base}.alpha"
    if scheme == "diffusers":
        base = f"transformer.blocks.{index}.{_DIFFUSERS[kind]}"
        return f"{base}.lora_A.weight", f"{base}.lora_B.weight", f"{base}.alpha"
    base = {"lightx2v": f"diffusion_model.{layer}", "peft": f"base_model.model.{layer}",
            "down_up": f"diffusion_model.{layer}", "down_up_alpha": f"diffusion_model.{layer}", "wan": layer}[scheme]
    if scheme in ("lightx2v", "peft"):
        return f"{base}.lora_A.weight", f"{base}.lora_B.weight", f"{base}.alpha"
    return f"{base}.lora_down.weight", f"{base}.lora_up.weight", f"{base}.alpha"


def _bf16(array: np.ndarray) -> bytes:
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    return ((bits + ((bits >> 16) & 1) + 0x7FFF) >> 16).astype("<u2").tobytes()


def write_file(path: Path, tensors: dict[str, np.ndarray], dtype: str = "F32") -> Path:
    """A .safetensors file with its own framing, so BF16 can be written without torch."""
    header: dict[str, object] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, array in tensors.items():
        if dtype == "BF16":
            raw = _bf16(array)
        else:
            raw = np.ascontiguousarray(array, dtype={"F32": "<f4", "F16": "<f2"}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    table = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(table)) + table + b"".join(blobs))
    return path


def write_lora(path: Path, layers: dict[str, Layer], scheme: Scheme = "lightx2v", dtype: str = "F32",
               extra: dict[str, np.ndarray] | None = None) -> Path:
    """Write `layers` under a scheme's key names; "down_up" leaves alpha out, the others write it if set."""
    tensors: dict[str, np.ndarray] = {}
    for layer, f in layers.items():
        down, up, alpha = _names(layer, scheme)
        tensors[down], tensors[up] = f.a, f.b
        if f.alpha is not None and scheme != "down_up":
            tensors[alpha] = np.array(f.alpha, dtype=np.float32)
    tensors.update(extra or {})
    return write_file(path, tensors, dtype)


def expected_delta(loras: list[tuple[dict[str, Layer], float]], layer: str) -> np.ndarray:
    """Σ sᵢ (αᵢ/rᵢ) Bᵢ Aᵢ for one layer, computed densely in float64."""
    total: np.ndarray | None = None
    for layers, strength in loras:
        f = layers.get(layer)
        if f is None:
            continue
        scale = (f.alpha / f.a.shape[0]) if f.alpha is not None else 1.0
        term = strength * scale * (f.b.astype(np.float64) @ f.a.astype(np.float64))
        total = term if total is None else total + term
    assert total is not None
    return total
