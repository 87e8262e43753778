"""Several LoRAs as one exact branch (concatenated ranks), strength changes without reading files, VRAM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend.lora import files, parse
from backend.lora.folders import LoraLibrary
from backend.lora.keys import KINDS
from backend.lora.merge import LoraPart, LoraSet
from backend.lora.vram import GIB, lora_vram_gib
from backend.presets import load_presets, predict_fit
from backend.records import LoraApplied
from backend.request import LoraUse
from tests.support.lora_files import TINY, expected_delta, make_layers, write_lora


@pytest.fixture
def three(tmp_path: Path) -> tuple[LoraLibrary, list[dict]]:
    """Three LoRAs in three schemes, ranks 2/3/4, with and without alpha, covering different blocks."""
    a = make_layers(TINY, 2, ("self_attn.q", "ffn.0"), seed=1, alpha=1.0)
    b = make_layers(TINY, 3, ("self_attn.q", "cross_attn.v"), blocks=(0, 2), seed=2)
    c = make_layers(TINY, 4, ("ffn.0", "ffn.2"), blocks=(1,), seed=3, alpha=8.0)
    write_lora(tmp_path / "a.safetensors", a, "kohya", "F32")
    write_lora(tmp_path / "b.safetensors", b, "down_up", "F32")
    write_lora(tmp_path / "c.safetensors", c, "peft", "F32")
    return LoraLibrary(lambda: [tmp_path], TINY), [a, b, c]


def uses(library: LoraLibrary, strengths: tuple[float, ...]) -> tuple[LoraUse, ...]:
    return tuple(library.check(LoraUse(n, "", s))[0] for n, s in zip(("a.safetensors", "b.safetensors",
                                                                       "c.safetensors"), strengths, strict=False))


@pytest.mark.parametrize("strengths", [(1.0, 1.0, 1.0), (0.7, -1.3, 2.0), (0.0, 1.0, -2.0)])
def test_merged_branch_equals_the_dense_sum(three, strengths) -> None:
    library, layers = three
    merged = library.prepare(uses(library, strengths))
    for block in range(TINY.blocks):
        for kind in KINDS:
            layer = f"blocks.{block}.{kind}"
            if merged.rank(kind) == 0:
                continue
            want = [(ls, s) for ls, s in zip(layers, strengths, strict=True) if layer in ls]
            dense = expected_delta(want, layer) if want else np.zeros(TINY.shape(kind))
            assert np.linalg.norm(merged.delta(layer) - dense) < 1e-5, layer


def test_every_block_gets_every_kind_with_one_rank(three) -> None:
    library, _ = three
    merged = library.prepare(uses(library, (1.0, 1.0, 1.0)))
    assert {k: merged.rank(k) for k in KINDS if merged.rank(k)} == {
        "self_attn.q": 5, "cross_attn.v": 3, "ffn.0": 6, "ffn.2": 4}
    shapes = dict(merged.shapes())
    assert len(shapes) == TINY.blocks * 4 * 2
    assert shapes["blocks.1.cross_attn.v.lora_down.weight"] == (3, 8)  # b does not cover block 1: zeros
    assert shapes["blocks.2.ffn.2.lora_up.weight"] == (8, 4)
    assert not merged.delta("blocks.1.cross_attn.v").any()
    arrays = list(merged.arrays())
    assert [a.shape for a in arrays] == [s for _, s in merged.shapes()]
    assert merged.layers_applied == 6 + 2 + 1  # the union: b and c also touch layers a has
    assert merged.describe()[1] == LoraApplied("b.safetensors", merged.parts[1].use.sha256_16, 1.0, rank=3, layers=4,
                                               file_layers=4)


def test_strength_change_reads_no_file(three, monkeypatch: pytest.MonkeyPatch) -> None:
    library, layers = three
    library.prepare(uses(library, (1.0, 1.0, 1.0)))
    checked = uses(library, (0.25, -0.5, 1.5))  # sha256 known: the check reads only the tables

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a LoRA file was read again")

    monkeypatch.setattr(parse, "read_table", no_reading)
    monkeypatch.setattr(parse, "read_tensors", no_reading)
    monkeypatch.setattr("backend.lora.folders.sha256_16", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    merged = library.prepare(checked)
    want = expected_delta([(layers[0], 0.25), (layers[1], -0.5)], "blocks.0.self_attn.q")
    assert np.linalg.norm(merged.delta("blocks.0.self_attn.q") - want) < 1e-5


def test_bf16_file_round_trip_is_bf16_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal((16, 3)).astype(np.float32)]
    shapes = [("blocks.0.ffn.0.lora_down.weight", (3, 8)), ("blocks.0.ffn.0.lora_up.weight", (16, 3))]
    path = tmp_path / "branch.safetensors"
    size = files.write_bf16_file(path, shapes, iter(arrays))
    assert size == path.stat().st_size
    table = files.read_table(path)
    assert {n: (t.dtype, t.shape) for n, t in table.items()} == {n: ("BF16", s) for n, s in shapes}
    back = files.read_tensors(path, table, [n for n, _ in shapes])
    for (name, _), array in zip(shapes, arrays, strict=True):
        got = files.as_float32(back[name], "BF16")
        assert np.allclose(got, array, rtol=2**-8)  # bf16 keeps 8 bits of mantissa


def test_lora_vram_offloaded_and_resident() -> None:
    report = parse.LoraReport("x", 0, 400, 400, tuple((k, 64) for k in KINDS))
    tokens = 21 * 30 * 52  # 832×480×81
    block = 2 * 64 * (8 * 2 * 5120 + 2 * (13824 + 5120))
    activations = 2 * tokens * (2 * 13824 + 64)
    assert lora_vram_gib([report], parse.WAN21_14B, tokens, offloaded=True) == pytest.approx(
        (2 * block + activations) / GIB)
    assert lora_vram_gib([report], parse.WAN21_14B, tokens, offloaded=False) == pytest.approx(
        (40 * block + activations) / GIB)
    assert lora_vram_gib([], parse.WAN21_14B, tokens, offloaded=True) == 0.0


def test_fit_badge_adds_the_lora() -> None:
    preset = load_presets()["16gb"]
    assert predict_fit(preset, 832, 480, 81)[0] == "green"
    fit, text = predict_fit(preset, 832, 480, 81, extra_gib=9.0)
    assert fit == "red" and "LoRAs add 9.0 GiB" in text


def test_an_empty_set_is_falsy() -> None:
    assert not LoraSet([], TINY) and LoraSet([], TINY).shapes() == []
    factors = parse.LoraFactors(parse.LoraReport("x", 0, 1, 1, (("ffn.2", 1),)), {})
    assert LoraSet([LoraPart(LoraUse("x.safetensors"), factors)], TINY)
