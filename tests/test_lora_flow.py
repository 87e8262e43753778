"""LoRAs through the real Studio, queue, worker and gallery on the CPU test engine: the clip records what
was applied, and every bad choice is refused with a message while the rest of the queue goes on."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from backend.errors import BadRequest, LoraError
from backend.lora import parse
from backend.request import GenerationRequest, LoraUse, build_request
from backend.studio import Studio
from backend.video import read_comment
from tests.conftest import SMALL
from tests.support.cpu_engine import CpuTestEngine
from tests.support.lora_files import make_layers, write_lora

REAL = parse.WAN21_14B


def add_lora(studio: Studio, name: str = "style.safetensors", scheme: str = "kohya", seed: int = 1) -> Path:
    layers = make_layers(REAL, 2, ("self_attn.q", "ffn.2"), blocks=(0, 1, 2), seed=seed, alpha=1.0)
    return write_lora(studio.paths.lora_dir / name, layers, scheme, "BF16")  # type: ignore[arg-type]


def test_a_job_with_a_lora_records_it_in_the_clip(studio: Studio, engine: CpuTestEngine) -> None:
    path = add_lora(studio)
    assert studio.paths.lora_dir in studio.lora_folders() and path.parent == studio.paths.lora_dir
    (entry,) = studio.lora_entries()
    assert entry.report is not None and entry.report.rank == 2 and entry.size_bytes == path.stat().st_size
    assert studio.lora_report("style.safetensors").summary() == "matched 6 of 6 layers"
    (job,) = studio.submit("a fox", seed=3, loras=[("style.safetensors", 0.8)], **SMALL)
    assert len(job.request.loras[0].sha256_16) == 16
    done = studio.queue.wait_for(job.id, ("done", "failed"), timeout=60)
    assert done.status == "done", done.error
    clip = studio.clip(done.clip_id)  # type: ignore[arg-type]
    recorded = {"name": "style.safetensors", "sha256_16": job.request.loras[0].sha256_16, "strength": 0.8}
    assert clip.record.to_json()["request"]["loras"] == [recorded]
    assert clip.record.lora_layers == 6 and clip.record.loras[0].layers == 6
    assert read_comment(clip.path)["request"]["loras"] == [recorded]  # type: ignore[index]
    reused = GenerationRequest.from_dict(clip.record.to_json()["request"])  # "reuse settings"
    assert reused.loras == job.request.loras
    (merged,) = engine.lora_sets
    assert merged is not None and merged.parts[0].use.strength == 0.8


@pytest.mark.parametrize("choice, words", [
    ([("missing.safetensors", 1.0)], "missing.safetensors is not in any LoRA folder"),
    ([("style.safetensors", 2.5)], "strength of style.safetensors is 2.5"),
    ([("style.safetensors", math.nan)], "strength of style.safetensors is nan"),
    ([("style.safetensors", "strong")], "must be a number"),
    ([("../style.safetensors", 1.0)], "is not a LoRA file name"),
    ([("style.ckpt", 1.0)], "style.ckpt is not a .safetensors file"),
    ([("style.safetensors", 1.0)] * 2, "chosen twice"),
    ([(f"l{i}.safetensors", 1.0) for i in range(4)], "at most 3"),
])
def test_bad_choices_are_refused_and_queue_nothing(studio: Studio, choice: list, words: str) -> None:
    add_lora(studio)
    with pytest.raises(LoraError) as err:
        studio.submit("a fox", loras=choice, **SMALL)
    assert words in err.value.message
    assert studio.jobs() == []


@pytest.mark.parametrize("damage, words", [
    (lambda p: p.write_bytes(p.read_bytes()[:-100]), "incomplete or damaged"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(300)), "zip archive"),
])
def test_damaged_files_are_refused_at_submit(studio: Studio, damage, words: str) -> None:
    damage(add_lora(studio))
    with pytest.raises(LoraError, match=words):
        studio.submit("a fox", loras=[("style.safetensors", 1.0)], **SMALL)
    assert studio.jobs() == []
    assert "style.safetensors" in (studio.lora_entries()[0].problem or "")


def test_a_lora_gone_before_its_turn_fails_only_its_job(paths, engine: CpuTestEngine) -> None:
    import threading

    gate = threading.Event()
    engine.gate = gate
    studio = Studio(paths, engine, host_ram=64.0, preload=False)
    studio.start()
    try:
        path = add_lora(studio)
        first, = studio.submit("first", seed=1, **SMALL)
        second, = studio.submit("second", seed=2, loras=[("style.safetensors", 1.0)], **SMALL)
        third, = studio.submit("third", seed=3, **SMALL)
        studio.queue.wait_for(first.id, ("running",), timeout=10)
        path.unlink()
        gate.set()
        failed = studio.queue.wait_for(second.id, ("done", "failed"), timeout=60)
        assert failed.status == "failed" and failed.error_kind == "lora"
        assert "style.safetensors is not in any LoRA folder" in (failed.error or "")
        for job in (first, third):
            assert studio.queue.wait_for(job.id, ("done", "failed"), timeout=60).status == "done"
    finally:
        studio.stop()


def test_low_ram_mode_refuses_loras_with_a_reason(studio: Studio) -> None:
    add_lora(studio)
    studio.update_settings(low_ram="on")
    with pytest.raises(LoraError, match="Low-RAM mode cannot use LoRAs") as err:
        studio.submit("a fox", preset="12gb", loras=[("style.safetensors", 1.0)], **SMALL)
    assert "Low-RAM mode to Off" in err.value.hint and studio.jobs() == []


def test_owner_folders_are_searched_after_the_data_folder(studio: Studio, tmp_path: Path) -> None:
    extra = tmp_path / "my-loras"
    extra.mkdir()
    write_lora(extra / "motion.safetensors", make_layers(REAL, 1, ("ffn.0",), blocks=(4,)), "diffusers")
    assert studio.add_lora_folder(str(extra)) == [studio.paths.lora_dir, extra]
    assert studio.add_lora_folder(str(extra)) == [studio.paths.lora_dir, extra]  # once only
    assert [e.name for e in studio.lora_entries()] == ["motion.safetensors"]
    assert studio.lora_report("motion.safetensors").summary() == "matched 1 of 1 layers"
    for bad in ("", "relative/folder", str(tmp_path / "nowhere")):
        with pytest.raises(BadRequest, match="is not a folder"):
            studio.add_lora_folder(bad)


def test_fit_badge_counts_the_chosen_loras(studio: Studio) -> None:
    add_lora(studio)
    preset = studio.preset_for("16gb")
    plain = studio.predict_fit(preset, 832, 480, 81)
    with_lora = studio.predict_fit(preset, 832, 480, 81, ["style.safetensors"])
    assert "LoRAs add" in with_lora[1] and "LoRAs add" not in plain[1]


def test_request_round_trip_validates_loras_again() -> None:
    request = build_request("x", loras=[LoraUse("a.safetensors", "0123456789abcdef", -2.0)])
    assert GenerationRequest.from_dict(request.to_dict()) == request
    bad = request.to_dict() | {"loras": [{"name": "a.safetensors", "sha256_16": "nothex", "strength": 1}]}
    with pytest.raises(LoraError, match="not 16 hex digits"):
        GenerationRequest.from_dict(bad)
    assert build_request("x", loras=None).loras == () and build_request("x", loras=[("b.safetensors", "0.5")]).loras[
        0].strength == 0.5
