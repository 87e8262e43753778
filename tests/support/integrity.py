"""What "nothing lost" means, checked the same way after every fault: the gallery is whole and every job
that was submitted is still accounted for."""

from __future__ import annotations

import json
from collections.abc import Iterable

from backend.jobs.job import Job
from backend.studio import Studio
from backend.video import is_complete_mp4, probe

SETTLED = ("done", "failed", "cancelled", "interrupted")


def assert_gallery_whole(studio: Studio, play: bool = True, sidecar_lost: str | None = None) -> None:
    """Every finished mp4 on disk is listed and every listed clip has its sidecar (`sidecar_lost`, whose damaged
    sidecar was set aside, has it rewritten from the mp4's own tags); no hidden temporary file
    is left; each mp4 is whole, and with `play` it is decoded and has the frames its request asked for."""
    folder = studio.paths.clips_dir
    listed = {clip.id: clip for clip in studio.clips()}
    on_disk = {p.stem for p in folder.glob("*.mp4") if not p.name.startswith(".")}
    assert set(listed) == on_disk, (sorted(listed), sorted(on_disk))
    leftovers = sorted(p.name for p in folder.glob(".*") if p.name.endswith((".partial.mp4", ".tmp")))
    assert leftovers == [], leftovers
    for clip in listed.values():
        sidecar = json.loads(clip.path.with_suffix(".json").read_text(encoding="utf-8"))
        if clip.id == sidecar_lost:
            assert sidecar == clip.record.to_json() and clip.record.clip_id == clip.id
        assert sidecar["id"] == clip.id and sidecar["seed"] == sidecar["request"]["seed"]
        assert is_complete_mp4(clip.path), clip.id
        if play:
            assert probe(clip.path)["frames"] == sidecar["request"]["frames"], clip.id


def assert_accounted(studio: Studio, ids: Iterable[str]) -> dict[str, Job]:
    """Each submitted job is still in the queue, and each `done` one has its clip in the gallery."""
    jobs = {job.id: job for job in studio.jobs()}
    missing = [job_id for job_id in ids if job_id not in jobs]
    assert missing == [], f"jobs lost: {missing}"
    clips = {clip.id for clip in studio.clips()}
    for job in jobs.values():
        if job.status == "done":
            assert job.clip_id in clips, f"job {job.id} is done but its clip {job.clip_id} is not listed"
        if job.status in ("failed", "interrupted"):
            assert job.error and "Traceback" not in job.error, job
    return jobs
