"""The GPU memory ballast's logic against a simulated card (the real one runs on the GPU box only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import ballast
from bench.ballast import GIB, MIB, Ballast

ROOT = Path(__file__).resolve().parents[1]


class Card:
    """A card that rounds every block up to 2 MiB and keeps some bookkeeping per block, like a driver."""

    def __init__(self, total_gib: float, used_gib: float, per_block: int = 2 * MIB) -> None:
        self.total = int(total_gib * GIB)
        self.used = int(used_gib * GIB)
        self.per_block = per_block
        self.live: dict[int, int] = {}

    def malloc(self, size: int) -> int:
        cost = -(-size // (2 * MIB)) * 2 * MIB + self.per_block
        if self.used + cost > self.total:
            raise MemoryError("cudaErrorMemoryAllocation")
        self.used += cost
        handle = len(self.live) + 1 + max(self.live, default=0)
        self.live[handle] = cost
        return handle

    def free(self, handle: object) -> None:
        self.used -= self.live.pop(handle)  # type: ignore[call-overload]

    def mem_info(self) -> tuple[int, int]:
        return self.total - self.used, self.total


def make(card: Card) -> Ballast:
    return Ballast(malloc=card.malloc, free=card.free, mem_info=card.mem_info)


@pytest.mark.parametrize(("total", "used", "leave"), [(139.8, 0.5, 7.5), (139.8, 0.5, 23.5), (16, 0.3, 15.5),
                                                       (24, 1.0, 11.5)])
def test_leaves_exactly_the_asked_free_memory(total: float, used: float, leave: float) -> None:
    card = Card(total, used)
    free = make(card).fill(int(leave * GIB))
    assert free == card.mem_info()[0]
    assert int(leave * GIB) <= free < int(leave * GIB) + ballast.TOLERANCE


def test_overshoot_from_rounding_is_given_back() -> None:
    card = Card(40, 0.5, per_block=300 * MIB)  # each block costs far more than asked: the first passes overshoot
    free = make(card).fill(int(7.5 * GIB))
    assert int(7.5 * GIB) <= free < int(7.5 * GIB) + ballast.TOLERANCE


def test_refuses_when_the_card_has_less_free_than_asked() -> None:
    with pytest.raises(ValueError, match=r"only 5\.50 GiB free"):
        make(Card(6, 0.5)).fill(int(7.5 * GIB))


def test_process_reports_then_holds_until_stdin_closes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    script = tmp_path / "fake_ballast.py"
    script.write_text(
        "import sys\n"
        "from tests.test_bench_ballast import Card, make\n"
        "from bench import ballast\n"
        "sys.exit(ballast.main(sys.argv[1:], make=lambda: make(Card(80, 0.6))))\n")
    proc, info = ballast.start(7.5, [sys.executable, str(script)])
    assert proc.poll() is None  # still holding
    assert 7.5 <= info["free_gib"] < 7.57 and info["total_gib"] == 80.0 and info["blocks"] >= 5
    ballast.stop(proc)
    assert proc.returncode == 0


def test_a_failing_ballast_process_is_reported(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    script = tmp_path / "fake_ballast.py"
    script.write_text(
        "import sys\n"
        "from tests.test_bench_ballast import Card, make\n"
        "from bench import ballast\n"
        "sys.exit(ballast.main(sys.argv[1:], make=lambda: make(Card(6, 0.6))))\n")
    with pytest.raises(RuntimeError, match="the ballast process failed"):
        ballast.start(7.5, [sys.executable, str(script)])
