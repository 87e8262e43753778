"""The benchmark's optional inputs, synthetic like its weights: the TAEHV preview decoder (taew2_1) in the
layout LightX2V's WanVAE_tiny loads, and a rank-64 LoRA on every DiT block linear in a layout the app reads.

python -m bench.synth_extras --out WEIGHTS_DIR [--taehv] [--lora] [--rank 64] [--check]

The decoder's layer table follows TAEHV as LightX2V ships it (lightx2v/models/video_encoders/hf/tae.py at
f8aee98b5462, model_type "wan21"): a 16 → 3 channel decoder of widths 256, 128, 64, 64 with three memory
blocks per width, and the encoder it also holds (its state dict is loaded strictly, encoder included).
`--check` compares the written file with that module built on the meta device (needs LightX2V's source
on PYTHONPATH, no GPU). The file goes where the app looks for it (`taehv/taew2_1.pth`) with a manifest of
its checksum, so the app verifies and uses it as it would a download. (Its shapes were also compared with
that module's on the build machine: 128 tensors, 11,315,539 parameters, all equal.)
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from backend.lora.files import write_bf16_file
from backend.lora.keys import KINDS
from backend.lora.parse import WAN21_14B, DitLayout
from backend.models import PREVIEW_DECODER, PREVIEW_DECODER_FILE, PREVIEW_DECODER_REPO_ID, FileFacts, write_manifest
from bench.cost import LORA_FILE

logger = logging.getLogger("bench")

LATENT_CHANNELS = 16
ENCODER_WIDTH = 64
DECODER_WIDTHS = (256, 128, 64, 64)
Shapes = list[tuple[str, tuple[int, ...]]]


def _conv3(name: str, cin: int, cout: int, bias: bool = True) -> Shapes:
    return [(f"{name}.weight", (cout, cin, 3, 3)), *([(f"{name}.bias", (cout,))] if bias else [])]


def _memblock(name: str, width: int) -> Shapes:
    """conv(2n → n), ReLU, conv(n → n), ReLU, conv(n → n); no skip weights when in and out widths are equal."""
    return [*_conv3(f"{name}.conv.0", 2 * width, width), *_conv3(f"{name}.conv.2", width, width),
            *_conv3(f"{name}.conv.4", width, width)]


def _one_by_one(name: str, cin: int, cout: int) -> Shapes:
    """TPool (n·stride → n) and TGrow (n → n·stride) are bias-free 1×1 convs."""
    return [(f"{name}.conv.weight", (cout, cin, 1, 1))]


def taehv_shapes() -> Shapes:
    """Every tensor of TAEHV's wan21 state dict, by layer index as in its nn.Sequential (activations, Clamp
    and Upsample hold none)."""
    e, shapes = ENCODER_WIDTH, _conv3("encoder.0", 3, ENCODER_WIDTH)
    for pool, conv, stride in ((2, 3, 2), (7, 8, 2), (12, 13, 1)):  # TPool, strided conv, three memory blocks
        shapes += _one_by_one(f"encoder.{pool}", e * stride, e) + _conv3(f"encoder.{conv}", e, e, bias=False)
        shapes += [s for i in range(conv + 1, conv + 4) for s in _memblock(f"encoder.{i}", e)]
    shapes += _conv3("encoder.17", e, LATENT_CHANNELS)
    w = DECODER_WIDTHS
    shapes += _conv3("decoder.1", LATENT_CHANNELS, w[0])
    first = 3
    for stage, (grow, stride) in enumerate(((7, 1), (13, 2), (19, 2))):  # memory blocks, Upsample, TGrow, conv
        shapes += [s for i in range(first, first + 3) for s in _memblock(f"decoder.{i}", w[stage])]
        shapes += _one_by_one(f"decoder.{grow}", w[stage], w[stage] * stride)
        shapes += _conv3(f"decoder.{grow + 1}", w[stage], w[stage + 1], bias=False)
        first = grow + 2
    return shapes + _conv3("decoder.22", w[3], 3)


def write_taehv(weights_dir: Path, seed: int = 0) -> Path:
    """taehv/taew2_1.pth (fp16, PyTorch's default conv init, uniform ±1/√fan_in) and its manifest."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in taehv_shapes():
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
        state[name] = ((torch.rand(shape, generator=gen) * 2 - 1) * fan_in ** -0.5).to(torch.float16)
    folder = PREVIEW_DECODER.root(weights_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PREVIEW_DECODER_FILE
    torch.save(state, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    write_manifest(folder, "synthetic", [FileFacts(PREVIEW_DECODER_FILE, path.stat().st_size, digest)],
                   PREVIEW_DECODER_REPO_ID)
    return path


def check_taehv(weights_dir: Path) -> list[str]:
    """Problems of the written decoder file against LightX2V's own TAEHV (wan21) built on the meta device,
    which loads it with a strict load_state_dict; empty when every name and shape matches."""
    import torch
    from lightx2v.models.video_encoders.hf.tae import TAEHV

    from bench.check_layout import read_torch

    with torch.device("meta"):
        want = {k: tuple(v.shape) for k, v in TAEHV(checkpoint_path=None).state_dict().items()}
    found = {k: shape for k, (_, shape) in read_torch(PREVIEW_DECODER.root(weights_dir) / PREVIEW_DECODER_FILE).items()}
    problems = [f"{k} is missing" for k in sorted(set(want) - set(found))]
    problems += [f"{k} is extra" for k in sorted(set(found) - set(want))]
    return problems + [f"{k} has shape {found[k]}, TAEHV wants {want[k]}" for k in sorted(set(want) & set(found))
                       if found[k] != want[k]]


def lora_shapes(rank: int, layout: DitLayout = WAN21_14B) -> Shapes:
    """LightX2V's own key names (`diffusion_model.blocks.N.kind.lora_A/B.weight`) for every block linear."""
    shapes: Shapes = []
    for i in range(layout.blocks):
        for kind in KINDS:
            out, inp = layout.shape(kind)
            base = f"diffusion_model.blocks.{i}.{kind}"
            shapes += [(f"{base}.lora_A.weight", (rank, inp)), (f"{base}.lora_B.weight", (out, rank))]
    return shapes


def write_lora(path: Path, rank: int = 64, layout: DitLayout = WAN21_14B, seed: int = 0) -> int:
    """A BF16 LoRA of `rank` on all layers (A ~ N(0, 1/in), B ~ N(0, 0.01²)); no alpha, so the scale is 1.
    Written one tensor at a time; returns the size (613 MB at rank 64 for the 14B DiT)."""
    shapes = lora_shapes(rank, layout)
    rng = np.random.default_rng(seed)

    def arrays() -> Iterator[np.ndarray]:
        for name, shape in shapes:
            std = shape[1] ** -0.5 if name.endswith("lora_A.weight") else 0.01
            yield rng.standard_normal(shape, dtype=np.float32) * np.float32(std)

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bf16_file(path, shapes, arrays())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the weights folder (the decoder goes in taehv/)")
    parser.add_argument("--taehv", action="store_true", help="write the TAEHV preview decoder")
    parser.add_argument("--lora", action="store_true", help=f"write a synthetic LoRA to WEIGHTS_DIR/{LORA_FILE}")
    parser.add_argument("--rank", type=int, default=64)
    parser.add_argument("--check", action="store_true", help="compare the decoder file with LightX2V's TAEHV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.taehv:
        path = write_taehv(args.out)
        logger.info("%s: %.1f MB", path, path.stat().st_size / 1e6)
    if args.check:
        problems = check_taehv(args.out)
        for problem in problems:
            logger.error("TAEHV: %s", problem)
        logger.info("TAEHV layout: %s", f"FAIL, {len(problems)} problems" if problems else "OK, as LightX2V's module")
        if problems:
            return 1
    if args.lora:
        path = args.out / LORA_FILE
        logger.info("%s: rank %d, %.0f MB", path, args.rank, write_lora(path, args.rank) / 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
