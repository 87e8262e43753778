"""The data folder's lock in one process: a held folder refuses a second Studio before it touches anything,
the owner record says who holds it (owner-only), another --home is independent, and stop() lets go."""

from __future__ import annotations

import json
import os
import stat

import pytest

from backend.data_lock import OWNER_NAME, DataFolderLock, read_owner
from backend.errors import FolderInUse
from backend.owner_key import OWNER_KEY_FILE, owner_key_file, read_owner_key
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import SMALL, FakeGpu
from tests.support.cpu_engine import CpuTestEngine


def studio_on(paths: Paths) -> Studio:
    return Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)


def test_a_held_folder_refuses_a_second_studio_before_it_touches_anything(paths: Paths, tmp_path) -> None:
    first = studio_on(paths)
    first.start()
    try:
        (job,) = first.submit("mine", seed=3, **SMALL)
        first.queue.wait_for(job.id, ("done",), 60)
        partial = paths.clips_dir / ".20260101-000000-9.partial.mp4"  # as if the owner were saving a clip
        partial.write_bytes(b"half a clip")
        leftover = paths.data_dir / ".queue.json.abc.tmp"
        leftover.write_bytes(b"{")
        before = {p: p.read_bytes() for p in sorted(paths.data_dir.rglob("*")) if p.is_file()}

        second = studio_on(paths)
        with pytest.raises(FolderInUse, match=f"is in use by Wan Studio \\(process {os.getpid()}, started "):
            second.start()
        second.stop()  # never started: nothing to stop, and the owner's lock stays held
        assert {p: p.read_bytes() for p in sorted(paths.data_dir.rglob("*")) if p.is_file()} == before

        other = studio_on(Paths.default(tmp_path / "other-home"))  # another --home is independent
        other.start()
        other.stop()
    finally:
        first.stop()
    assert read_owner(paths.data_dir) is None
    again = studio_on(paths)  # a clean stop let go of the folder
    again.start()
    try:
        assert not partial.exists() and not leftover.exists()  # cleaned by the owner, at its start
    finally:
        again.stop()


def test_the_owner_record_says_who_holds_the_folder_and_only_its_user_can_read_it(tmp_path) -> None:
    lock = DataFolderLock(tmp_path / "data", "serve")
    lock.acquire()
    try:
        lock.publish("http://127.0.0.1:7860/")
        record = read_owner(tmp_path / "data")
        assert record is not None and (record.pid, record.command, record.url) == (os.getpid(), "serve",
                                                                                   "http://127.0.0.1:7860/")
        if os.name == "posix":
            assert stat.S_IMODE((tmp_path / "data" / OWNER_NAME).stat().st_mode) == 0o600
        with pytest.raises(FolderInUse) as busy:
            DataFolderLock(tmp_path / "data").acquire()
        assert busy.value.owner == record
        lock.acquire()  # again from the holder: nothing happens
    finally:
        lock.release()
    lock.release()  # twice: safe
    other = DataFolderLock(tmp_path / "data")
    other.acquire()
    other.release()


def test_a_damaged_owner_record_is_only_advice(tmp_path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / OWNER_NAME).write_bytes(b'{"pid": "not a number"')
    assert read_owner(folder) is None
    lock = DataFolderLock(folder, "generate")
    lock.acquire()  # the lock decides, and the stale record is replaced at once
    try:
        record = json.loads((folder / OWNER_NAME).read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["command"] == "generate"
    finally:
        lock.release()


def test_one_owner_secret_per_hold_in_its_own_file_only_for_its_user(paths: Paths) -> None:
    """The page's owner link and `app.py generate`'s hand-off use the same key: the Studio's, stored in
    owner.key for the hold's lifetime (0600), never beside it in the owner record."""
    studio = studio_on(paths)
    studio.start()
    try:
        key = studio.owner_key()
        assert len(key) >= 40 and read_owner_key(paths.data_dir) == key
        if os.name == "posix":
            assert stat.S_IMODE(owner_key_file(paths.data_dir).stat().st_mode) == 0o600
        record = (paths.data_dir / OWNER_NAME).read_text(encoding="utf-8")
        assert key not in record and "key" not in json.loads(record)
    finally:
        studio.stop()
    assert read_owner_key(paths.data_dir) is None and studio.owner_key() == ""
    again = studio_on(paths)
    again.start()
    try:
        assert again.owner_key() not in ("", key) and read_owner_key(paths.data_dir) == again.owner_key()
    finally:
        again.stop()


def test_a_folder_left_by_the_two_key_version_starts_and_its_old_keys_open_nothing(paths: Paths) -> None:
    """Before one secret, a crashed owner left owner.key (the page's) and a `key` in studio-owner.json (the
    hand-off's): the record is still read as advice, and the next owner replaces both."""
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    old_record = {"pid": 999999, "command": "serve", "started_at": 1.0, "host": "old", "url": "http://127.0.0.1:7860/",
                  "key": "old-handoff-key"}
    (paths.data_dir / OWNER_NAME).write_text(json.dumps(old_record), encoding="utf-8")
    (paths.data_dir / OWNER_KEY_FILE).write_text("old-page-key\n", encoding="utf-8")
    record = read_owner(paths.data_dir)
    assert record is not None and (record.pid, record.url) == (999999, "http://127.0.0.1:7860/")
    studio = studio_on(paths)
    studio.start()
    try:
        key = studio.owner_key()
        assert key not in ("old-page-key", "old-handoff-key") and read_owner_key(paths.data_dir) == key
        written = json.loads((paths.data_dir / OWNER_NAME).read_text(encoding="utf-8"))
        assert written["pid"] == os.getpid() and "key" not in written
        (job,) = studio.submit("after the upgrade", seed=1, **SMALL)
        assert studio.queue.wait_for(job.id, ("done",), 60).status == "done"
    finally:
        studio.stop()
