"""The synthetic-weights layout tables and the layout checker's comparison, without torch or LightX2V."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from bench.check_layout import Report, read_safetensors
from bench.synth_weights import SCALES, dit_block_specs, plan_files, seed_for, single_file_plan


@pytest.mark.parametrize("quant", ["fp8", "int8"])
def test_full_plan_matches_the_baseline_counts_and_size(quant):
    files = plan_files(SCALES["full"], quant)
    dit = [t for f in files if f.fmt == "safetensors" for t in f.tensors]
    t5, vae = files[-2], files[-1]
    assert (len(files), len(dit), len(t5.tensors), len(vae.tensors)) == (43, 1495, 410, 194)
    assert t5.relpath == f"distill_{quant}/models_t5_umt5-xxl-enc-{quant}.pth"
    assert round(sum(f.nbytes for f in files) / 1e9, 2) == 21.78
    assert round(t5.nbytes / 1e9, 2) == 6.74


def test_quantized_linears_carry_a_per_channel_float32_scale():
    specs = {t.name: t for t in dit_block_specs(SCALES["full"], 7, "fp8")}
    weight, scale = specs["blocks.7.ffn.0.weight"], specs["blocks.7.ffn.0.weight_scale"]
    assert (weight.dtype, weight.shape) == ("F8_E4M3", (13824, 5120))
    assert (scale.dtype, scale.shape, scale.value) == ("F32", (13824, 1), pytest.approx(0.02 / 100))
    assert specs["blocks.7.ffn.0.bias"].dtype == "BF16"
    assert sum(n.endswith("_scale") for n in specs) == 10
    assert all(n.startswith("blocks.7.") for n in specs)


def test_single_file_holds_exactly_the_per_block_dit():
    files = plan_files(SCALES["tiny"], "int8")
    single = single_file_plan(files, "int8")
    assert single.relpath == "single/wan2.1_t2v_14b_int8_lightx2v_4step.safetensors"
    assert [t.name for t in single.tensors] == [t.name for f in files[:-2] for t in f.tensors]


def test_seeds_are_stable_and_distinct():
    assert seed_for(0, "blocks.0.modulation") == seed_for(0, "blocks.0.modulation")
    assert len({seed_for(s, n) for s in (0, 1) for n in ("a.weight", "b.weight")}) == 4


def test_config_json_has_the_official_keys():
    assert SCALES["full"].config_json() == {"dim": 5120, "eps": 1e-6, "ffn_dim": 13824, "freq_dim": 256, "in_dim": 16,
                                            "model_type": "t2v", "num_heads": 40, "num_layers": 40, "out_dim": 16,
                                            "text_len": 512}


def test_report_flags_missing_extra_shape_and_dtype():
    expected = {"a": ("F8_E4M3", (4, 4)), "a_scale": ("F32", (4, 1)), "b": ("BF16", (4,)), "c": ("BF16", (2,))}
    found = {"a": ("BF16", (4, 4)), "a_scale": ("F32", (4, 1)), "b": ("F32", (4,)), "d": ("BF16", (1,))}
    report = Report()
    report.compare("part", found, expected, exact={"a", "a_scale"})
    assert sorted(report.problems) == sorted([
        "part: missing c",
        "part: unexpected d (LightX2V never asks for it; strict loads reject it)",
        "part: a is BF16, LightX2V wants F8_E4M3",
    ])
    report = Report()  # outside `exact` any float passes, but a float may not stand in for codes
    report.compare("part", {"b": ("F32", (5,)), "a": ("BF16", (4, 4))}, {k: expected[k] for k in "ab"}, set())
    assert report.problems == ["part: a is BF16, LightX2V wants F8_E4M3", "part: b has shape [5], LightX2V wants [4]"]


def test_read_safetensors_reads_the_header_only(tmp_path: Path):
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "x.weight": {"dtype": "F8_E4M3", "shape": [2, 3], "data_offsets": [0, 6]}}).encode()
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(6))
    assert read_safetensors(path) == {"x.weight": ("F8_E4M3", (2, 3))}
