"""Corrupt state on disk at start: the app starts anyway, says what it skipped (Studio.notes and the page's
notices), keeps a copy of each bad file (*.bad-*), and still makes clips."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.jobs.queue import JobQueue
from backend.request import build_request
from backend.settings import Paths, UserSettings, save_user_settings
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_gallery_whole
from tests.support.ui_app import running_app

pytestmark = pytest.mark.slow  # each case serves the page on a port


def truncate(path: Path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) // 2]


def one_bad_job(path: Path) -> bytes:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["jobs"][1]["request"]["frames"] = 80  # no longer a valid request
    return json.dumps(data).encode()


CORRUPTIONS: dict[str, tuple[Callable[[Paths], Path], Callable[[Path], bytes], str]] = {
    "truncated queue": (lambda p: p.queue_file, truncate, "queue.json was damaged"),
    "queue that is not text": (lambda p: p.queue_file, lambda _f: b"\xff\xfe\x00\x9c junk", "queue.json was damaged"),
    "queue without a job list": (lambda p: p.queue_file, lambda _f: b'{"version": 1}', "had no job list"),
    "queue with one unreadable job": (lambda p: p.queue_file, one_bad_job, "1 stored job(s) could not be read"),
    "truncated sidecar": (lambda p: next(p.clips_dir.glob("*.json")), truncate, "was damaged"),
    "garbage settings": (lambda p: p.settings_file, lambda _f: b"\x00\x01{{ not json ]]", "settings.json was damaged"),
    "settings of the wrong shape": (lambda p: p.settings_file, lambda _f: b"[1, 2, 3]", "did not hold settings"),
}
"""What is broken, how, and the words the start-up note must contain."""


def make_state(paths: Paths) -> str:
    """A real clip with its sidecar, a queue with a finished and two waiting jobs, and saved settings."""
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    (job,) = studio.submit("made before the damage", seed=42, **SMALL)
    clip_id = studio.queue.wait_for(job.id, ("done", "failed"), 60).clip_id or ""
    studio.stop()
    waiting = JobQueue(paths.queue_file)
    waiting.restore()
    waiting.enqueue([build_request("waiting one", seed=1, **SMALL), build_request("waiting two", seed=2, **SMALL)])
    save_user_settings(paths.settings_file, UserSettings(prompt="my last prompt", frames=49))
    return clip_id


@pytest.mark.parametrize("damage", list(CORRUPTIONS))
def test_damaged_file_is_set_aside_said_and_the_app_works(paths: Paths, damage: str) -> None:
    clip_id = make_state(paths)
    where, corrupt, words = CORRUPTIONS[damage]
    target = where(paths)
    bad = corrupt(target)
    target.write_bytes(bad)

    with running_app(paths) as app:
        notes = app.studio.notes
        assert any(words in n and target.name in n for n in notes), notes
        page = html.unescape(app.client().predict(api_name="/notices"))
        assert words in page and "Traceback" not in page
        copies = list(target.parent.glob(f"{target.name}.bad-*"))
        assert len(copies) == 1 and copies[0].read_bytes() == bad, copies
        assert copies[0].name in " ".join(notes)  # the note says where the copy is

        # The clip made before the damage is still listed (a damaged sidecar falls back on the mp4's own tags).
        clip = app.studio.clip(clip_id)
        assert clip.request is not None and clip.request.seed == 42 and clip.request.prompt == "made before the damage"
        if "queue" not in damage:
            waiting = [j for j in app.studio.jobs() if j.request.prompt.startswith("waiting")]
            assert [j.request.seed for j in waiting] == [1, 2]
        if damage == "queue with one unreadable job":
            assert [j.request.prompt for j in app.studio.jobs()] == ["made before the damage", "waiting two"]
        if "settings" in damage:
            assert app.studio.settings == UserSettings()  # defaults, and the page still restores a form
            assert app.client().predict(api_name="/restore_form")[0] == ""
        (fresh,) = app.studio.submit("made after the damage", seed=7, **SMALL)
        assert app.studio.queue.wait_for(fresh.id, ("done", "failed"), 60).status == "done"
        for job in app.studio.jobs():
            app.studio.queue.wait_for(job.id, ("done", "failed", "cancelled", "interrupted"), 60)
        assert_gallery_whole(app.studio, play=False, sidecar_lost=clip_id if "sidecar" in damage else None)
