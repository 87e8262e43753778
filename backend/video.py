"""MP4 writing and metadata reading with the ffmpeg binary that imageio-ffmpeg ships."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

from backend.errors import SaveFailed

logger = logging.getLogger(__name__)


def write_mp4(frames: np.ndarray, path: Path, fps: int, comment: dict[str, Any]) -> None:
    """Encode uint8 frames [T, H, W, 3] as H.264 (yuv420p, faststart) with `comment` as JSON metadata.

    The caller gives a temporary path and renames it afterwards; a failure removes the partial file
    and raises SaveFailed with the reason in plain words.
    """
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise SaveFailed(f"Frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}.")
    t, h, w, _ = frames.shape
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (w, h),
        fps=fps,
        codec="libx264",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        quality=None,
        ffmpeg_log_level="error",
        # libx264's defaults (crf 23, preset medium), as LightX2V's own saver uses
        output_params=["-movflags", "+faststart",
                       "-metadata", "comment=" + json.dumps(comment, ensure_ascii=False, separators=(",", ":"))],
    )
    try:
        writer.send(None)
        for i in range(t):
            writer.send(np.ascontiguousarray(frames[i]))
        writer.close()
    except (OSError, RuntimeError, BrokenPipeError) as err:
        path.unlink(missing_ok=True)
        raise SaveFailed(_save_reason(err, path), "Free some disk space or choose another clips folder.") from err
    if not path.exists() or path.stat().st_size == 0:
        path.unlink(missing_ok=True)
        raise SaveFailed(f"The clip could not be written to {path.parent}.")


def _save_reason(err: BaseException, path: Path) -> str:
    text = str(err)
    if "No space left" in text or getattr(err, "errno", None) == 28:
        return f"The disk holding {path.parent} is full; the clip could not be saved."
    if "Permission denied" in text or getattr(err, "errno", None) == 13:
        return f"The folder {path.parent} is not writable; the clip could not be saved."
    return f"The clip could not be saved ({text.strip().splitlines()[-1] if text.strip() else type(err).__name__})."


def read_comment(path: Path) -> dict[str, Any] | None:
    """The JSON stored in an mp4's comment tag, or None (not ours, or unreadable)."""
    try:
        out = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as err:
        logger.warning("Could not read metadata of %s: %s", path.name, err)
        return None
    for line in out.splitlines():
        if line.startswith("comment="):
            raw = line[len("comment="):].replace("\\=", "=").replace("\\;", ";").replace("\\#", "#")
            raw = raw.replace("\\\\", "\\")
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
    return None


def probe(path: Path) -> dict[str, Any]:
    """Frame count, size and fps of an mp4 (read with ffmpeg; for tests and imported clips)."""
    frames, meta = imageio_ffmpeg.count_frames_and_secs(str(path))
    reader = imageio_ffmpeg.read_frames(str(path))
    info = next(reader)
    reader.close()
    return {"frames": frames, "seconds": meta, "size": tuple(info["size"]), "fps": info["fps"]}
