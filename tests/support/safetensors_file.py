"""Writes and reads .safetensors files with a real header, for code that reads headers (and fakes that
load the data the way LightX2V does)."""

from __future__ import annotations

import json
import struct
from pathlib import Path


def write_safetensors(path: Path, tensors: dict[str, tuple[str, int]], fill: bool = False) -> None:
    """A .safetensors file whose header lists these (dtype, bytes) tensors; the data is zeros, or with
    `fill` a different non-zero byte for each tensor."""
    header, offset, data = {}, 0, bytearray()
    for i, (name, (dtype, nbytes)) in enumerate(tensors.items()):
        header[name] = {"dtype": dtype, "shape": [nbytes], "data_offsets": [offset, offset + nbytes]}
        data += bytes([i % 250 + 1 if fill else 0]) * nbytes
        offset += nbytes
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(data))


def read_safetensors(path: Path) -> dict[str, tuple[str, bytes]]:
    """name -> (dtype, raw bytes) of a file written by write_safetensors."""
    blob = path.read_bytes()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    start = 8 + length
    return {name: (entry["dtype"], blob[start + entry["data_offsets"][0]:start + entry["data_offsets"][1]])
            for name, entry in header.items() if name != "__metadata__"}
