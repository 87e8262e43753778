"""Poster images for the gallery: one small JPEG per clip, cut once with the bundled ffmpeg and kept beside it.

A poster is `<clip id>.poster.jpg` in the clips folder. Missing posters are made on a background thread, so
listing 500 clips never waits for 500 ffmpeg runs; the page shows a placeholder until the file exists.
A poster older than its clip (the clip was replaced) is made again.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import imageio_ffmpeg

logger = logging.getLogger(__name__)

POSTER_SUFFIX = ".poster.jpg"
POSTER_WIDTH = 320
"""Wide enough for a two-column phone grid at 2x pixel density, about 10-20 KB a poster."""
POSTER_AT_S = 0.5
"""The first frames of a clip are often the least typical; half a second in (or the last frame of a
shorter clip) is a better poster."""
FFMPEG_TIMEOUT_S = 60


def poster_path(clip_path: Path) -> Path:
    return clip_path.with_name(clip_path.stem + POSTER_SUFFIX)


def is_fresh(clip_path: Path) -> bool:
    """Whether the clip has a poster made after the clip itself."""
    poster = poster_path(clip_path)
    try:
        return poster.stat().st_mtime >= clip_path.stat().st_mtime and poster.stat().st_size > 0
    except OSError:
        return False


def make_poster(clip_path: Path) -> Path:
    """Cut one frame from the clip into its poster (written under a temporary name, then renamed).

    Raises OSError or subprocess errors when ffmpeg cannot read the clip; the caller logs and moves on."""
    poster = poster_path(clip_path)
    tmp = clip_path.with_name(f".{clip_path.stem}.poster.tmp")
    try:
        # Half a second in; a clip shorter than that gives no frame there, so its first frame is taken instead.
        if _cut(clip_path, tmp, POSTER_AT_S) is not True:
            said = _cut(clip_path, tmp, None)
            if said is not True:
                raise OSError(f"ffmpeg could not cut a poster from {clip_path.name}: {said or 'no frame'}")
        tmp.replace(poster)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return poster


def _cut(clip_path: Path, out: Path, at_s: float | None) -> bool | str:
    """One frame at `at_s` (or the first) scaled to the poster width: True, or ffmpeg's last error line."""
    seek = ["-ss", f"{at_s}"] if at_s is not None else []
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *seek, "-i", str(clip_path), "-frames:v", "1",
               "-vf", f"scale={POSTER_WIDTH}:-2", "-q:v", "5", "-f", "image2", "-c:v", "mjpeg", str(out)]
    if sys.platform == "win32":
        result = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False,
                                creationflags=subprocess.CREATE_NO_WINDOW)
    else:
        result = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    if result.returncode == 0 and out.exists() and out.stat().st_size > 0:
        return True
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def remove_poster(clip_path: Path) -> None:
    with contextlib.suppress(OSError):
        poster_path(clip_path).unlink(missing_ok=True)


class PosterMaker:
    """Makes missing posters one at a time on a daemon thread; `poster()` never blocks on ffmpeg."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: deque[Path] = deque()
        self._pending: set[Path] = set()
        self._failed: set[Path] = set()
        self._thread: threading.Thread | None = None
        self.made = 0

    def poster(self, clip_path: Path) -> Path | None:
        """The clip's poster when it exists and is current; otherwise ask for it and return None."""
        if is_fresh(clip_path):
            return poster_path(clip_path)
        self.request(clip_path)
        return None

    def request(self, clip_path: Path) -> None:
        with self._lock:
            if clip_path in self._pending or clip_path in self._failed:
                return
            self._pending.add(clip_path)
            self._wanted.append(clip_path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="poster-maker", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every requested poster is made or has failed (tests and the benchmark)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            return not self._pending

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._thread = None
                    return
                clip = self._wanted.popleft()
            try:
                if clip.exists() and not is_fresh(clip):
                    make_poster(clip)
                    self.made += 1
            except (OSError, subprocess.SubprocessError) as err:
                logger.warning("No poster for %s: %s", clip.name, err)
                with self._lock:
                    self._failed.add(clip)  # not retried in this session: a clip ffmpeg cannot read stays so
            finally:
                with self._lock:
                    self._pending.discard(clip)
