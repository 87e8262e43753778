"""MP4 writing: real ffmpeg runs, how it is started, and ffmpeg's own words when it fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend import video
from backend.errors import SaveFailed


def frames(n: int = 5, h: int = 48, w: int = 64) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)


def test_clip_round_trip_with_metadata(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    video.write_mp4(frames(), out, 16, {"prompt": "ein Fuchs 🦊", "seed": 7})
    assert video.is_complete_mp4(out)
    assert video.probe(out)["frames"] == 5 and video.probe(out)["size"] == (64, 48)
    assert video.read_comment(out) == {"prompt": "ein Fuchs 🦊", "seed": 7}


def test_same_bytes_as_imageio_ffmpegs_writer(tmp_path: Path) -> None:
    """The encoder is started here instead of by imageio-ffmpeg (see below): the file must not change."""
    import json

    import imageio_ffmpeg

    comment = {"prompt": "a fox", "seed": 3}
    video.write_mp4(frames(9), tmp_path / "ours.mp4", 16, comment)
    writer = imageio_ffmpeg.write_frames(
        str(tmp_path / "theirs.mp4"), (64, 48), fps=16, codec="libx264", pix_fmt_out="yuv420p", macro_block_size=1,
        quality=None, ffmpeg_log_level="error",
        output_params=["-movflags", "+faststart", "-metadata", "comment=" + json.dumps(comment, separators=(",", ":"))])
    writer.send(None)
    for frame in frames(9):
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    assert (tmp_path / "ours.mp4").read_bytes() == (tmp_path / "theirs.mp4").read_bytes()


@pytest.mark.skipif(os.name != "posix", reason="sessions and fork are POSIX")
def test_encoder_starts_without_a_pre_exec_hook_in_its_own_session(tmp_path: Path, monkeypatch) -> None:
    """A pre-exec hook makes Python fork() instead of vfork(), and fork copies pinned weights (8 s per clip
    measured with 14 GB pinned); its own session keeps Ctrl+C in the terminal away from a save."""
    seen: list[dict[str, Any]] = []
    real = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(video.subprocess, "Popen", recording)
    video.write_mp4(frames(), tmp_path / "clip.mp4", 16, {})
    (kwargs,) = seen
    assert kwargs.get("preexec_fn") is None and kwargs.get("start_new_session") is True


@pytest.mark.skipif(os.name != "posix", reason="niceness is POSIX")
def test_the_encoder_runs_below_the_gpu_workers_priority(tmp_path: Path, monkeypatch) -> None:
    """ffmpeg encodes one clip while the worker starts the next: it must not take the CPU from the thread
    that feeds the GPU (bench/queue_gap.py shows the cost on a busy machine)."""
    niceness: list[int] = []
    real = subprocess.Popen

    def watching(*args: Any, **kwargs: Any) -> subprocess.Popen:
        proc = real(*args, **kwargs)
        original_write = proc.stdin.write  # type: ignore[union-attr]

        def write(data: Any) -> int:
            niceness.append(os.getpriority(os.PRIO_PROCESS, proc.pid))  # while it encodes
            return original_write(data)

        proc.stdin.write = write  # type: ignore[method-assign,union-attr]
        return proc

    monkeypatch.setattr(video.subprocess, "Popen", watching)
    video.write_mp4(frames(), tmp_path / "clip.mp4", 16, {})
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness and set(niceness) == {min(19, mine + video.ENCODER_NICENESS)}


def test_on_windows_the_encoder_starts_below_normal_priority(tmp_path: Path, monkeypatch) -> None:
    seen: list[dict[str, Any]] = []
    flags = {"CREATE_NO_WINDOW": 0x08000000, "CREATE_NEW_PROCESS_GROUP": 0x200, "BELOW_NORMAL_PRIORITY_CLASS": 0x4000}
    for name, value in flags.items():
        monkeypatch.setattr(video.subprocess, name, value, raising=False)
    monkeypatch.setattr(video.sys, "platform", "win32")
    monkeypatch.setattr(video.subprocess, "Popen", lambda *a, **kw: seen.append(kw))
    video._start_encoder(tmp_path / "clip.mp4", 64, 48, 16, {}, None)
    (kwargs,) = seen
    assert kwargs["creationflags"] == sum(flags.values()) and "preexec_fn" not in kwargs


def test_ffmpegs_own_reason_reaches_the_message(tmp_path: Path) -> None:
    out = tmp_path / "no such folder" / "clip.mp4"
    with pytest.raises(SaveFailed) as failed:
        video.write_mp4(frames(), out, 16, {})
    assert "ffmpeg:" in failed.value.user_text() and "No such file or directory" in failed.value.user_text()
    assert not out.exists()


def test_bad_frames_are_refused_before_ffmpeg_starts(tmp_path: Path) -> None:
    with pytest.raises(SaveFailed, match="uint8"):
        video.write_mp4(frames().astype(np.float32), tmp_path / "clip.mp4", 16, {})
    assert not (tmp_path / "clip.mp4").exists()
