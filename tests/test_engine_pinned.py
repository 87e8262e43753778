"""The pinned-memory pool: planning slabs from checkpoint headers, carving them, and serving LightX2V's
pinned allocations (numpy arrays stand in for torch tensors: same slicing and dtype views)."""

from __future__ import annotations

import ctypes
import itertools
import mmap
import struct
import sys
import threading
import types
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend.engine import pinned
from backend.engine.pinned import ALIGN, MIN_BYTES, SLAB_BYTES, PinnedPool, plan_slabs, serve_pinned_from
from tests.support.fake_lightx2v import FakeStored
from tests.support.safetensors_file import write_safetensors

MB = 10**6
WAN_14B_BLOCK = [5120 * 5120] * 8 + [13824 * 5120] * 2  # attention and cross-attention, then the FFN (FP8)


class Allocations:
    """A stand-in for pinned allocation: numpy buffers, counted."""

    def __init__(self, fail: bool = False) -> None:
        self.sizes: list[int] = []
        self.fail = fail

    def __call__(self, nbytes: int) -> np.ndarray:
        if self.fail:
            raise RuntimeError("CUDA error: out of memory (pinned)")
        self.sizes.append(nbytes)
        return np.zeros(nbytes, dtype=np.uint8)


def fake_torch(alloc: Allocations) -> types.SimpleNamespace:
    def empty(*size: Any, dtype: Any = None, pin_memory: bool = False, **kwargs: Any) -> np.ndarray:
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        array = np.zeros(shape, dtype=dtype or np.dtype("float32"))
        if pin_memory:
            alloc.sizes.append(array.nbytes)
        return array

    return types.SimpleNamespace(empty=empty)


# ---- sizes from checkpoints ---------------------------------------------------------------------------

def test_sizes_come_from_headers_and_bad_files_give_none(tmp_path: Path) -> None:
    good = tmp_path / "block_0.safetensors"
    write_safetensors(good, {"a": ("F8_E4M3", 2**20), "b": ("BF16", 2**22), "c": ("I8", 2**21), "d": ("I8", 10)})
    assert sorted(pinned.safetensors_sizes(good)) == [2**20, 2**21]
    (tmp_path / "junk.safetensors").write_bytes(b"x")
    (tmp_path / "huge.safetensors").write_bytes(struct.pack("<Q", 2**60) + b"{")
    assert pinned.safetensors_sizes(tmp_path / "junk.safetensors") == []
    assert pinned.safetensors_sizes(tmp_path / "huge.safetensors") == []
    assert sorted(pinned.dit_pin_sizes(tmp_path)) == [2**20, 2**21]


def test_state_sizes_only_offloaded_block_bytes() -> None:
    state = {"blocks.0.attn.q.weight": FakeStored(2**24, 1), "blocks.0.norm1.weight": FakeStored(2**24, 2),
             "token_embedding.weight": FakeStored(2**30, 1), "blocks.0.tiny": FakeStored(100, 1)}
    assert pinned.state_pin_sizes(state) == [2**24]


# ---- planning ----------------------------------------------------------------------------------------

def test_plan_for_the_14b_dit_wastes_little_and_never_rounds() -> None:
    sizes = WAN_14B_BLOCK * 40
    plan = plan_slabs(sizes)
    assert all(size & (size - 1) == 0 for size in plan)  # powers of two: torch adds nothing
    assert plan[:-1] == [SLAB_BYTES] * (len(plan) - 1)
    assert sum(sizes) <= sum(plan) < sum(sizes) * 1.08  # torch's own rounding took 1.43 times (20.1 / 14.05 GB)
    assert plan_slabs([]) == [] and plan_slabs([3 * MB]) == [64 * 2**20]  # never below the fork-safe size
    assert plan_slabs([100 * MB]) == [128 * 2**20]


# ---- the pool ----------------------------------------------------------------------------------------

def test_pieces_are_aligned_and_never_overlap_across_threads() -> None:
    alloc = Allocations()
    pool = PinnedPool(alloc)
    sizes = [3 * MB, 5 * MB, 2**20 + 1, 7 * MB] * 10
    pool.reserve(sizes)
    taken: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def work(part: list[int]) -> None:
        for size in part:
            piece = pool.take(size)
            assert piece is not None
            with lock:
                taken.append((id(piece[0]), piece[1], size))

    threads = [threading.Thread(target=work, args=(sizes[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(offset % ALIGN == 0 for _, offset, _ in taken)
    by_slab: dict[int, list[tuple[int, int]]] = {}
    for slab, offset, size in taken:
        by_slab.setdefault(slab, []).append((offset, offset + size))
    for spans in by_slab.values():
        spans.sort()
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    assert pool.report()["served_gb"] == round(sum(sizes) / 1e9, 2)
    plan = plan_slabs(sizes)  # the threads' order decides whether the plan's room suffices: account either way
    assert alloc.sizes[:len(plan)] == plan and len(alloc.sizes) == len(plan) + pool.extra_slabs


def test_a_request_the_plan_missed_gets_a_new_slab_or_none() -> None:
    alloc = Allocations()
    pool = PinnedPool(alloc)
    pool.reserve([2 * MB])  # one 64 MiB slab
    assert pool.take(2 * MB) is not None and pool.extra_slabs == 0
    assert pool.take(70 * MB) is not None and pool.extra_slabs == 1 and alloc.sizes[-1] == 256 * 2**20
    alloc.fail = True
    assert pool.take(300 * 2**20) is None  # no room and none to pin: the caller asks torch itself


def test_closing_drops_the_pools_references() -> None:
    pool = PinnedPool(Allocations())
    pool.reserve([600 * MB, 600 * MB])  # two slabs (zero pages: never touched)
    first, second = (weakref.ref(slab.buffer) for slab in pool._slabs)
    piece = pool.take(2 * MB)
    assert piece is not None and piece[0] is first()
    pool.close()
    assert second() is None and first() is piece[0]  # the untouched slab is free; a carved one lives on


# ---- serving torch.empty -----------------------------------------------------------------------------

def test_large_pinned_requests_are_carved_the_rest_pass_through() -> None:
    alloc = Allocations()
    torch = fake_torch(alloc)
    original = torch.empty
    pool = PinnedPool(alloc)
    pool.reserve([4 * MB, 2 * MB])
    slabs = list(alloc.sizes)
    with serve_pinned_from(pool, torch):
        big = torch.empty((1000, 4000), pin_memory=True, dtype=np.dtype("uint8"))
        half = torch.empty([1000, 1000], pin_memory=True, dtype=np.dtype("float16"))
        small = torch.empty((100,), pin_memory=True, dtype=np.dtype("uint8"))
        plain = torch.empty((2000, 2000), dtype=np.dtype("uint8"))
        odd = torch.empty((2000, 2000), pin_memory=True, dtype=np.dtype("uint8"), device="cuda")
        big[...] = 1
        half[...] = 2
    assert torch.empty is original
    assert big.shape == (1000, 4000) and half.shape == (1000, 1000) and half.dtype == np.float16
    assert big.base is not None and half.base is not None and not np.shares_memory(big, half)
    assert (big == 1).all() and (half == 2).all()
    assert small.base is None and plain.base is None and odd.base is None
    assert alloc.sizes == [*slabs, 100, 2000 * 2000]  # slabs, then the small pin and the odd request


def test_serving_stops_when_the_build_fails() -> None:
    alloc = Allocations()
    torch = fake_torch(alloc)
    original = torch.empty
    pool = PinnedPool(alloc)
    pool.reserve([2 * MB])
    with pytest.raises(ValueError), serve_pinned_from(pool, torch):
        raise ValueError("build failed")
    assert torch.empty is original and pool._slabs == []


def test_without_a_pool_nothing_is_patched() -> None:
    torch = fake_torch(Allocations())
    original = torch.empty
    with serve_pinned_from(None, torch):
        assert torch.empty is original


def test_min_bytes_is_the_boundary() -> None:
    alloc = Allocations()
    torch = fake_torch(alloc)
    pool = PinnedPool(alloc)
    pool.reserve([MIN_BYTES])
    with serve_pinned_from(pool, torch):
        exact = torch.empty((MIN_BYTES,), pin_memory=True, dtype=np.dtype("uint8"))
        below = torch.empty((MIN_BYTES - 1,), pin_memory=True, dtype=np.dtype("uint8"))
    assert exact.base is not None and below.base is None


@pytest.mark.timeout(10)
def test_the_pools_own_slab_allocation_goes_to_torch() -> None:
    alloc = Allocations()
    torch = fake_torch(alloc)
    pool = PinnedPool(lambda n: torch.empty(n, dtype=np.dtype("uint8"), pin_memory=True))  # as in the product
    with serve_pinned_from(pool, torch):
        piece = torch.empty((3 * MB,), pin_memory=True, dtype=np.dtype("uint8"))  # no slab yet: pins one
    assert piece.base is not None and alloc.sizes == [256 * 2**20] and pool.extra_slabs == 1


# ---- forks -------------------------------------------------------------------------------------------

def vm_flags(address: int) -> set[str]:
    """The kernel's flags for the mapping that holds `address` (/proc/self/smaps; "dc": not copied on fork)."""
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()[0]
        if "-" in head and ":" not in head:
            start, end = (int(x, 16) for x in head.split("-"))
            inside = start <= address < end
        elif inside and line.startswith("VmFlags:"):
            return set(line.split()[1:])
    return set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="MADV_DONTFORK is Linux")
def test_slab_pages_are_left_out_of_forked_children() -> None:
    page, size = mmap.PAGESIZE, pinned.DONTFORK_MIN_BYTES
    region = mmap.mmap(-1, size + page)  # its own mapping, like malloc gives a block this large
    address = ctypes.addressof(ctypes.c_char.from_buffer(region))
    assert "dc" not in vm_flags(address + page)
    assert not pinned.keep_out_of_forks(address, size - 1)  # smaller blocks may sit on malloc's heap: left alone
    assert "dc" not in vm_flags(address + page)
    assert pinned.keep_out_of_forks(address + 1, size)  # the whole pages inside
    assert "dc" in vm_flags(address + page) and "dc" in vm_flags(address + size - page)
    assert "dc" not in vm_flags(address)  # the partly covered first page is left as it was
