"""Writes .safetensors files with a real header and zeroed data, for code that reads only headers."""

from __future__ import annotations

import json
import struct
from pathlib import Path


def write_safetensors(path: Path, tensors: dict[str, tuple[str, int]]) -> None:
    """A .safetensors file whose header lists these (dtype, bytes) tensors; the data is zeros."""
    header, offset = {}, 0
    for name, (dtype, nbytes) in tensors.items():
        header[name] = {"dtype": dtype, "shape": [nbytes], "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
