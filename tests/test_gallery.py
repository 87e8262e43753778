"""Gallery on disk: atomic clips, sidecars, rebuild from the folder, delete, path safety."""

from __future__ import annotations

import json
import shutil
import threading

import numpy as np
import pytest

from backend.errors import Cancelled, NotFound, SaveFailed
from backend.gallery import Gallery
from backend.records import ClipRecord
from backend.request import build_request
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine


def record(prompt: str = "p", seed: int = 0, **changes: object) -> ClipRecord:
    return ClipRecord(request=build_request(prompt, 256, 256, 5, seed), **changes)  # type: ignore[arg-type]


def frames(n: int = 5) -> np.ndarray:
    return np.zeros((n, 64, 64, 3), dtype=np.uint8)


def test_save_list_newest_first_and_delete(tmp_path) -> None:
    g = Gallery(tmp_path / "clips")
    a = g.save("a-1", frames(), 16, record("first", created_at=1.0))
    b = g.save("b-2", frames(), 16, record("second", created_at=2.0))
    assert [c.id for c in g.list()] == [b.id, a.id]
    g.delete(a.id)
    assert not a.path.exists() and not a.path.with_suffix(".json").exists()
    assert [c.id for c in g.list()] == [b.id]


def test_cancel_at_publish_leaves_nothing(tmp_path) -> None:
    g = Gallery(tmp_path / "clips")

    def cancel() -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        g.save("c-1", frames(), 16, record(), before_publish=cancel)
    assert list((tmp_path / "clips").iterdir()) == [] and g.list() == []


def test_unusable_folder_fails_with_save_failed(tmp_path) -> None:
    blocker = tmp_path / "clips"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(SaveFailed, match="could not be saved"):
        Gallery(blocker).save("d-1", frames(), 16, record())


def test_rebuild_finds_hand_copied_clip_ignores_stray_sidecar_and_partials(tmp_path) -> None:
    g = Gallery(tmp_path / "clips")
    clip = g.save("orig", frames(), 16, record("kept in mp4", 9))
    shutil.copy(clip.path, g.folder / "copied-by-hand.mp4")  # no sidecar: metadata comes from the mp4
    (g.folder / "stray.json").write_text('{"request": {}}')
    (g.folder / ".x.partial.mp4").write_bytes(b"half")
    (g.folder / "../outside.mp4").write_bytes(b"nope")
    notes = Gallery(g.folder).rebuild()
    fresh = Gallery(g.folder)
    fresh.rebuild()
    ids = {c.id for c in fresh.list()}
    assert ids == {"orig", "copied-by-hand"} and notes == []
    copied = fresh.get("copied-by-hand")
    assert copied.record.seed == 9 and copied.record == clip.record.with_(clip_id="copied-by-hand")
    assert copied.problems == ()
    assert fresh.clean_partials() == 1


def test_corrupt_sidecar_is_set_aside_and_clip_still_listed(tmp_path) -> None:
    g = Gallery(tmp_path / "clips")
    clip = g.save("orig", frames(), 16, record("p", 3))
    clip.path.with_suffix(".json").write_text('{"truncated":')
    fresh = Gallery(g.folder)
    notes = fresh.rebuild()
    assert "damaged" in notes[0] and fresh.get("orig").record.seed == 3
    assert list(g.folder.glob("orig.json.bad-*"))
    assert json.loads(clip.path.with_suffix(".json").read_text())["seed"] == 3  # rewritten from the mp4's tags


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/b", "", "..", ".hidden", "x.json", "a\x00b", 5])
def test_path_like_ids_refused(tmp_path, name) -> None:
    g = Gallery(tmp_path / "clips")
    g.rebuild()
    with pytest.raises(NotFound):
        g.get(name)
    with pytest.raises(NotFound):
        g.delete(name)


def test_cancel_while_saving_drops_the_clip(paths) -> None:
    gate = threading.Event()
    engine = CpuTestEngine()
    studio = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0)
    original = studio.gallery.save

    def slow_save(*args, **kwargs):
        gate.wait(10)
        return original(*args, **kwargs)

    studio.gallery.save = slow_save  # type: ignore[method-assign]
    studio.start()
    try:
        (job,) = studio.submit("x", seed=1, **SMALL)
        studio.queue.wait_for(job.id, ("saving",), 30)
        studio.cancel(job.id)
        gate.set()
        assert studio.queue.wait_for(job.id, ("cancelled", "done"), 30).status == "cancelled"
        assert studio.clips() == [] and not list(paths.clips_dir.glob("*.mp4"))
    finally:
        studio.stop()
