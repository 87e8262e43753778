"""Pinned host memory for offloaded weights: slabs allocated while LightX2V imports, carved into the
pinned tensors LightX2V asks for while it builds.

With block offload LightX2V copies every quantized DiT (and offloaded T5) weight into its own pinned
tensor, `torch.empty(shape, pin_memory=True, dtype=...)`. That costs twice: allocating pinned memory is
slow (2.6 s of 2.9 s per 3.5 GB on an H200 box, bench/README.md "Start-up"), and torch rounds every pinned
allocation up to a power of two, so 14.1 GB of offloaded DiT weights held ~20 GB of RAM (a 71 MB FFN
weight took a 128 MB block). Here the bytes are planned from the checkpoint headers, allocated as
power-of-two slabs on a helper thread during the import, and handed out as views while LightX2V builds:
its allocations cost nothing and no byte is rounded away.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import math
import mmap
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MIN_BYTES = 1 << 20
SLAB_BYTES = 1 << 30
ALIGN = 4096
MADV_DONTFORK = 10
DONTFORK_MIN_BYTES = 64 << 20
"""Only blocks this large are kept out of forks: malloc always maps them on their own (its mmap threshold
tops out at 32 MiB), so the flag goes with them when they are freed. Smaller blocks may come from malloc's
heap, whose pages outlive them and would then be missing in a child that runs Python before exec (seen:
a subprocess pre-exec hook crashed in the child)."""
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


def _aligned(nbytes: int) -> int:
    return -(-nbytes // ALIGN) * ALIGN


def _power_of_two(nbytes: int) -> int:
    return 1 << max(nbytes - 1, 1).bit_length()


def plan_slabs(sizes: list[int], slab_bytes: int = SLAB_BYTES) -> list[int]:
    """Slab sizes that hold these tensors (first fit, largest first): full slabs, then the smallest
    power of two for what is left (at least DONTFORK_MIN_BYTES). Powers of two, so torch's rounding adds
    nothing."""
    used: list[int] = []
    for size in sorted((_aligned(s) for s in sizes), reverse=True):
        slot = next((i for i, u in enumerate(used) if u + size <= slab_bytes), None)
        if slot is None:
            used.append(size)
        else:
            used[slot] += size
    if not used:
        return []
    last = min(slab_bytes, max(DONTFORK_MIN_BYTES, _power_of_two(used[-1])))
    return [slab_bytes] * (len(used) - 1) + [last]


def _allocate_pinned(nbytes: int) -> Any:
    import torch

    slab = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    keep_out_of_forks(slab.data_ptr(), nbytes)
    return slab


def keep_out_of_forks(address: int, nbytes: int) -> bool:
    """madvise(MADV_DONTFORK) on Linux: a fork()ed child (which only ever execs) does not get a copy.

    Pinned pages registered with cudaHostRegister (how torch pins on Linux here, see set_engine_environment)
    are copied whole into a forked child: 8 s and a second copy of the weights in RAM for each fork with
    14 GB pinned (H200 box). Our own subprocesses use vfork; this covers any other fork.
    """
    if not sys.platform.startswith("linux") or nbytes < DONTFORK_MIN_BYTES:
        return False
    page = mmap.PAGESIZE
    start, end = -(-address // page) * page, (address + nbytes) // page * page
    if end <= start:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), MADV_DONTFORK) == 0


@dataclass
class _Slab:
    buffer: Any
    size: int
    used: int = 0


class PinnedPool:
    """Pinned slabs handed out in pieces. Thread-safe: LightX2V loads checkpoint files on several threads.
    A request no slab has room for gets a new slab (logged: the plan missed it)."""

    def __init__(self, allocate: Callable[[int], Any] = _allocate_pinned) -> None:
        self._allocate = allocate
        self._lock = threading.Lock()
        self._slabs: list[_Slab] = []
        self.reserve_s = 0.0
        self.reserved = 0  # bytes of all slabs allocated
        self.served = 0  # bytes handed out
        self.extra_slabs = 0

    def reserve(self, sizes: list[int]) -> None:
        """Allocate slabs for these tensor sizes (on a helper thread: torch ops release the GIL)."""
        started = time.monotonic()
        plan = plan_slabs(sizes)
        for size in plan:
            slab = _Slab(self._allocate(size), size)
            with self._lock:
                self._slabs.append(slab)
                self.reserved += size
        with self._lock:
            self.reserve_s += time.monotonic() - started
        logger.info("Reserved %.1f GB of pinned memory for %.1f GB of weights in %.1f s",
                    sum(plan) / 1e9, sum(sizes) / 1e9, time.monotonic() - started)

    def take(self, nbytes: int) -> tuple[Any, int] | None:
        """A slab and the offset of `nbytes` free bytes in it; None if no slab has room and a new one
        cannot be pinned (the caller then asks torch itself, which reports a real shortage)."""
        size = _aligned(nbytes)
        with self._lock:
            slab = next((s for s in self._slabs if s.used + size <= s.size), None)
            if slab is None:
                extra = _power_of_two(max(size, 256 << 20))
                try:
                    slab = _Slab(self._allocate(extra), extra)
                except (RuntimeError, MemoryError) as err:
                    logger.info("No pinned slab of %d MB: %s", extra >> 20, err)
                    return None
                self._slabs.append(slab)
                self.reserved += extra
                self.extra_slabs += 1
            offset, slab.used = slab.used, slab.used + size
            self.served += nbytes
            return slab.buffer, offset

    def report(self) -> dict[str, float | int]:
        """For the clip's metadata and the benchmark."""
        with self._lock:
            return {"reserve_s": round(self.reserve_s, 2), "reserved_gb": round(self.reserved / 1e9, 2),
                    "served_gb": round(self.served / 1e9, 2), "extra_slabs": self.extra_slabs}

    def close(self) -> None:
        """Forget the slabs: each now lives as long as a tensor carved from it; untouched ones are freed
        (into torch's cache: `release_cached_pinned` gives them back)."""
        with self._lock:
            unused = sum(s.size for s in self._slabs if s.used == 0)
            self._slabs = []
        if unused:
            logger.info("%.1f GB of reserved pinned memory was not needed", unused / 1e9)


def carve(buffer: Any, offset: int, shape: tuple[int, ...], dtype: Any) -> Any:
    """A tensor of this shape and dtype over buffer[offset:]; it shares (and keeps alive) the buffer."""
    nbytes = math.prod(shape) * dtype.itemsize
    return buffer[offset:offset + nbytes].view(dtype).reshape(shape)


@contextlib.contextmanager
def serve_pinned_from(pool: PinnedPool | None, torch: Any) -> Iterator[None]:
    """While LightX2V builds, its `torch.empty(shape, pin_memory=True, dtype=...)` calls for large tensors
    get pieces of the pool's slabs; every other call goes to torch unchanged."""
    if pool is None:
        yield
        return
    original = torch.empty
    inside = threading.local()  # the pool's own slab allocation calls torch.empty: that one goes to torch

    def empty(*size: Any, **kwargs: Any) -> Any:
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        dtype = kwargs.get("dtype")
        if kwargs.get("pin_memory") is True and dtype is not None and set(kwargs) <= {"pin_memory", "dtype"} \
                and all(isinstance(d, int) for d in shape) and not getattr(inside, "active", False):
            nbytes = math.prod(shape) * dtype.itemsize
            inside.active = True
            try:
                piece = pool.take(nbytes) if nbytes >= MIN_BYTES else None
            finally:
                inside.active = False
            if piece is not None:
                return carve(piece[0], piece[1], shape, dtype)
        return original(*size, **kwargs)

    torch.empty = empty
    try:
        yield
    finally:
        torch.empty = original
        pool.close()


def release_cached_pinned() -> None:
    """Give torch's cached pinned blocks back to the system (after the pipeline that used them is gone)."""
    import torch

    empty = getattr(torch._C, "_host_emptyCache", None)
    if empty is not None:
        empty()
