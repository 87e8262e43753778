"""The generation request and its validation, done before anything touches the GPU."""

from __future__ import annotations

import math
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from backend.errors import BadRequest, LoraError
from backend.i18n import Message

M = Message.of
FIELD_KEYS = {"prompt": "request.field.prompt", "negative prompt": "request.field.negative_prompt",
              "width": "request.field.width", "height": "request.field.height",
              "frame count": "request.field.frames", "seed": "request.field.seed"}
"""The request's fields as the catalog words them (an error names the field in the page's language)."""


def _field(name: str) -> Message | str:
    key = FIELD_KEYS.get(name)
    return M(key) if key else name

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
MAX_LORAS = 3
LORA_STRENGTH_MIN, LORA_STRENGTH_MAX, LORA_STRENGTH_DEFAULT = -2.0, 2.0, 1.0


@dataclass(frozen=True)
class LoraUse:
    """A LoRA a job uses: its file name, the first 16 hex digits of its sha256 (filled in when the file
    is checked at submit) and the strength."""

    name: str
    sha256_16: str = ""
    strength: float = LORA_STRENGTH_DEFAULT


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
    loras: tuple[LoraUse, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["loras"] = [asdict(use) for use in self.loras]  # a list, as it reads back from JSON
        return data

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
            loras=data.get("loras") or (),
        )


def latent_tokens(width: int, height: int, frames: int) -> int:
    """The DiT's sequence length for a clip: the VAE compresses 4 frames (after the first) and 8×8 pixels
    into one latent, and the DiT patches 1×2×2 latents into a token. Memory and time grow with it."""
    return ((frames - 1) // 4 + 1) * (height // 16) * (width // 16)


def is_random_seed(value: object) -> bool:
    """Whether a seed as typed means 'draw one': nothing, "", "random" or -1."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "random", "-1")):
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and value == -1


def clean_prompt(value: object, field: str = "prompt", required: bool = True) -> str:
    """Trim, drop control characters (keep newlines/tabs), and bound the length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(M("request.not_text", field=_field(field), kind=type(value).__name__))
    kept = "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    ).strip()
    if required and not kept:
        raise BadRequest(M("request.empty", field=_field(field)), M("request.empty_hint"))
    if len(kept) > PROMPT_MAX_CHARS:
        raise BadRequest(M("request.too_long", field=_field(field), length=len(kept), max=PROMPT_MAX_CHARS),
                         M("request.too_long_hint", tokens=TEXT_ENCODER_TOKENS))
    return kept


def prompt_warning(prompt: str, lang: str = "en") -> str | None:
    """Say so (in `lang`) when the prompt is probably longer than the text encoder reads (~4 characters a
    token)."""
    estimate = math.ceil(len(prompt.encode("utf-8")) / 4)
    if estimate > TEXT_ENCODER_TOKENS:
        return M("request.long_prompt", estimate=estimate, tokens=TEXT_ENCODER_TOKENS).text(lang)
    return None


def _as_int(value: object, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise BadRequest(M("request.whole_number", field=_field(field), value=repr(value)))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise BadRequest(M("request.whole_number", field=_field(field), value=repr(value)))
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise BadRequest(M("request.whole_number", field=_field(field), value=repr(value))) from None
            return _as_int(as_float, field)
    raise BadRequest(M("request.whole_number", field=_field(field), value=type(value).__name__))


def check_size(width: object, height: object) -> tuple[int, int]:
    """Return (width, height) or raise naming the bad value and the allowed range."""
    w, h = _as_int(width, "width"), _as_int(height, "height")
    for name, v in (("width", w), ("height", h)):
        if not SIZE_MIN <= v <= SIZE_MAX or v % 16:
            raise BadRequest(M("request.size", name=_field(name), value=v, min=SIZE_MIN, max=SIZE_MAX),
                             M("request.size_hint"))
    if w * h > MAX_PIXELS:
        raise BadRequest(M("request.pixels", width=w, height=h, pixels=f"{w * h:,}", max=f"{MAX_PIXELS:,}"))
    return w, h


def check_frames(frames: object) -> int:
    f = _as_int(frames, "frame count")
    if not FRAMES_MIN <= f <= FRAMES_MAX or (f - 1) % 4:
        raise BadRequest(M("request.frames", frames=f, min=FRAMES_MIN, max=FRAMES_MAX),
                         M("request.frames_hint", fps=FPS))
    return f


def snap_frames(frames: float) -> int:
    """Nearest allowed frame count (4k+1, within bounds), for sliders and typed values."""
    k = round((float(frames) - 1) / 4)
    return max(FRAMES_MIN, min(FRAMES_MAX, 4 * k + 1))


def check_seed(seed: object) -> int:
    """A concrete seed: None, '', 'random' or -1 draw a fresh one; anything else must be in range."""
    if is_random_seed(seed):
        return secrets.randbelow(SEED_MAX + 1)
    s = _as_int(seed, "seed")
    if s == -1:  # "-1.0" typed
        return secrets.randbelow(SEED_MAX + 1)
    if not 0 <= s <= SEED_MAX:
        raise BadRequest(M("request.seed", seed=s, max=SEED_MAX))
    return s


def check_preset_name(preset: object) -> str:
    if not isinstance(preset, str) or not preset.strip():
        raise BadRequest(M("request.preset_type", value=repr(preset)))
    name = preset.strip().lower()
    if len(name) > 32 or not all(c.isalnum() or c in "-_" for c in name):
        raise BadRequest(M("request.preset_name", value=repr(preset)))
    return name


def check_lora_strength(value: object, name: str = "LoRA") -> float:
    """A finite strength from -2 to 2 (a number or its text)."""
    if isinstance(value, bool):
        raise LoraError(M("lora.strength_type", name=name, value=repr(value)))
    try:
        strength = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LoraError(M("lora.strength_type", name=name, value=repr(value))) from None
    if not math.isfinite(strength) or not LORA_STRENGTH_MIN <= strength <= LORA_STRENGTH_MAX:
        raise LoraError(M("lora.strength_range", name=name, value=repr(value), min=f"{LORA_STRENGTH_MIN:g}",
                          max=f"{LORA_STRENGTH_MAX:g}"))
    return strength


def check_lora_name(value: object) -> str:
    """A plain .safetensors file name (looked up only inside the LoRA folders, never as a path)."""
    if not isinstance(value, str) or not value.strip():
        raise LoraError(M("lora.name_type", value=repr(value)))
    name = value.strip()
    if (len(name) > 255 or any(c in name for c in "/\\:") or name.startswith(".")
            or any(unicodedata.category(c) in ("Cc", "Cs") for c in name)):
        raise LoraError(M("lora.bad_name", value=repr(name)), M("lora.bad_name_hint"))
    if not name.lower().endswith(".safetensors"):
        raise LoraError(M("lora.not_safetensors", name=name), M("lora.not_safetensors_hint"))
    return name


def split_lora_arg(value: str) -> tuple[Path, str]:
    """The command line's `FILE[:STRENGTH]` (strength 1 when left out); a Windows drive's colon is part of FILE."""
    file, sep, tail = value.rpartition(":")
    if sep and file.lower().endswith(".safetensors"):
        return Path(file).expanduser(), tail.strip()
    return Path(value).expanduser(), "1"


def check_loras(value: object) -> tuple[LoraUse, ...]:
    """Up to three LoRAs, each a LoraUse, a {name, sha256_16, strength} mapping or a (name, strength) pair."""
    if value is None or value == "":
        return ()
    if not isinstance(value, (list, tuple)):
        raise LoraError(M("lora.list_type", kind=type(value).__name__))
    if len(value) > MAX_LORAS:
        raise LoraError(M("lora.too_many", count=len(value), max=MAX_LORAS))
    uses: list[LoraUse] = []
    for item in value:
        name: object
        sha: object
        strength: object
        if isinstance(item, LoraUse):
            name, sha, strength = item.name, item.sha256_16, item.strength
        elif isinstance(item, dict):
            name, sha = item.get("name"), item.get("sha256_16", "")
            strength = item.get("strength", LORA_STRENGTH_DEFAULT)
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            (name, strength), sha = item, ""
        else:
            raise LoraError(M("lora.item", value=repr(item)))
        clean = check_lora_name(name)
        if not isinstance(sha, str) or (sha and (len(sha) != 16 or any(c not in "0123456789abcdef" for c in sha))):
            raise LoraError(M("lora.bad_sha", name=clean, value=repr(sha)))
        if any(u.name == clean for u in uses):
            raise LoraError(M("lora.twice", name=clean), M("lora.twice_hint"))
        uses.append(LoraUse(clean, sha, check_lora_strength(strength, clean)))
    return tuple(uses)


def build_request(
    prompt: object,
    width: object = 832,
    height: object = 480,
    frames: object = FRAMES_DEFAULT,
    seed: object = None,
    preset: object = "auto",
    negative_prompt: object = "",
    loras: object = (),
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
        loras=check_loras(loras),
    )
