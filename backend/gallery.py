"""Finished clips on disk: mp4 + sidecar JSON, written atomically, listed newest first."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.errors import NotFound, SaveFailed
from backend.i18n import Message, say
from backend.record_reader import read_record
from backend.records import ClipRecord
from backend.request import GenerationRequest
from backend.storage import fsync_dir, quarantine, read_json, remove_stale_temps, replace_file, write_json_atomic
from backend.video import is_complete_mp4, read_comment, write_mp4

logger = logging.getLogger(__name__)
CLIP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class Clip:
    """One finished clip: its file and the record its sidecar (or its mp4) carries."""

    id: str
    path: Path
    created_at: float
    record: ClipRecord = field(default_factory=lambda: ClipRecord(request=None))
    problems: tuple[str, ...] = ()
    """Fields of the record that were damaged on disk (each keeps its default)."""

    @property
    def request(self) -> GenerationRequest | None:
        return self.record.request

    @property
    def title(self) -> str:
        prompt = self.request.prompt if self.request else self.id
        return prompt if len(prompt) <= 60 else prompt[:57] + "…"


class Gallery:
    """The clips folder is the source of truth; the in-memory list is rebuilt from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._clips: dict[str, Clip] = {}

    def rebuild(self) -> list[str]:
        """Scan the folder: every whole mp4 is listed (sidecar, else its embedded metadata); temporary files
        and sidecars without a clip are ignored; damaged sidecars, and clips cut short by a power cut or
        unreadable, are set aside with a note. Never raises for one bad clip."""
        self.folder.mkdir(parents=True, exist_ok=True)
        clips: dict[str, Clip] = {}
        notes: list[str] = []
        for video in sorted(self.folder.glob("*.mp4")):
            if video.name.startswith(".") or not CLIP_ID.match(video.stem):
                continue
            if not is_complete_mp4(video):
                notes.append(self._set_aside(video, Message.of("notes.why_cut_short")))
                continue
            try:
                clip, clip_notes = self._load(video)
            except (OSError, ValueError) as err:  # one unreadable clip must not keep the app from starting
                notes.append(self._set_aside(video, Message.of("notes.why_unreadable", error=str(err))))
                continue
            notes += clip_notes
            clips[clip.id] = clip
        with self._lock:
            self._clips = clips
        return notes

    def _load(self, video: Path) -> tuple[Clip, list[str]]:
        """A listed mp4 with its record: the sidecar, else the JSON in the mp4 (which restores the sidecar)."""
        sidecar = video.with_suffix(".json")
        meta, note = read_json(sidecar)
        notes = [note] if note else []
        if not isinstance(meta, dict):
            meta = read_comment(video) or {}
            if meta.get("request"):  # ours: the mp4 carries the same JSON, so the sidecar can be restored
                try:
                    write_json_atomic(sidecar, meta)
                except OSError as err:
                    logger.warning("Could not restore the sidecar of %s: %s", video.name, err)
        record, problems = read_record(meta)
        if problems:
            notes.append(say("notes.record_damaged", clip=video.stem,
                             problems="; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")))
        created = record.created_at if record.created_at is not None else video.stat().st_mtime
        return Clip(video.stem, video, created, record.with_(clip_id=video.stem, created_at=created),
                    problems), notes

    def _set_aside(self, video: Path, why: Message) -> str:
        """Move a clip that cannot be listed (and its sidecar) out of the gallery, keeping the bytes."""
        try:
            kept = quarantine(video, why.text())
        except OSError as err:
            logger.warning("Could not set aside %s: %s", video.name, err)
            return say("notes.clip_not_listed", clip=video.stem, why=why)
        sidecar = video.with_suffix(".json")
        if sidecar.exists():
            with contextlib.suppress(OSError):
                quarantine(sidecar, why.text())
        return say("notes.clip_set_aside", clip=video.stem, why=why, kept=kept.name)

    def clip_for_job(self) -> dict[str, str]:
        """Job id → clip id for every listed clip that names its job (to settle jobs a crash cut short)."""
        with self._lock:
            return {c.record.job_id: c.id for c in self._clips.values() if c.record.job_id}

    def list(self) -> list[Clip]:
        with self._lock:
            return sorted(self._clips.values(), key=lambda c: (c.created_at, c.id), reverse=True)

    def get(self, clip_id: str) -> Clip:
        """A clip by id. Ids are plain names: anything path-like is refused, never resolved."""
        if not isinstance(clip_id, str) or not CLIP_ID.match(clip_id) or clip_id.endswith(".json"):
            raise NotFound(Message.of("clip.no_such", name=repr(str(clip_id)[:60])))
        with self._lock:
            clip = self._clips.get(clip_id)
        if clip is None or not clip.path.exists():
            raise NotFound(Message.of("clip.no_such", name=repr(clip_id)))
        return clip

    def new_id(self, seed: int) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{seed}"
        with self._lock:
            n, clip_id = 1, base
            while clip_id in self._clips or (self.folder / f"{clip_id}.mp4").exists():
                n += 1
                clip_id = f"{base}-{n}"
        return clip_id

    def save(self, clip_id: str, frames: np.ndarray, fps: int, record: ClipRecord,
             before_publish: Any = None) -> Clip:
        """Write `<id>.mp4` and `<id>.json`. The mp4 is encoded under a hidden temporary name and
        renamed last, so a listed clip is always complete. `before_publish()` may raise (a cancel)
        to drop the clip at the last moment."""
        final = self.folder / f"{clip_id}.mp4"
        tmp = self.folder / f".{clip_id}.partial.mp4"
        sidecar = final.with_suffix(".json")
        record = record.with_(clip_id=clip_id, created_at=record.created_at or time.time())
        meta = record.to_json()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_mp4(frames, tmp, fps, meta)  # the mp4 carries the record too: the sidecar can be rebuilt
            if before_publish is not None:
                before_publish()
            write_json_atomic(sidecar, meta)
            replace_file(tmp, final)
            fsync_dir(self.folder)  # the rename itself must survive a power cut, like the bytes it publishes
        except BaseException as err:
            for leftover in (tmp, *(() if final.exists() else (sidecar,))):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            if isinstance(err, OSError):
                said = Message.of("clip.save_failed", folder=str(self.folder), error=str(err.strerror or err))
                raise SaveFailed(said, Message.of("clip.save_failed_hint")) from err
            raise
        clip = Clip(clip_id, final, float(record.created_at or 0.0), record)
        with self._lock:
            self._clips[clip_id] = clip
        logger.info("Saved clip %s", clip_id)
        return clip

    def delete(self, clip_id: str) -> None:
        clip = self.get(clip_id)
        clip.path.unlink(missing_ok=True)
        clip.path.with_suffix(".json").unlink(missing_ok=True)
        with self._lock:
            self._clips.pop(clip_id, None)
        logger.info("Deleted clip %s", clip_id)

    def clean_partials(self) -> int:
        """Remove temporary files a crash left behind (they were never listed)."""
        gone = 0
        for tmp in self.folder.glob(".*.partial.mp4"):
            tmp.unlink(missing_ok=True)
            gone += 1
        return gone + remove_stale_temps(self.folder)
