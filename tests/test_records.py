"""The clip record: what the sidecar and the mp4 carry, read back with validation (damaged fields named,
unknown future fields kept), the layout of clips made before records were typed, and stage timings in
the persisted queue."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backend.gallery import Gallery
from backend.jobs.job import Job
from backend.record_reader import RecordDamaged, read_record, read_timings
from backend.records import (
    BuildFacts,
    ClipRecord,
    Kernels,
    KernelTrial,
    LoraApplied,
    Machine,
    Peaks,
    StageTimings,
    Versions,
)
from backend.request import build_request
from backend.video import read_comment

FULL = ClipRecord(
    request=build_request("a red fox", 832, 480, 81, 42, "auto"), preset="12gb", low_ram=True,
    engine_config=(("cpu_offload", True), ("offload_granularity", "block"), ("num_disk_workers", 2)),
    kernels=Kernels("fp8-triton", "sage_attn2", "fp8"),
    timings=StageTimings(load_s=40.0, encode_s=1.5, denoise_s=12.0, step_s=3.0, first_step_s=3.5, decode_s=2.0,
                         generate_s=15.5, render_s=56.0, save_s=0.8, steps_s=(3.5, 2.9, 2.8, 2.8)),
    peaks=Peaks(vram_mib=8100.0, allocated_mib=6000.0, reserved_mib=7000.0, context_mib=1100.0),
    versions=Versions("0.1.0", "lightx2v", "0.1.0+f8aee98", "2.8.0", "Linux"),
    machine=Machine("NVIDIA GeForce RTX 4070", 12282.0, "580.00", 31.3),
    build=BuildFacts(import_s=12.4, build_s=40.0, t5_read_ahead_s=3.0, pinned_pool=(("reserved_gb", 14.5),),
                     kernel_probes=(KernelTrial("fp8-triton", "quant", True, "ok", 0.4),), gpu_capability=(8, 9)),
    warm=False, vae_tiling=False, loras=(LoraApplied("style.safetensors", "0123456789abcdef", 0.8, 4, 400, 400),),
    lora_layers=400,
    notes=("Ran out of GPU memory on the 16gb preset; retried once on 12gb.",), job_id="abc123",
    clip_id="20261201-120000-42", created_at=1_800_000_000.0)


def test_every_field_survives_json_and_back() -> None:
    data = json.loads(json.dumps(FULL.to_json()))
    assert data["record_version"] == 2 and data["seed"] == 42 and data["id"] == FULL.clip_id
    record, problems = read_record(data)
    assert problems == () and record == FULL


def test_unknown_future_fields_are_kept_and_written_back() -> None:
    data = {**FULL.to_json(), "record_version": 3, "preview": {"frames": 4}, "rating": 5}
    record, problems = read_record(data)
    assert problems == () and dict(record.extra) == {"preview": {"frames": 4}, "rating": 5}
    again = record.to_json()
    assert again["preview"] == {"frames": 4} and again["rating"] == 5 and again["record_version"] == 2


def test_damaged_fields_are_named_and_left_at_their_defaults() -> None:
    data = FULL.to_json()
    data.update(preset=7, low_ram="yes", notes="one note", loras=[{"name": "x"}])
    data["timings"] = {**data["timings"], "decode_s": "fast", "steps_s": [1.0, None]}
    data["peaks"] = "high"
    data["machine"] = {**data["machine"], "gpu_total_mib": True}
    record, problems = read_record(data)
    assert sorted(problems) == sorted([
        "preset is not text", "low_ram is not true or false", "notes is not a list", "loras is not text",
        "timings.decode_s is not a number", "timings.steps_s is not a number", "peaks is not an object",
        "machine.gpu_total_mib is not a number"])
    assert (record.preset, record.low_ram, record.notes, record.loras, record.peaks) == ("", False, (), (), Peaks())
    assert record.timings.decode_s is None and record.timings.encode_s == 1.5 and record.timings.steps_s == ()
    assert record.machine == Machine("NVIDIA GeForce RTX 4070", None, "580.00", 31.3)
    assert record.request == FULL.request and record.kernels == FULL.kernels  # the rest is intact


def test_a_bad_request_is_reported_and_the_record_still_reads() -> None:
    data = {**FULL.to_json(), "request": {**FULL.to_json()["request"], "frames": 80}}
    record, problems = read_record(data)
    assert record.request is None and record.seed is None and len(problems) == 1
    assert problems[0].startswith("request is not valid (The frame count 80 is not allowed")
    with pytest.raises(RecordDamaged):
        read_record(["not", "an", "object"])


def test_clips_made_before_records_were_typed_still_read() -> None:
    flat = {"job_id": "j1", "request": FULL.to_json()["request"], "seed": 42, "preset": "12gb", "low_ram": False,
            "notes": [], "app_version": "0.1.0", "engine": "lightx2v", "gpu": "RTX 4070", "gpu_total_mib": 12282,
            "driver": "580.00", "host_ram_gib": 31.3, "platform": "Linux", "engine_config": {"cpu_offload": True},
            "kernels": {"quant_scheme": "fp8-triton", "attention": "torch_sdpa", "weight_set": "fp8"},
            "kernel_probes": [{"name": "fp8-triton", "kind": "quant", "ok": True, "detail": "ok", "ms": None}],
            "lightx2v": "0.1.0", "torch": "2.8.0", "gpu_capability": [8, 9], "import_s": 12.0, "build_s": 30.0,
            "t5_read_ahead_s": None, "pinned_pool": None, "context_mib": 900.0, "warm": True, "vae_tiling": False,
            "timings": {"encode_s": 1.0, "render_total": 20.5}, "step_times_s": [3.0, 3.0, 3.0, 3.0],
            "peak_allocated_mib": 5000.0, "peak_reserved_mib": 6000.0, "peak_vram_mib": 6900.0,
            "id": "old-clip", "created_at": 1_700_000_000.0}
    record, problems = read_record(flat)
    assert problems == () and record.extra == ()
    assert record.versions == Versions("0.1.0", "lightx2v", "0.1.0", "2.8.0", "Linux")
    assert record.machine == Machine("RTX 4070", 12282.0, "580.00", 31.3)
    assert record.peaks == Peaks(6900.0, 5000.0, 6000.0, 900.0)
    assert record.timings == StageTimings(encode_s=1.0, render_s=20.5, steps_s=(3.0, 3.0, 3.0, 3.0))
    assert record.build == BuildFacts(import_s=12.0, build_s=30.0, gpu_capability=(8, 9), kernel_probes=(
        KernelTrial("fp8-triton", "quant", True, "ok", None),))
    assert (record.clip_id, record.job_id, record.warm, record.engine_config) == (
        "old-clip", "j1", True, (("cpu_offload", True),))


def test_the_mp4_carries_the_same_record_as_the_sidecar(tmp_path: Path) -> None:
    gallery = Gallery(tmp_path / "clips")
    clip = gallery.save("with-record", np.zeros((5, 64, 64, 3), dtype=np.uint8), 16, FULL)
    sidecar = json.loads(clip.path.with_suffix(".json").read_text(encoding="utf-8"))
    assert read_comment(clip.path) == sidecar == clip.record.to_json()
    assert clip.record == FULL.with_(clip_id="with-record")


def test_job_timings_are_typed_in_the_persisted_queue() -> None:
    job = Job.new(FULL.request).with_(timings=FULL.timings)  # type: ignore[arg-type]
    assert Job.from_dict(json.loads(json.dumps(job.to_dict()))) == job
    stored = {**job.to_dict(), "timings": {"encode_s": 1.0, "render_total": 9.0, "save_s": "?"}}  # an old queue
    assert Job.from_dict(stored).timings == StageTimings(encode_s=1.0, render_s=9.0)
    problems: list[str] = []
    assert read_timings(["no"], problems) == StageTimings() and problems == ["timings is not an object"]
