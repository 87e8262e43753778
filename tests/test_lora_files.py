"""LoRA files: every key scheme converted to the DiT's layer names, reports, and every bad file refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend.errors import BadRequest, LoraError
from backend.lora import files, parse
from backend.lora.folders import LoraLibrary
from backend.lora.keys import canonical_layer, split_key
from backend.request import LoraUse
from tests.support.lora_files import SCHEMES, TINY, make_layers, write_file, write_lora

KINDS = ("self_attn.q", "cross_attn.o", "ffn.0", "ffn.2")


@pytest.mark.parametrize("key, layer", [
    ("diffusion_model.blocks.3.self_attn.q", "blocks.3.self_attn.q"),
    ("model.diffusion_model.blocks.0.ffn.2", "blocks.0.ffn.2"),
    ("transformer.blocks.12.attn2.to_out.0", "blocks.12.cross_attn.o"),
    ("base_model.model.blocks.1.attn1.to_k", "blocks.1.self_attn.k"),
    ("blocks.7.ffn.net.0.proj", "blocks.7.ffn.0"),
    ("lora_unet_blocks_39_cross_attn_v", "blocks.39.cross_attn.v"),
    ("lora_unet_blocks_2_attn1_to_out_0", "blocks.2.self_attn.o"),
    ("lora_transformer_blocks_5_ffn_net_2", "blocks.5.ffn.2"),
    ("diffusion_model.blocks.0.self_attn.norm_q", None),
    ("diffusion_model.head.head", None),
    ("lora_unet_double_blocks_0_img_attn_qkv", None),  # a Flux LoRA
])
def test_layer_names_in_every_scheme(key: str, layer: str | None) -> None:
    assert canonical_layer(key) == layer


def test_parts_of_a_key() -> None:
    assert split_key("x.lora_A.weight") == split_key("x.lora_down.weight")
    assert split_key("x.lora_B.default.weight").part == "up"  # type: ignore[union-attr]
    assert split_key("x.alpha").part == "alpha"  # type: ignore[union-attr]
    assert split_key("x.weight") is None


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("dtype", ["F32", "F16", "BF16"])
def test_each_scheme_and_dtype_reads_the_same_factors(tmp_path: Path, scheme: str, dtype: str) -> None:
    alpha = None if scheme == "down_up" else 2.0
    layers = make_layers(TINY, 4, KINDS, seed=1, alpha=alpha)
    path = write_lora(tmp_path / f"{scheme}.safetensors", layers, scheme, dtype)  # type: ignore[arg-type]
    loaded = parse.load(path, TINY)
    assert loaded.report.matched == loaded.report.layers == len(layers) == 12
    assert loaded.report.summary() == "matched 12 of 12 layers" and loaded.report.rank == 4
    tolerance = {"F32": 0, "F16": 1e-3, "BF16": 1e-2}[dtype]
    for layer, f in layers.items():
        got = loaded.factors[layer]
        assert np.allclose(got.a(), f.a, rtol=tolerance, atol=tolerance)
        assert np.allclose(got.b(), f.b, rtol=tolerance, atol=tolerance)
        assert got.scale == (0.5 if alpha else 1.0)


def test_unmatched_layers_are_reported_with_examples(tmp_path: Path) -> None:
    layers = make_layers(TINY, 2, ("self_attn.q",), seed=2)
    extra = {"diffusion_model.head.head.lora_A.weight": np.zeros((2, 8), np.float32),
             "diffusion_model.head.head.lora_B.weight": np.zeros((8, 2), np.float32),
             "diffusion_model.blocks.0.self_attn.norm_q.weight": np.zeros(8, np.float32)}
    report = parse.inspect(write_lora(tmp_path / "mixed.safetensors", layers, extra=extra), TINY)
    assert (report.matched, report.layers) == (3, 4) and report.summary() == "matched 3 of 4 layers"
    assert report.unmatched == ("diffusion_model.head.head",)


def test_zero_matched_is_refused_naming_the_file_and_its_keys(tmp_path: Path) -> None:
    flux = {"lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight": np.zeros((2, 8), np.float32),
            "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight": np.zeros((24, 2), np.float32)}
    with pytest.raises(LoraError, match=r"flux\.safetensors matches none .*lora_unet_double_blocks_0_img_attn_qkv"):
        parse.inspect(write_file(tmp_path / "flux.safetensors", flux), TINY)
    with pytest.raises(LoraError, match=r"holds no LoRA factors .*patch_embedding.weight"):
        parse.inspect(write_file(tmp_path / "model.safetensors", {"patch_embedding.weight": np.zeros(4)}), TINY)


def test_a_lora_for_another_model_is_refused_by_shape(tmp_path: Path) -> None:
    other = make_layers(parse.DitLayout(dim=6, ffn_dim=16, blocks=3), 2, ("self_attn.q",))  # like 1.3B vs 14B
    with pytest.raises(LoraError, match=r"for another model: .* this model's is 8×8"):
        parse.inspect(write_lora(tmp_path / "small.safetensors", other), TINY)


def test_a_rank_that_differs_between_blocks_is_refused(tmp_path: Path) -> None:
    layers = {**make_layers(TINY, 4, ("ffn.0",), blocks=(0,)), **make_layers(TINY, 8, ("ffn.0",), blocks=(1,))}
    with pytest.raises(LoraError, match=r"rank 8 .* rank 4 .* one rank for all blocks"):
        parse.inspect(write_lora(tmp_path / "ranks.safetensors", layers), TINY)


def test_half_a_layer_is_damaged(tmp_path: Path) -> None:
    tensors = {"diffusion_model.blocks.0.self_attn.q.lora_A.weight": np.zeros((2, 8), np.float32)}
    with pytest.raises(LoraError, match=r"damaged: layer .* only half"):
        parse.inspect(write_file(tmp_path / "half.safetensors", tensors), TINY)


def _good(tmp_path: Path, name: str = "good.safetensors") -> Path:
    return write_lora(tmp_path / name, make_layers(TINY, 2, ("self_attn.q",)))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoraError, match=r"gone.safetensors is not there any more"):
        parse.inspect(tmp_path / "gone.safetensors", TINY)


def test_truncated_file(tmp_path: Path) -> None:
    path = _good(tmp_path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(LoraError, match=r"good.safetensors is incomplete or damaged") as err:
        parse.inspect(path, TINY)
    assert err.value.hint == "Download it again."


@pytest.mark.parametrize("content, words", [
    (b"PK\x03\x04" + b"\0" * 200, "zip archive"),
    (b"\x80\x02}q\x00" + b"\0" * 200, "Python pickle"),
    (b"just some text, not tensors at all" * 4, ""),
    (b"", ""),
])
def test_a_file_renamed_to_safetensors(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "renamed.safetensors"
    path.write_bytes(content)
    with pytest.raises(LoraError, match=f"renamed.safetensors is not a safetensors file.*{words}"):
        parse.inspect(path, TINY)


def test_other_suffixes_are_never_opened(tmp_path: Path) -> None:
    path = tmp_path / "style.ckpt"
    path.write_bytes(b"\x80\x02 pickled")
    with pytest.raises(LoraError, match=r"style.ckpt is not a .safetensors file") as err:
        parse.inspect(path, TINY)
    assert "can run code" in err.value.hint


def test_over_2_gb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.safetensors"
    with path.open("wb") as fh:  # sparse: no 2 GB written
        fh.truncate(files.MAX_BYTES + 1)
    with pytest.raises(LoraError, match=r"huge.safetensors is 2.0 GB; LoRA files over 2 GB are refused"):
        parse.inspect(path, TINY)


def test_lora_error_is_a_bad_request() -> None:
    assert issubclass(LoraError, BadRequest) and LoraError("x").kind == "lora"


def test_library_lists_size_rank_and_problems_and_finds_by_name_only(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _good(first, "one.safetensors")
    write_lora(second / "two.safetensors", make_layers(TINY, 3, ("ffn.2",)))
    _good(second, "one.safetensors")  # shadowed by the first folder's
    (second / "bad.safetensors").write_bytes(b"nope")
    (second / "notes.txt").write_text("ignored")
    library = LoraLibrary(lambda: [first, second], TINY)
    entries = {e.name: e for e in library.entries()}
    assert sorted(entries) == ["bad.safetensors", "one.safetensors", "two.safetensors"]
    assert entries["one.safetensors"].folder == first
    assert entries["two.safetensors"].report.rank == 3  # type: ignore[union-attr]
    assert entries["two.safetensors"].size_bytes == (second / "two.safetensors").stat().st_size
    assert "not a safetensors file" in (entries["bad.safetensors"].problem or "")
    use, report = library.check(LoraUse("two.safetensors", "", 0.5))
    assert use.sha256_16 == files.sha256_16(second / "two.safetensors") and len(use.sha256_16) == 16
    assert report.summary() == "matched 3 of 3 layers"
    with pytest.raises(LoraError, match=r"not in any LoRA folder"):
        library.find("three.safetensors")


def test_a_file_replaced_after_it_was_recorded_is_named(tmp_path: Path) -> None:
    path = _good(tmp_path, "style.safetensors")
    library = LoraLibrary(lambda: [tmp_path], TINY)
    use, _ = library.check(LoraUse("style.safetensors"))
    write_lora(path, make_layers(TINY, 2, ("self_attn.q",), seed=9))
    with pytest.raises(LoraError, match=r"changed after the job was queued"):
        library.prepare((use,))
    with pytest.raises(LoraError, match=r"not the file this clip was made with"):
        library.check(use)
