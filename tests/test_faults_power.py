"""Power cuts and kills around publishing a clip: the mp4 is on the disk before its name is; a clip cut short
is set aside with a note; a job whose clip was published before the kill comes back done; temporary files of
atomic saves are removed at start; a rename held by another program (Windows antivirus) is retried."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import backend.storage
from backend.errors import BadRequest
from backend.settings import Paths
from backend.storage import REPLACE_TRIES, write_json_atomic
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.studio_proc import StudioProcess

CUT_AT = {"cut to half": 0.5, "missing its last bytes": 0.999}
"""How much of a listed mp4 a power cut left on the disk."""
LEFTOVERS = (("data", ".queue.json.k3j4h5.tmp"), ("config", ".settings.json.a1b2c3.tmp"),
             ("clips", ".{clip}.json.x9y8z7.tmp"), ("clips", ".20260101-000000-1.partial.mp4"))
"""Temporary files of atomic saves a crash left behind: queue, settings, a sidecar, an mp4."""
PUBLISH_KILLS = ("after the mp4 and its sidecar are renamed into place, before the job is marked done",)
HELD_RENAMES = ("a settings file held for a moment", "a settings file held for good", "a clip held for a moment")
"""Renames that another program (an antivirus, an indexer) blocks with a sharing violation, one case each."""


def started(paths: Paths) -> Studio:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    return studio


def make_clips(paths: Paths, prompts: list[str]) -> list[str]:
    studio = started(paths)
    try:
        jobs = [studio.submit(p, seed=i + 1, **SMALL)[0] for i, p in enumerate(prompts)]
        return [studio.queue.wait_for(j.id, ("done",), 60).clip_id or "" for j in jobs]
    finally:
        studio.stop()


@pytest.mark.parametrize("keep", CUT_AT.values(), ids=CUT_AT.keys())
def test_clip_cut_short_by_a_power_cut_is_set_aside_with_a_note(paths: Paths, keep: float) -> None:
    cut, whole = make_clips(paths, ["cut short", "whole"])
    mp4 = paths.clips_dir / f"{cut}.mp4"
    size = mp4.stat().st_size
    with mp4.open("r+b") as fh:  # what a power cut leaves when the data never reached the disk
        fh.truncate(int(size * keep))
    studio = started(paths)
    try:
        assert [c.id for c in studio.clips()] == [whole]
        note = next(n for n in studio.notes if cut in n)
        assert "cut short" in note and "is kept as" in note
        kept = sorted(p.name for p in paths.clips_dir.iterdir() if p.name.startswith(f"{cut}."))
        assert len(kept) == 2 and all(".bad-" in name for name in kept)  # the mp4 and its sidecar, both kept
        assert_gallery_whole(studio)
    finally:
        studio.stop()


def test_mp4_and_sidecar_reach_the_disk_before_the_clip_is_published(paths: Paths, monkeypatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append(("rename", Path(dst).name))
        real_replace(src, dst)

    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name the file being synced")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    (clip_id,) = make_clips(paths, ["synced"])
    published = events.index(("rename", f"{clip_id}.mp4"))
    assert ("fsync", f".{clip_id}.partial.mp4") in events[:published]
    sidecar_written = events.index(("rename", f"{clip_id}.json"))
    assert sidecar_written < published and events[sidecar_written - 1][0] == "fsync"
    assert events[published + 1] == ("fsync", "clips")  # and the rename itself


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="the harness uses SIGKILL")
@pytest.mark.parametrize("point", PUBLISH_KILLS)
def test_kill_right_after_publishing_brings_the_job_back_done(tmp_path: Path, point: str) -> None:
    home = tmp_path / "home"
    with StudioProcess(home) as proc:
        proc.call("hold_after_publish")
        (job_id,) = proc.call("submit", prompt="published, then the power went", seed=9, **SMALL)["ids"]
        proc.call("wait_published")
        assert proc.call("wait", id=job_id, statuses=["saving"])["status"] == "saving"
        proc.kill()
    studio = started(Paths.default(home))
    try:
        job = studio.job(job_id)
        assert job.status == "done" and job.error is None
        (clip,) = studio.clips()
        assert job.clip_id == clip.id and clip.record.job_id == job_id
        assert not any("cut short" in n for n in studio.notes)
        with pytest.raises(BadRequest):  # nothing to re-queue, so no duplicate clip
            studio.requeue(job_id)
        assert_accounted(studio, [job_id])
        assert_gallery_whole(studio)
    finally:
        studio.stop()


def test_leftover_temporary_files_are_removed_at_start(paths: Paths) -> None:
    (clip_id,) = make_clips(paths, ["keep me"])
    folders = {"data": paths.data_dir, "config": paths.config_dir, "clips": paths.clips_dir}
    leftovers = [folders[folder] / name.format(clip=clip_id) for folder, name in LEFTOVERS]
    for path in leftovers:
        path.write_bytes(b'{"half": ')
    mine = paths.data_dir / "my-notes.tmp"  # not one of ours: never touched
    mine.write_text("mine", encoding="utf-8")
    studio = started(paths)
    try:
        assert [p.name for p in leftovers if p.exists()] == []
        assert mine.read_text(encoding="utf-8") == "mine"
        assert [c.id for c in studio.clips()] == [clip_id]
        assert_gallery_whole(studio)
    finally:
        studio.stop()


def test_a_rename_held_by_another_program_is_retried(tmp_path: Path, monkeypatch) -> None:
    """Windows: an antivirus scanning the new file makes the rename fail with a sharing violation for a moment."""
    real_replace = os.replace
    failures = {"left": 2, "calls": 0}

    def held_replace(src: str | Path, dst: str | Path) -> None:
        failures["calls"] += 1
        if failures["left"] > 0:
            failures["left"] -= 1
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(backend.storage, "REPLACE_PAUSE_S", 0.01)
    monkeypatch.setattr(os, "replace", held_replace)
    target = tmp_path / "settings.json"
    target.write_text('{"old": true}', encoding="utf-8")
    write_json_atomic(target, {"new": "Größe 日本 Русский"})
    assert failures["calls"] == 3 and "日本" in target.read_text(encoding="utf-8")

    failures["left"], failures["calls"] = 10**6, 0  # held for good: a real failure, the old file intact
    with pytest.raises(PermissionError):
        write_json_atomic(target, {"newer": 1})
    assert failures["calls"] == REPLACE_TRIES and "日本" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_a_clip_rename_held_for_a_moment_still_publishes(paths: Paths, monkeypatch) -> None:
    real_replace = os.replace
    held = {"left": 3}

    def held_replace(src: str | Path, dst: str | Path) -> None:
        if str(dst).endswith(".mp4") and held["left"] > 0:
            held["left"] -= 1
            raise PermissionError(32, "The process cannot access the file", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(backend.storage, "REPLACE_PAUSE_S", 0.01)
    monkeypatch.setattr(os, "replace", held_replace)
    (clip_id,) = make_clips(paths, ["scanned by an antivirus"])
    assert held["left"] == 0 and clip_id
    studio = started(paths)
    try:
        assert [c.id for c in studio.clips()] == [clip_id]
        assert_gallery_whole(studio)
    finally:
        studio.stop()
