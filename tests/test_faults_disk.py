"""Disk full or unwritable while a clip is saved: the job fails with one clear sentence, the gallery is
unchanged, and the next job runs once there is room again. Each failure is a real OS error."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.settings import Paths
from backend.studio import Studio
from backend.video import is_complete_mp4
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.studio_proc import StudioProcess
from tests.support.ui_app import running_app
from tests.test_ui_client import generate

DISK_FAULTS = ("full tmpfs", "file size limit (EFBIG)", "clips folder replaced by a file")
"""Each test below injects one of these; the report counts them."""
TINY_DISK_KIB = 256
BIG = {"width": 832, "height": 480, "frames": 5}
"""About 20 KB as an mp4: over the file size cap below, while the queue and sidecar files stay under it."""
FILE_SIZE_CAP = 12_000


def folder_listing(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir()}


@contextlib.contextmanager
def tiny_disk(folder: Path) -> Iterator[None]:
    """Mount a small tmpfs on `folder`; skip where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the file-size-limit and file-for-folder variants still run")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TINY_DISK_KIB}k", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({mounted.stderr.strip() or 'mount failed'}); "
                    "the file-size-limit and file-for-folder variants still run")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """Write a filler file until the disk refuses (ENOSPC): a disk that is really full."""
    filler = folder / "filler.bin"
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as fh:
        while True:
            fh.write(b"\0" * 4096)
    assert shutil.disk_usage(folder).free < 8192
    return filler


@pytest.mark.slow
def test_full_disk_fails_the_job_clearly_and_the_next_job_runs(paths: Paths) -> None:
    with tiny_disk(paths.clips_dir), running_app(paths, CpuTestEngine()) as app:
        client = app.client()
        (first,) = app.studio.submit("saved before the disk filled", seed=1, **SMALL)
        assert app.studio.queue.wait_for(first.id, ("done", "failed"), 60).status == "done"
        filler = fill(paths.clips_dir)
        before = folder_listing(paths.clips_dir)

        generate(client, "no room for this one", size="832x480", seed=2, seed_lock=True)
        failing = app.studio.jobs()[-1]
        failed = app.studio.queue.wait_for(failing.id, ("done", "failed"), 60)
        assert failed.status == "failed" and failed.error_kind == "save_failed"
        assert "is full" in (failed.error or "") and "Free some disk space" in (failed.error or "")
        progress = client.predict(api_name="/progress")[0]
        assert "The last job failed: The disk holding" in progress and "Traceback" not in progress
        assert folder_listing(paths.clips_dir) == before  # nothing new, nothing half-written
        assert [c.id for c in app.studio.clips()] == [app.studio.queue.get(first.id).clip_id]

        filler.unlink()  # room again
        generate(client, "room again", size="832x480", seed=3, seed_lock=True)
        after = app.studio.jobs()[-1]
        assert app.studio.queue.wait_for(after.id, ("done", "failed"), 60).status == "done"
        assert_accounted(app.studio, [first.id, failing.id, after.id])
        assert_gallery_whole(app.studio)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_fails_the_save_cleanly(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a real Studio process: the encoder's writes past the cap fail (EFBIG / SIGXFSZ)."""
    home = tmp_path / "home"
    with StudioProcess(home) as proc:
        (first,) = proc.call("submit", prompt="small enough", seed=1, **SMALL)["ids"]
        assert proc.call("wait", id=first, statuses=["done", "failed"])["status"] == "done"
        clips = Paths.default(home).clips_dir
        before = folder_listing(clips)
        proc.call("fsize", bytes=FILE_SIZE_CAP)
        (big,) = proc.call("submit", prompt="too big for the cap", seed=2, **BIG)["ids"]
        failed = proc.call("wait", id=big, statuses=["done", "failed"])
        assert failed["status"] == "failed" and "could not be saved" in failed["job_error"]
        assert "Traceback" not in failed["job_error"]
        assert folder_listing(clips) == before
        proc.call("fsize", bytes=None)
        (after,) = proc.call("submit", prompt="fits once the cap is gone", seed=3, **BIG)["ids"]
        assert proc.call("wait", id=after, statuses=["done", "failed"])["status"] == "done"
        proc.stop()
    studio = Studio(Paths.default(home), CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        jobs = assert_accounted(studio, [first, big, after])
        assert [jobs[j].status for j in (first, big, after)] == ["done", "failed", "done"]
        assert_gallery_whole(studio)
    finally:
        studio.stop()


def test_clips_folder_replaced_by_a_file(paths: Paths) -> None:
    gate = threading.Event()
    gate.set()
    studio = Studio(paths, CpuTestEngine(gate=gate), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (first,) = studio.submit("saved while the folder was there", seed=1, **SMALL)
        assert studio.queue.wait_for(first.id, ("done", "failed"), 60).status == "done"
        listed = [c.id for c in studio.clips()]
        away = paths.clips_dir.with_name("clips-unplugged")
        paths.clips_dir.rename(away)  # like a removed drive, with a file left where the folder was
        paths.clips_dir.write_text("not a folder")

        (job,) = studio.submit("nowhere to go", seed=2, **SMALL)
        failed = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert failed.status == "failed" and failed.error_kind == "save_failed"
        assert f"could not be saved in {paths.clips_dir}" in (failed.error or "")
        assert [c.id for c in studio.clips()] == listed and paths.clips_dir.read_text() == "not a folder"

        paths.clips_dir.unlink()
        away.rename(paths.clips_dir)
        (after,) = studio.submit("the folder is back", seed=3, **SMALL)
        assert studio.queue.wait_for(after.id, ("done", "failed"), 60).status == "done"
        assert_accounted(studio, [first.id, job.id, after.id])
        assert_gallery_whole(studio)
    finally:
        studio.stop()


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_a_cut_off_mp4_is_never_taken_for_a_whole_one(paths: Paths, keep: float) -> None:
    """The check that catches ffmpeg failing quietly: a clip cut anywhere is incomplete, the whole one is not."""
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (job,) = studio.submit("whole", seed=1, **SMALL)
        clip = studio.clip(studio.queue.wait_for(job.id, ("done", "failed"), 60).clip_id or "")
    finally:
        studio.stop()
    data = clip.path.read_bytes()
    assert is_complete_mp4(clip.path)
    cut = paths.clips_dir / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])
    assert not is_complete_mp4(cut)
