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
from backend.storage import read_json, write_json_atomic
from backend.video import read_comment, write_mp4

logger = logging.getLogger(__name__)
CLIP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class Clip:
    """One finished clip. `meta` is the sidecar: request, seed, preset, engine config, timings…"""

    id: str
    path: Path
    created_at: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def request(self) -> dict[str, Any] | None:
        req = self.meta.get("request")
        return req if isinstance(req, dict) else None

    @property
    def title(self) -> str:
        req = self.request
        prompt = str(req.get("prompt", "")) if req else self.id
        return prompt if len(prompt) <= 60 else prompt[:57] + "…"


class Gallery:
    """The clips folder is the source of truth; the in-memory list is rebuilt from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._clips: dict[str, Clip] = {}
        self.notes: list[str] = []

    def rebuild(self) -> list[str]:
        """Scan the folder: every finished mp4 is listed (sidecar, else its embedded metadata);
        temporary files and sidecars without a clip are ignored; damaged sidecars are set aside."""
        self.folder.mkdir(parents=True, exist_ok=True)
        clips: dict[str, Clip] = {}
        notes: list[str] = []
        for video in self.folder.glob("*.mp4"):
            if video.name.startswith(".") or not CLIP_ID.match(video.stem):
                continue
            sidecar = video.with_suffix(".json")
            meta, note = read_json(sidecar)
            if note:
                notes.append(note)
            if not isinstance(meta, dict):
                meta = read_comment(video) or {}
                if meta.get("request"):  # ours: the mp4 carries the same JSON, so the sidecar can be restored
                    try:
                        write_json_atomic(sidecar, meta)
                    except OSError as err:
                        logger.warning("Could not restore the sidecar of %s: %s", video.name, err)
            created = meta.get("created_at")
            if not isinstance(created, (int, float)):
                created = video.stat().st_mtime
            clips[video.stem] = Clip(video.stem, video, float(created), meta)
        with self._lock:
            self._clips = clips
        self.notes = notes
        return notes

    def list(self) -> list[Clip]:
        with self._lock:
            return sorted(self._clips.values(), key=lambda c: (c.created_at, c.id), reverse=True)

    def get(self, clip_id: str) -> Clip:
        """A clip by id. Ids are plain names: anything path-like is refused, never resolved."""
        if not isinstance(clip_id, str) or not CLIP_ID.match(clip_id) or clip_id.endswith(".json"):
            raise NotFound(f"There is no clip named {str(clip_id)[:60]!r}.")
        with self._lock:
            clip = self._clips.get(clip_id)
        if clip is None or not clip.path.exists():
            raise NotFound(f"There is no clip named {clip_id!r}.")
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

    def save(self, clip_id: str, frames: np.ndarray, fps: int, meta: dict[str, Any],
             before_publish: Any = None) -> Clip:
        """Write `<id>.mp4` and `<id>.json`. The mp4 is encoded under a hidden temporary name and
        renamed last, so a listed clip is always complete. `before_publish()` may raise (a cancel)
        to drop the clip at the last moment."""
        final = self.folder / f"{clip_id}.mp4"
        tmp = self.folder / f".{clip_id}.partial.mp4"
        sidecar = final.with_suffix(".json")
        meta = {**meta, "id": clip_id, "created_at": meta.get("created_at", time.time())}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_mp4(frames, tmp, fps, meta)
            if before_publish is not None:
                before_publish()
            write_json_atomic(sidecar, meta)
            tmp.replace(final)
        except BaseException as err:
            for leftover in (tmp, *(() if final.exists() else (sidecar,))):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            if isinstance(err, OSError):
                raise SaveFailed(f"The clip could not be saved in {self.folder} ({err.strerror or err}).",
                                 "Free some disk space or choose another clips folder.") from err
            raise
        clip = Clip(clip_id, final, float(meta["created_at"]), meta)
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
        for tmp in self.folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            gone += 1
        return gone
