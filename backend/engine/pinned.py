"""Pinned host memory for offloaded weights, allocated while LightX2V is still importing.

With block offload LightX2V copies every quantized DiT (and offloaded T5) weight into a new pinned buffer.
Allocating pinned memory, not the copy, is the cost: 2.6 s of 2.9 s per 3.5 GB on an H200 box
(bench/README.md, "Start-up"). Torch keeps freed pinned blocks in a cache keyed by size,
so allocating blocks of exactly the sizes LightX2V will ask for on a helper thread during the import, then
freeing them, turns its allocations into cache hits. Only large quantized tensors are reserved: those are
the ones it pins, and a reserved block nobody reuses would be pinned RAM wasted until the pipeline goes.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MIN_BYTES = 1 << 20
QUANTIZED = {"F8_E4M3": 1, "F8_E5M2": 1, "I8": 1}
"""safetensors dtype names of the weight formats the offloaded linears keep as they are (bytes per item)."""


def safetensors_sizes(path: Path) -> list[int]:
    """Byte sizes of the large quantized tensors in one .safetensors file, read from its header only
    (none for a file that is not one: LightX2V will say what is wrong with it)."""
    try:
        with path.open("rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(min(length, 100 * 2**20)))
    except (OSError, ValueError, struct.error) as err:
        logger.debug("No header in %s: %s", path.name, err)
        return []
    if not isinstance(header, dict):
        return []
    sizes = []
    for name, entry in header.items():
        if name == "__metadata__" or not isinstance(entry, dict) or entry.get("dtype") not in QUANTIZED:
            continue
        start, end = entry.get("data_offsets", (0, 0))
        if end - start >= MIN_BYTES:
            sizes.append(end - start)
    return sizes


def dit_pin_sizes(dit_dir: Path) -> list[int]:
    """What LightX2V pins for a block-offloaded DiT stored as per-block (or single) safetensors files."""
    return [size for path in sorted(dit_dir.glob("*.safetensors")) for size in safetensors_sizes(path)]


def state_pin_sizes(state: dict[str, Any], prefix: str = "blocks.") -> list[int]:
    """The same for a loaded T5 state dict: its offloaded blocks' large 1-byte (FP8/INT8) tensors."""
    sizes = []
    for name, tensor in state.items():
        if name.startswith(prefix) and getattr(tensor, "element_size", lambda: 0)() == 1:
            nbytes = tensor.numel()
            if nbytes >= MIN_BYTES:
                sizes.append(nbytes)
    return sizes


def _allocate_pinned(nbytes: int) -> Any:
    import torch

    return torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)


def reserve(sizes: list[int], allocate: Callable[[int], Any] = _allocate_pinned) -> tuple[int, float]:
    """Allocate then free pinned blocks of these sizes, so that they wait in torch's cache. Returns
    (bytes reserved, seconds). Torch ops release the GIL: the import on the other thread goes on."""
    started = time.monotonic()
    blocks = [allocate(n) for n in sizes]
    del blocks
    return sum(sizes), time.monotonic() - started


class PinnedReserve:
    """`reserve` on a helper thread; `wait()` before LightX2V starts pinning, so that the two never
    allocate at the same time (a block reserved after LightX2V asked for its size would go unused)."""

    def __init__(self, sizes: list[int], allocate: Callable[[int], Any] = _allocate_pinned) -> None:
        self.sizes = sizes
        self.seconds: float | None = None
        self._allocate = allocate
        self._thread = threading.Thread(target=self._run, name="pinned-reserve", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            total, self.seconds = reserve(self.sizes, self._allocate)
            logger.info("Reserved %.1f GB of pinned memory for the weights in %.1f s", total / 1e9, self.seconds)
        except Exception as err:  # out of pinnable memory, say: LightX2V then allocates (and reports) itself
            logger.info("Reserving pinned memory failed: %s: %s", type(err).__name__, err)

    def wait(self) -> None:
        self._thread.join()


def release_cached_pinned() -> None:
    """Give torch's cached pinned blocks back to the system (after the pipeline that used them is gone)."""
    import torch

    empty = getattr(torch._C, "_host_emptyCache", None)
    if empty is not None:
        empty()


ROUNDING_SETTING = "pinned_max_round_threshold_mb:1"


def limit_pinned_rounding(torch: Any) -> bool:
    """Torch rounds every pinned allocation up to a power of two, so the 14 GB of offloaded DiT weights
    held ~20 GB of RAM (a 71 MB FFN weight takes a 128 MB block). Newer torch can keep blocks above a size
    exact; older ones reject the setting, and nothing changes."""
    setter = getattr(getattr(torch.cuda, "memory", None), "_set_allocator_settings", None)
    if setter is None:
        return False
    try:
        setter(ROUNDING_SETTING)
    except (RuntimeError, ValueError, TypeError) as err:
        logger.info("This PyTorch keeps rounding pinned blocks up to a power of two (%s)", err)
        return False
    return True
