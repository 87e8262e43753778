"""The benchmark's synthetic TAEHV preview decoder and LoRA: their layouts (the decoder's was compared with
LightX2V's TAEHV module at the pinned commit; the LoRA is read by the app in test_bench_plans.py)."""

from __future__ import annotations

import math

from backend.lora.keys import KINDS
from bench.synth_extras import lora_shapes, taehv_shapes


def test_taehv_layout_is_taew2_1s() -> None:
    shapes = dict(taehv_shapes())
    assert len(shapes) == 128 and len(taehv_shapes()) == 128  # no name twice
    assert sum(math.prod(s) for s in shapes.values()) == 11_315_539  # "~11 M parameters"
    assert shapes["encoder.0.weight"] == (64, 3, 3, 3) and shapes["encoder.17.weight"] == (16, 64, 3, 3)
    assert shapes["encoder.2.conv.weight"] == (64, 128, 1, 1) and shapes["encoder.12.conv.weight"] == (64, 64, 1, 1)
    assert shapes["decoder.1.weight"] == (256, 16, 3, 3) and shapes["decoder.3.conv.0.weight"] == (256, 512, 3, 3)
    assert shapes["decoder.7.conv.weight"] == (256, 256, 1, 1) and shapes["decoder.13.conv.weight"] == (256, 128, 1, 1)
    assert shapes["decoder.19.conv.weight"] == (128, 64, 1, 1) and shapes["decoder.22.weight"] == (3, 64, 3, 3)
    assert "decoder.8.bias" not in shapes and "encoder.3.bias" not in shapes  # the bias-free convs
    assert not any(".skip." in name for name in shapes)  # equal widths: identity skips


def test_lora_covers_every_block_linear_at_rank_64() -> None:
    shapes = lora_shapes(64)
    assert len(shapes) == 40 * len(KINDS) * 2 == 800
    table = dict(shapes)
    assert table["diffusion_model.blocks.0.self_attn.q.lora_A.weight"] == (64, 5120)
    assert table["diffusion_model.blocks.39.ffn.0.lora_B.weight"] == (13824, 64)
    assert table["diffusion_model.blocks.39.ffn.2.lora_A.weight"] == (64, 13824)
    assert round(sum(2 * math.prod(s) for s in table.values()) / 1e6) == 613  # BF16 bytes
