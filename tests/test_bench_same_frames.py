"""The frame comparison of bench/same_frames.py on made-up arrays (the runs themselves need a GPU)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from bench import same_frames

KEYS_OFFLOAD = {"cpu_offload": True, "offload_granularity": "block", "t5_cpu_offload": True, "vae_cpu_offload": False}


def write(folder: Path, name: str, context: np.ndarray, latents: np.ndarray, video: np.ndarray,
          keys: dict) -> None:
    np.savez(folder / f"{name}.npz", context=context, latents=latents, video=video)
    (folder / f"{name}.json").write_text(json.dumps({"engine_config": keys, "output": {"frames": video.shape[2]}}))


def test_identical_runs_and_a_corrupted_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ctx = rng.standard_normal((1, 512, 64)).astype(np.float32)
    lat = rng.standard_normal((16, 3, 6, 8)).astype(np.float32)
    vid = np.tanh(rng.standard_normal((1, 3, 9, 24, 32))).astype(np.float32)
    write(tmp_path, "bare-16gb", ctx, lat, vid, KEYS_OFFLOAD)
    write(tmp_path, "app-16gb", ctx, lat, vid, KEYS_OFFLOAD)
    write(tmp_path, "app-12gb", ctx, lat, vid, KEYS_OFFLOAD)  # same keys: compared with bare-16gb
    noisy = np.clip(vid + rng.standard_normal(vid.shape).astype(np.float32) * 0.003, -1, 1)
    write(tmp_path, "app-8gb", ctx + 1e-3, lat * 1.001, noisy, {**KEYS_OFFLOAD, "vae_cpu_offload": True})
    write(tmp_path, "bare-8gb", ctx, lat, vid, {**KEYS_OFFLOAD, "vae_cpu_offload": True})
    write(tmp_path, "app-24gb", ctx, lat, np.zeros_like(vid), {"cpu_offload": False})  # no bare run with these keys
    result = same_frames.compare(tmp_path)
    rows = {r["app"]: r for r in result["rows"]}
    assert [r["app"] for r in result["rows"]] == ["app-8gb", "app-12gb", "app-16gb", "app-24gb"]
    assert rows["app-16gb"]["bare"] == rows["app-12gb"]["bare"] == "bare-16gb"
    assert rows["app-16gb"]["context_identical"] and rows["app-16gb"]["latents_identical"]
    assert rows["app-16gb"]["frames_psnr_db"] == math.inf and rows["app-16gb"]["latents_max_abs"] == 0
    eight = rows["app-8gb"]
    assert eight["bare"] == "bare-8gb" and not eight["context_identical"]
    assert abs(eight["latents_rel"] - 0.001) < 1e-5 and 45 < eight["frames_psnr_db"] < 60
    assert "error" in rows["app-24gb"]
    table = same_frames.render(result)
    assert "| app-16gb | bare-16gb | identical | 0 | 0 | identical (∞) | 9 |" in table


def test_corruption_shows_as_low_psnr(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    ctx, lat = np.ones((1, 4, 4), np.float32), rng.standard_normal((16, 2, 4, 4)).astype(np.float32)
    vid = np.tanh(rng.standard_normal((1, 3, 5, 16, 16))).astype(np.float32)
    other = np.tanh(rng.standard_normal(vid.shape)).astype(np.float32)  # what a wrong weight view gives
    write(tmp_path, "bare-16gb", ctx, lat, vid, KEYS_OFFLOAD)
    write(tmp_path, "app-16gb", ctx, rng.standard_normal(lat.shape).astype(np.float32), other, KEYS_OFFLOAD)
    (row,) = same_frames.compare(tmp_path)["rows"]
    assert row["frames_psnr_db"] < 15 and row["latents_rel"] > 0.5
