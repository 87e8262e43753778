"""MP4 writing and metadata reading with the ffmpeg binary that imageio-ffmpeg ships."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

from backend.errors import SaveFailed

logger = logging.getLogger(__name__)
SAVE_HINT = "Free some disk space or choose another clips folder."
ENCODER_TIMEOUT_S = 300
NEARLY_FULL_BYTES = 64 * 2**20
"""Below this much free space, a write that broke off is taken for a full disk (ffmpeg's own words go to its
stderr, not to us)."""


ENCODER_NICENESS = 10
"""ffmpeg encodes a clip while the GPU worker starts the next one: on every core, at normal priority, it took
CPU from the thread that feeds the GPU (bench/queue_gap.py). Below normal priority it uses what is idle."""


def write_mp4(frames: np.ndarray, path: Path, fps: int, comment: dict[str, Any]) -> None:
    """Encode uint8 frames [T, H, W, 3] as H.264 (yuv420p, faststart) with `comment` as JSON metadata.

    The caller gives a temporary path and renames it afterwards; a failure removes the partial file
    and raises SaveFailed with the reason in plain words.
    """
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise SaveFailed(f"Frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}.")
    t, h, w, _ = frames.shape
    with tempfile.TemporaryFile() as errors:
        encoder = None
        try:
            encoder = _start_encoder(path, w, h, fps, comment, errors)
            assert encoder.stdin is not None
            try:
                for i in range(t):
                    encoder.stdin.write(np.ascontiguousarray(frames[i]).data)
            finally:
                with contextlib.suppress(OSError):
                    encoder.stdin.close()
            code = encoder.wait(timeout=ENCODER_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as err:
            if encoder is not None and encoder.poll() is None:
                encoder.kill()
                encoder.wait()
            path.unlink(missing_ok=True)
            raise SaveFailed(_save_reason(err, path, _tail(errors)), SAVE_HINT) from err
        said = _tail(errors)
    if code != 0 or not path.exists() or path.stat().st_size == 0:
        path.unlink(missing_ok=True)
        raise SaveFailed(_save_reason(None, path, said), SAVE_HINT)
    # ffmpeg may exit cleanly yet leave a file that never plays when the disk fills while it writes the index.
    if not is_complete_mp4(path):
        path.unlink(missing_ok=True)
        raise SaveFailed(_save_reason(None, path, said), SAVE_HINT)
    _fsync(path)


def _fsync(path: Path) -> None:
    """Put ffmpeg's file on the disk before the caller renames it into the gallery: after a power cut a
    published name must never point at bytes that were still in the cache."""
    try:
        with path.open("rb+") as fh:
            os.fsync(fh.fileno())
    except OSError as err:
        path.unlink(missing_ok=True)
        raise SaveFailed(_save_reason(err, path), SAVE_HINT) from err


def _start_encoder(path: Path, w: int, h: int, fps: int, comment: dict[str, Any], errors: Any) -> subprocess.Popen:
    """ffmpeg reading raw RGB frames on stdin: imageio-ffmpeg's write_frames command with libx264's defaults
    (crf 23, preset medium, as LightX2V's own saver uses). Started here rather than by imageio-ffmpeg, whose
    pre-exec hook forces a full fork(): with the offloaded weights pinned, that copied gigabytes for
    every clip. A new session keeps Ctrl+C in the terminal from killing a save in progress."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{w}x{h}",
               "-pix_fmt", "rgb24", "-r", str(fps), "-i", "-", "-an", "-vcodec", "libx264", "-pix_fmt", "yuv420p",
               "-v", "error", "-movflags", "+faststart",
               "-metadata", "comment=" + json.dumps(comment, ensure_ascii=False, separators=(",", ":")), str(path)]
    if sys.platform == "win32":
        flags = (subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP
                 | subprocess.BELOW_NORMAL_PRIORITY_CLASS)
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
                                creationflags=flags)
    encoder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
                               start_new_session=True)
    with contextlib.suppress(OSError):  # before its encoding threads exist (they wait for the first frame)
        os.setpriority(os.PRIO_PROCESS, encoder.pid, ENCODER_NICENESS)
    return encoder


def _tail(errors: Any) -> str:
    """The last line ffmpeg wrote to its error output (it names the cause: "No space left on device")."""
    try:
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    except (OSError, ValueError):
        return ""
    return lines[-1].strip() if lines else ""


def is_complete_mp4(path: Path) -> bool:
    """Whether the file's top-level MP4 boxes add up to its size and include the header (ftyp), the index
    (moov) and the media (mdat): a cheap check, without decoding, that ffmpeg finished writing it."""
    kinds: set[bytes] = set()
    offset = 0
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            while offset < size:
                fh.seek(offset)
                header = fh.read(16)
                if len(header) < 8:
                    return False
                box_size, kind = struct.unpack(">I4s", header[:8])
                if box_size == 1 and len(header) == 16:  # a 64-bit size follows the type
                    box_size = struct.unpack(">Q", header[8:])[0]
                elif box_size == 0:  # the box runs to the end of the file
                    box_size = size - offset
                if box_size < 8:
                    return False
                kinds.add(kind)
                offset += box_size
    except OSError:
        return False
    return offset == size and {b"ftyp", b"moov", b"mdat"} <= kinds


def _save_reason(err: BaseException | None, path: Path, said: str = "") -> str:
    """One sentence on why the clip could not be written (`err` None: ffmpeg failed or left an incomplete
    file; `said`: its last error line)."""
    text = f"{err or ''} {said}"
    errno = getattr(err, "errno", None)
    if "No space left" in text or errno == 28:
        return f"The disk holding {path.parent} is full; the clip could not be saved."
    if "Permission denied" in text or errno == 13:
        return f"The folder {path.parent} is not writable; the clip could not be saved."
    if _nearly_full(path.parent):
        return f"The disk holding {path.parent} is full; the clip could not be saved."
    if isinstance(err, subprocess.TimeoutExpired):
        return f"The video encoder did not finish within {ENCODER_TIMEOUT_S} s; the clip could not be saved."
    if err is None or "Broken pipe" in text or errno == 32:
        detail = f" (ffmpeg: {said})" if said else ""
        return ("The video encoder stopped before the clip was complete (the disk may be full, or may not take "
                f"a file this large){detail}; the clip could not be saved.")
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return f"The clip could not be saved ({first})."


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def read_comment(path: Path) -> dict[str, Any] | None:
    """The JSON stored in an mp4's comment tag, or None (not ours, or unreadable). ffmpeg's output is read as
    bytes and decoded as UTF-8 (what mp4 tags hold), never with the console's code page: on a cp1252
    Windows machine that rewrote a Japanese prompt as mojibake, or raised and stopped the app's start."""
    try:
        out = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
            capture_output=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        logger.warning("Could not read metadata of %s: %s", path.name, err)
        return None
    return parse_comment(out)


def parse_comment(ffmetadata: bytes) -> dict[str, Any] | None:
    """The comment tag's JSON from ffmpeg's ffmetadata output (bytes as ffmpeg wrote them)."""
    for line in ffmetadata.decode("utf-8", "replace").splitlines():
        if line.startswith("comment="):
            try:
                data = json.loads(_unescape(line[len("comment="):]))
            except json.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _unescape(value: str) -> str:
    """ffmetadata escapes '=', ';', '#', newline and the backslash itself with a backslash."""
    out, chars = [], iter(value)
    for ch in chars:
        out.append(next(chars, "") if ch == "\\" else ch)
    return "".join(out)


def probe(path: Path) -> dict[str, Any]:
    """Frame count, size and fps of an mp4 (read with ffmpeg; for tests and imported clips)."""
    frames, meta = imageio_ffmpeg.count_frames_and_secs(str(path))
    reader = imageio_ffmpeg.read_frames(str(path))
    info = next(reader)
    reader.close()
    return {"frames": frames, "seconds": meta, "size": tuple(info["size"]), "fps": info["fps"]}
