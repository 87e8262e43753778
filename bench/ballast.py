"""GPU memory ballast: a separate process takes plain cudaMalloc blocks until only a given amount of the
card stays free, then holds them until its standard input closes (the parent exits) or it is stopped.

This makes a big card behave like a small one for everything a process puts there (CUDA context, cuBLAS
workspaces, Triton, torch's allocator), which an allocator cap does not.

python -m bench.ballast --free-gib 7.5        # prints BALLAST_JSON {...} once the memory is taken
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GIB = 1024**3
MIB = 1024**2
GRANULE = 2 * MIB  # cudaMalloc hands out 2 MiB pages for large blocks
CHUNK = 16 * GIB
TOLERANCE = 64 * MIB


@dataclass
class Ballast:
    """Blocks taken through `malloc` (returns a handle), measured through `mem_info` -> (free, total)."""

    malloc: Callable[[int], object]
    free: Callable[[object], None]
    mem_info: Callable[[], tuple[int, int]]
    blocks: list[tuple[object, int]] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(size for _, size in self.blocks)

    def fill(self, leave_free: int) -> int:
        """Take memory until `leave_free` bytes (within TOLERANCE, never fewer) stay free; returns the
        free bytes at the end. Raises ValueError when less than that is free to begin with."""
        free, _ = self.mem_info()
        if free < leave_free:
            raise ValueError(f"only {free / GIB:.2f} GiB free, cannot leave {leave_free / GIB:.2f} GiB")
        slack = GRANULE  # what a block costs beyond its size, learnt from each allocation
        for _ in range(64):  # each pass measures again: the driver may round or place blocks differently
            free, _ = self.mem_info()
            excess = free - leave_free
            if 0 <= excess < TOLERANCE:
                return free
            if excess < 0:  # overshot: give back the smallest block and try again smaller
                handle, _size = self.blocks.pop(min(range(len(self.blocks)), key=lambda i: self.blocks[i][1]))
                self.free(handle)
                continue
            size = min(CHUNK, (excess - slack) // GRANULE * GRANULE)
            if size <= 0:
                return free
            self.blocks.append((self.malloc(size), size))
            slack = max(slack, free - self.mem_info()[0] - size + GRANULE)
        return self.mem_info()[0]


def cuda_ballast() -> Ballast:
    """The real one: CuPy's thin bindings of cudaMalloc/cudaFree/cudaMemGetInfo (no memory pool)."""
    from cupy.cuda import runtime

    runtime.setDevice(0)
    runtime.free(runtime.malloc(GRANULE))  # create the context first, so its own memory is counted
    return Ballast(malloc=runtime.malloc, free=runtime.free, mem_info=runtime.memGetInfo)


def start(free_gib: float, command: list[str] | None = None) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start the ballast process and wait until it holds its memory: (process, what it reported). The
    process lives until `stop` (or until this process exits and its stdin closes)."""
    cmd = command or [sys.executable, "-m", "bench.ballast"]
    proc = subprocess.Popen([*cmd, "--free-gib", str(free_gib)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until it reports (or dies: then the line is empty)
    if not line.startswith("BALLAST_JSON "):
        stop(proc)
        raise RuntimeError(f"the ballast process failed (exit {proc.returncode}): {line.strip()!r}")
    return proc, json.loads(line[len("BALLAST_JSON "):])


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None, make: Callable[[], Ballast] = cuda_ballast) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--free-gib", type=float, required=True, help="GiB of the card left free")
    args = parser.parse_args(argv)
    ballast = make()
    free = ballast.fill(int(args.free_gib * GIB))
    total = ballast.mem_info()[1]
    sys.stdout.write("BALLAST_JSON " + json.dumps({"free_gib": round(free / GIB, 3), "held_gib": round(
        ballast.held / GIB, 3), "total_gib": round(total / GIB, 3), "blocks": len(ballast.blocks)}) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # hold until the parent closes our stdin (or exits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
