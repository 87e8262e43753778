"""Weight sets: the required-file data, the layout the engine is given, and checks of a folder on disk."""

from __future__ import annotations

import pytest

from backend import models
from backend.errors import WeightsMissing
from backend.models import (
    MANIFEST_FILE,
    FileFacts,
    check_weights,
    default_weight_set,
    layout,
    read_manifest,
    required_files,
    write_manifest,
)
from tests.support.fake_hub import fake_repository, hub_facts, write_set


@pytest.fixture(scope="module")
def repo() -> dict[str, bytes]:
    return fake_repository()


def facts_for(files: dict[str, bytes], paths: list[str]) -> list[FileFacts]:
    every = hub_facts(files)
    return [every[p] for p in paths]


@pytest.mark.parametrize(("capability", "expected"), [
    ((8, 9), "fp8"), ((9, 0), "fp8"), ((12, 0), "fp8"), (None, "fp8"), ((8, 6), "int8"), ((8, 0), "int8"),
    ((7, 5), "int8"),
])
def test_default_weight_set_follows_fp8_support(capability, expected):
    assert default_weight_set(capability) == expected


def test_layout_points_the_engine_at_the_set_folder(tmp_path):
    fp8 = layout(tmp_path, "fp8")
    assert fp8.dit_dir == tmp_path / "distill_fp8"
    assert fp8.t5_file == tmp_path / "distill_fp8" / "models_t5_umt5-xxl-enc-fp8.pth"
    assert fp8.vae_file == tmp_path / "distill_fp8" / "Wan2.1_VAE.pth"
    assert fp8.tokenizer_dir == tmp_path / "google" / "umt5-xxl"
    assert fp8.config_file == tmp_path / "config.json"
    int8 = layout(tmp_path, "int8")
    assert int8.dit_dir == tmp_path / "distill_int8"
    assert int8.t5_file.name == "models_t5_umt5-xxl-enc-int8.pth"
    assert int8.weight_set == "int8"


@pytest.mark.parametrize("weight_set", ["fp8", "int8"])
def test_required_files_cover_every_part_the_layout_names(tmp_path, weight_set):
    files = required_files(weight_set)
    assert len(files) == len(set(files)) == 48
    where = layout(tmp_path, weight_set)
    rel = {p.relative_to(tmp_path).as_posix() for p in (where.t5_file, where.vae_file, where.config_file)}
    assert rel <= set(files)
    blocks = [f for f in files if f.startswith(where.dit_dir.name + "/block_")]
    assert sorted(int(f.split("_")[-1].split(".")[0]) for f in blocks) == list(range(40))
    assert f"{where.dit_dir.name}/non_block.safetensors" in files
    assert {f"google/umt5-xxl/{n}" for n in ("tokenizer.json", "tokenizer_config.json", "spiece.model",
                                             "special_tokens_map.json")} <= set(files)
    other = "distill_int8" if weight_set == "fp8" else "distill_fp8"
    assert not any(f.startswith(other) for f in files)


def test_empty_folder_reports_every_file_missing(tmp_path):
    report = check_weights(tmp_path / "nowhere", "fp8")
    assert not report.complete
    assert report.missing == tuple(required_files("fp8"))
    assert report.nothing_there  # a first-time user's folder: "not downloaded yet", not "download again"
    assert report.summary().startswith("The FP8 set is not downloaded yet (48 files, none in ")
    assert "again" not in report.summary()
    from backend.i18n import words
    from backend.weights_words import weights_message
    assert words(weights_message(report), "en") == report.summary()
    assert words(weights_message(report), "zh").startswith("FP8 权重集尚未下载")
    with pytest.raises(WeightsMissing) as info:
        report.require()
    assert "config.json" in str(info.value)


def test_copied_folder_without_manifest_is_complete(tmp_path, repo):
    write_set(tmp_path, repo, "int8")
    report = check_weights(tmp_path, "int8")
    assert report.complete, report.summary()
    assert report.summary() == f"All 48 files of the INT8 set are present in {tmp_path}."
    report.require()
    assert not check_weights(tmp_path, "fp8").complete


def test_missing_file_is_listed_by_name(tmp_path, repo):
    write_set(tmp_path, repo, "fp8")
    (tmp_path / "distill_fp8" / "block_17.safetensors").unlink()
    (tmp_path / "google" / "umt5-xxl" / "spiece.model").unlink()
    report = check_weights(tmp_path, "fp8")
    assert not report.complete
    assert set(report.missing) == {"distill_fp8/block_17.safetensors", "google/umt5-xxl/spiece.model"}
    assert "distill_fp8/block_17.safetensors" in report.summary()


def test_partial_download_is_not_taken_for_the_file(tmp_path, repo):
    write_set(tmp_path, repo, "fp8")
    t5 = tmp_path / "distill_fp8" / "models_t5_umt5-xxl-enc-fp8.pth"
    t5.rename(t5.with_name(t5.name + ".incomplete"))
    assert check_weights(tmp_path, "fp8").missing == ("distill_fp8/models_t5_umt5-xxl-enc-fp8.pth",)


def test_size_against_manifest_and_empty_files_are_problems(tmp_path, repo):
    written = write_set(tmp_path, repo, "fp8")
    write_manifest(tmp_path, "abc", facts_for(repo, written))
    (tmp_path / "distill_fp8" / "Wan2.1_VAE.pth").write_bytes(b"short")
    report = check_weights(tmp_path, "fp8")
    assert not report.complete and not report.missing
    expected = len(repo["distill_fp8/Wan2.1_VAE.pth"])
    assert report.problems == (f"distill_fp8/Wan2.1_VAE.pth: 5 bytes on disk, {expected:,} expected",)
    assert "damaged" in report.summary() and "Wan2.1_VAE.pth" in report.summary()
    with pytest.raises(WeightsMissing) as info:
        report.require()
    assert info.value.missing == ["distill_fp8/Wan2.1_VAE.pth"]

    (tmp_path / MANIFEST_FILE).unlink()
    (tmp_path / "distill_fp8" / "Wan2.1_VAE.pth").write_bytes(b"")
    assert check_weights(tmp_path, "fp8").problems == ("distill_fp8/Wan2.1_VAE.pth: the file is empty",)


def test_hashes_are_read_only_when_asked(tmp_path, repo, monkeypatch):
    written = write_set(tmp_path, repo, "fp8")
    write_manifest(tmp_path, "abc", facts_for(repo, written))
    block = tmp_path / "distill_fp8" / "block_5.safetensors"
    block.write_bytes(bytes(b ^ 1 for b in block.read_bytes()))  # same size, other bytes
    config = tmp_path / "config.json"
    config.write_bytes(config.read_bytes().replace(b"5120", b"5121"))  # a small file: checked by its git id

    def no_reading(*args):
        raise AssertionError("the fast check must not read file contents")

    with monkeypatch.context() as m:
        m.setattr(models, "file_matches_checksum", no_reading)
        assert check_weights(tmp_path, "fp8").complete
    report = check_weights(tmp_path, "fp8", verify_hashes=True)
    assert not report.complete
    assert {p.split(":")[0] for p in report.problems} == {"distill_fp8/block_5.safetensors", "config.json"}


def test_verified_summary_and_extra_tokenizer_files_from_the_manifest(tmp_path, repo):
    written = write_set(tmp_path, repo, "fp8")
    extra = tmp_path / "google" / "umt5-xxl" / "added_tokens.json"
    extra.write_bytes(b"{}")
    write_manifest(tmp_path, "abc", [*facts_for(repo, written), FileFacts("google/umt5-xxl/added_tokens.json", 2)])
    report = check_weights(tmp_path, "fp8", verify_hashes=True)
    assert report.complete and report.checked == 49
    assert report.summary() == f"All 49 files of the FP8 set are present and verified in {tmp_path}."
    extra.unlink()
    assert check_weights(tmp_path, "fp8").missing == ("google/umt5-xxl/added_tokens.json",)


def test_manifest_merges_sets_and_survives_damage(tmp_path):
    write_manifest(tmp_path, "r1", [FileFacts("distill_fp8/a", 1, "aa")])
    write_manifest(tmp_path, "r2", [FileFacts("distill_int8/b", 2, None, "bb")])
    assert read_manifest(tmp_path) == {"distill_fp8/a": FileFacts("distill_fp8/a", 1, "aa"),
                                       "distill_int8/b": FileFacts("distill_int8/b", 2, None, "bb")}
    (tmp_path / MANIFEST_FILE).write_text("{not json")
    assert read_manifest(tmp_path) == {}
    assert any(p.name.startswith(MANIFEST_FILE + ".bad-") for p in tmp_path.iterdir())


def test_choosing_the_set_subfolder_says_to_choose_its_parent(tmp_path, repo):
    write_set(tmp_path, repo, "fp8")
    report = check_weights(tmp_path / "distill_fp8", "fp8")
    assert not report.complete
    assert any("choose its parent folder" in p and str(tmp_path) in p for p in report.problems)
