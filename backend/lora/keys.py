"""LoRA key names: the naming schemes LoRA files use, converted to the DiT's own layer names.

The DiT's layers are `blocks.{i}.{kind}` (Wan's original names, which LightX2V keeps). LightX2V's own
dynamic loader only strips a few prefixes and renames lora_A/lora_B, so a kohya or diffusers-module
file matches nothing there, silently: every file is converted here instead, and LightX2V is handed
keys that are already its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Part = Literal["down", "up", "alpha"]

KINDS: tuple[str, ...] = (*(f"self_attn.{p}" for p in "qkvo"), *(f"cross_attn.{p}" for p in "qkvo"), "ffn.0", "ffn.2")
"""The ten linears of a Wan2.1 T2V block, the layers a LoRA side branch can sit on."""

_DIFFUSERS = {
    **{f"attn1.to_{p}": f"self_attn.{p}" for p in "qkv"}, "attn1.to_out.0": "self_attn.o",
    **{f"attn2.to_{p}": f"cross_attn.{p}" for p in "qkv"}, "attn2.to_out.0": "cross_attn.o",
    "ffn.net.0.proj": "ffn.0", "ffn.net.2": "ffn.2",
}
"""diffusers' WanTransformer3DModel module names → Wan's."""
_DOTTED = {**{k: k for k in KINDS}, **_DIFFUSERS}
_KOHYA = {name.replace(".", "_"): kind for name, kind in _DOTTED.items()}
"""kohya writes the module path with underscores (`lora_unet_blocks_0_self_attn_q`)."""

_PARTS: tuple[tuple[str, Part], ...] = (
    (".lora_A.default.weight", "down"), (".lora_B.default.weight", "up"),
    (".lora_A.weight", "down"), (".lora_B.weight", "up"),
    (".lora_down.weight", "down"), (".lora_up.weight", "up"), (".alpha", "alpha"),
)
_PREFIXES = ("base_model.model.", "model.diffusion_model.", "diffusion_model.", "transformer.", "model.", "unet.")
_DOTTED_BLOCK = re.compile(r"^blocks\.(\d+)\.(.+)$")
_KOHYA_BLOCK = re.compile(r"^lora_(?:unet|transformer|te)_blocks_(\d+)_(.+)$")


@dataclass(frozen=True)
class KeyName:
    """One tensor of a LoRA file: the layer it belongs to (as written in the file) and which part it is."""

    module: str
    part: Part


def split_key(key: str) -> KeyName | None:
    """The file's layer name and part (down/up/alpha), or None for a tensor that is no LoRA factor."""
    for suffix, part in _PARTS:
        if key.endswith(suffix):
            return KeyName(key[: -len(suffix)], part)
    return None


def canonical_layer(module: str) -> str | None:
    """`blocks.{i}.{kind}` for a layer name in any supported scheme, or None when it is no DiT block linear."""
    name = module
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
    dotted = _DOTTED_BLOCK.match(name)
    if dotted:
        kind = _DOTTED.get(dotted.group(2))
        return f"blocks.{int(dotted.group(1))}.{kind}" if kind else None
    kohya = _KOHYA_BLOCK.match(name)
    if kohya:
        kind = _KOHYA.get(kohya.group(2))
        return f"blocks.{int(kohya.group(1))}.{kind}" if kind else None
    return None


def layer_parts(layer: str) -> tuple[int, str]:
    """(block index, kind) of a canonical layer name."""
    _, index, kind = layer.split(".", 2)
    return int(index), kind


def engine_keys(layer: str) -> tuple[str, str]:
    """The down/up tensor names LightX2V's block weights look for (`build_lora_and_diff_names` with the
    blocks' lora_prefix "blocks"); without an alpha tensor its scale is 1.0."""
    return f"{layer}.lora_down.weight", f"{layer}.lora_up.weight"
