"""Reading LoRA .safetensors files safely (never pickle), and writing the merged set the engine loads.

The `safetensors` library checks each file's table of tensors (a truncated or renamed file fails
there). numpy has no bfloat16, and safetensors' numpy reader refuses BF16, the usual LoRA dtype, so
the bytes of a tensor are read at the offsets that safetensors has just validated.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.errors import LoraError
from backend.i18n import Message

M = Message.of

SUFFIX = ".safetensors"
MAX_BYTES = 2 * 1024**3
"""A LoRA for this model is 50–600 MB at the usual ranks; a bigger file is a whole model, or damaged."""
READABLE: dict[str, np.dtype] = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
                                 "F64": np.dtype("<f8")}
"""BF16 is kept as its raw 16 bits (see `as_float32`)."""


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as the file's table lists it."""

    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int


def _looks_like(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "lora.is_zip"
    if head[:1] == b"\x80":
        return "lora.is_pickle"
    return "lora.not_format"


def check_file(path: Path) -> int:
    """The file's size, after the checks that need no reading; raises LoraError naming the file."""
    name = path.name
    if path.suffix.lower() != SUFFIX:
        raise LoraError(M("lora.not_safetensors", name=name), M("lora.not_safetensors_hint"))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoraError(M("lora.gone", name=name), M("lora.gone_hint")) from None
    except OSError as err:
        raise LoraError(M("lora.unreadable", name=name, error=str(err.strerror))) from None
    if not path.is_file():
        raise LoraError(M("lora.not_file", name=name))
    if size > MAX_BYTES:
        raise LoraError(M("lora.too_big", name=name, size=f"{size / 1024**3:.1f}"), M("lora.too_big_hint"))
    return size


def read_table(path: Path) -> dict[str, TensorInfo]:
    """The file's tensors (name → dtype, shape, byte range), validated by safetensors."""
    from safetensors import SafetensorError, safe_open

    check_file(path)
    try:
        with safe_open(str(path), framework="numpy") as handle:
            names = list(handle.keys())
    except (SafetensorError, OSError, ValueError) as err:
        with path.open("rb") as fh:
            head = fh.read(8)
        detail = str(err)
        if "not fully covered" in detail or "incomplete" in detail or "EOF" in detail:
            raise LoraError(M("lora.incomplete", name=path.name), M("lora.download_again")) from None
        raise LoraError(M(_looks_like(head), name=path.name), M("lora.use_safetensors")) from None
    with path.open("rb") as fh:
        (length,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(length))
    base = 8 + length
    return {name: TensorInfo(header[name]["dtype"], tuple(header[name]["shape"]),
                             base + header[name]["data_offsets"][0], base + header[name]["data_offsets"][1])
            for name in names}


def read_tensors(path: Path, table: dict[str, TensorInfo], names: Iterable[str]) -> dict[str, np.ndarray]:
    """The named tensors, in their stored dtype (BF16 as raw uint16), read once into memory."""
    out: dict[str, np.ndarray] = {}
    with path.open("rb") as fh:
        for name in names:
            info = table[name]
            dtype = READABLE.get(info.dtype)
            if dtype is None:
                raise LoraError(M("lora.dtype", name=path.name, tensor=name, dtype=info.dtype))
            fh.seek(info.start)
            data = fh.read(info.end - info.start)
            out[name] = np.frombuffer(data, dtype=dtype).reshape(info.shape)
    return out


def as_float32(array: np.ndarray, dtype: str) -> np.ndarray:
    """A stored tensor as float32; BF16's 16 bits are the top half of a float32."""
    if dtype == "BF16":
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.float32, copy=False)


def to_bf16_bits(array: np.ndarray) -> np.ndarray:
    """float32 → bfloat16 bits, rounding to nearest even (as torch's conversion does)."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def write_bf16_file(path: Path, shapes: list[tuple[str, tuple[int, ...]]], arrays: Iterable[np.ndarray]) -> int:
    """Write float32 arrays (given one by one, in the order of `shapes`) as a BF16 .safetensors file, the
    DiT's compute dtype; returns its size. Streaming keeps only one layer in memory at a time.

    safetensors' own writers differ between versions (dicts of bytes before 0.8, raw pointers since) and
    its numpy writer has no BF16, so the format's few bytes of framing are written here.
    """
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes:
        nbytes = 2 * int(np.prod(shape))
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    table = json.dumps(header, separators=(",", ":")).encode()
    table += b" " * (-len(table) % 8)  # the data starts 8-byte aligned
    written = 0
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(table)) + table)
        for (name, shape), array in zip(shapes, arrays, strict=True):
            if tuple(array.shape) != tuple(shape):
                raise ValueError(f"{name}: shape {array.shape} is not the announced {shape}")
            written += fh.write(to_bf16_bits(array).tobytes())
    if written != offset:
        raise ValueError(f"wrote {written} bytes of tensors, announced {offset}")
    return 8 + len(table) + offset


def sha256_16(path: Path) -> str:
    """The first 16 hex digits of the file's sha256 (what clips record to name a LoRA exactly)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]
