"""The generation request and its validation, done before anything touches the GPU."""

from __future__ import annotations

import math
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from backend.errors import BadRequest

FPS = 16
INFER_STEPS = 4
SUPPORTED_SIZES: tuple[tuple[int, int], ...] = ((480, 832), (832, 480), (720, 1280), (1280, 720))
"""(height, width) pairs the model was trained for; other multiples of 16 within bounds also work."""
SIZE_MIN, SIZE_MAX = 256, 1280
MAX_PIXELS = 1280 * 720
FRAMES_MIN, FRAMES_MAX, FRAMES_DEFAULT = 5, 161, 81
SEED_MAX = 2**32 - 1
PROMPT_MAX_CHARS = 4000
TEXT_ENCODER_TOKENS = 512
NEGATIVE_DEFAULT = ""


@dataclass(frozen=True)
class GenerationRequest:
    """What the user asked for, already validated. `seed` is always concrete (drawn if random)."""

    prompt: str
    width: int = 832
    height: int = 480
    frames: int = FRAMES_DEFAULT
    seed: int = 0
    preset: str = "auto"
    negative_prompt: str = NEGATIVE_DEFAULT

    @property
    def duration_s(self) -> float:
        return self.frames / FPS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        """Rebuild from stored JSON, validating again: a hand-edited file cannot smuggle bad values."""
        return build_request(
            prompt=data.get("prompt"),
            width=data.get("width"),
            height=data.get("height"),
            frames=data.get("frames"),
            seed=data.get("seed"),
            preset=data.get("preset", "auto"),
            negative_prompt=data.get("negative_prompt", ""),
        )


def clean_prompt(value: object, field: str = "prompt", required: bool = True) -> str:
    """Trim, drop control characters (keep newlines/tabs), and bound the length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(f"The {field} must be text, not {type(value).__name__}.")
    kept = "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    ).strip()
    if required and not kept:
        raise BadRequest(f"The {field} is empty.", "Describe the video you want, in a sentence or two.")
    if len(kept) > PROMPT_MAX_CHARS:
        raise BadRequest(
            f"The {field} is {len(kept)} characters long; at most {PROMPT_MAX_CHARS} are accepted.",
            f"The text encoder reads only the first {TEXT_ENCODER_TOKENS} tokens (about 2,000 characters).",
        )
    return kept


def prompt_warning(prompt: str) -> str | None:
    """Say so when the prompt is probably longer than the text encoder reads (~4 characters a token)."""
    estimate = math.ceil(len(prompt.encode("utf-8")) / 4)
    if estimate > TEXT_ENCODER_TOKENS:
        return (
            f"This prompt is about {estimate} tokens; the text encoder reads only the first "
            f"{TEXT_ENCODER_TOKENS}, so the end of it will be ignored."
        )
    return None


def _as_int(value: object, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise BadRequest(f"The {field} must be a whole number, got {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise BadRequest(f"The {field} must be a whole number, got {value!r}.")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise BadRequest(f"The {field} must be a whole number, got {value!r}.") from None
            return _as_int(as_float, field)
    raise BadRequest(f"The {field} must be a whole number, got {type(value).__name__}.")


def check_size(width: object, height: object) -> tuple[int, int]:
    """Return (width, height) or raise naming the bad value and the allowed range."""
    w, h = _as_int(width, "width"), _as_int(height, "height")
    for name, v in (("width", w), ("height", h)):
        if not SIZE_MIN <= v <= SIZE_MAX or v % 16:
            raise BadRequest(
                f"The {name} {v} is not allowed: use a multiple of 16 from {SIZE_MIN} to {SIZE_MAX}.",
                "The trained sizes are 832×480, 480×832, 1280×720 and 720×1280.",
            )
    if w * h > MAX_PIXELS:
        raise BadRequest(
            f"{w}×{h} has {w * h:,} pixels; at most {MAX_PIXELS:,} (1280×720) are allowed.",
        )
    return w, h


def check_frames(frames: object) -> int:
    f = _as_int(frames, "frame count")
    if not FRAMES_MIN <= f <= FRAMES_MAX or (f - 1) % 4:
        raise BadRequest(
            f"The frame count {f} is not allowed: use 4k+1 from {FRAMES_MIN} to {FRAMES_MAX} "
            f"(for example 49, 81 or 121).",
            f"At {FPS} fps, 81 frames is about 5 seconds.",
        )
    return f


def snap_frames(frames: float) -> int:
    """Nearest allowed frame count (4k+1, within bounds), for sliders and typed values."""
    k = round((float(frames) - 1) / 4)
    return max(FRAMES_MIN, min(FRAMES_MAX, 4 * k + 1))


def check_seed(seed: object) -> int:
    """A concrete seed: None, '', 'random' or -1 draw a fresh one; anything else must be in range."""
    if seed is None or (isinstance(seed, str) and seed.strip().lower() in ("", "random", "-1")):
        return secrets.randbelow(SEED_MAX + 1)
    s = _as_int(seed, "seed")
    if s == -1:
        return secrets.randbelow(SEED_MAX + 1)
    if not 0 <= s <= SEED_MAX:
        raise BadRequest(f"The seed {s} is out of range: use 0 to {SEED_MAX}, or leave it empty for random.")
    return s


def check_preset_name(preset: object) -> str:
    if not isinstance(preset, str) or not preset.strip():
        raise BadRequest(f"The preset must be a name such as '8gb' or 'auto', got {preset!r}.")
    name = preset.strip().lower()
    if len(name) > 32 or not all(c.isalnum() or c in "-_" for c in name):
        raise BadRequest(f"The preset name {preset!r} is not valid.")
    return name


def build_request(
    prompt: object,
    width: object = 832,
    height: object = 480,
    frames: object = FRAMES_DEFAULT,
    seed: object = None,
    preset: object = "auto",
    negative_prompt: object = "",
) -> GenerationRequest:
    """Validate raw values (as a form or command line gives them) into a request.

    Raises BadRequest naming the first bad value and the allowed range.
    """
    w, h = check_size(width, height)
    return GenerationRequest(
        prompt=clean_prompt(prompt),
        width=w,
        height=h,
        frames=check_frames(frames),
        seed=check_seed(seed),
        preset=check_preset_name(preset),
        negative_prompt=clean_prompt(negative_prompt, "negative prompt", required=False),
    )
