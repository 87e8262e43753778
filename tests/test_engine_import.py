"""The lean LightX2V import and the T5 read-ahead, against small packages written to disk."""

from __future__ import annotations

import struct
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.engine import importer, pinned
from backend.engine.prefetch import T5_MODULE, CheckpointPrefetch, serve_t5_from
from tests.support.safetensors_file import write_safetensors

PIPELINE = """\
from lightx2v.models.runners.heavy.heavy_runner import HeavyRunner, OtherRunner  # noqa: F401
from lightx2v.models.runners.wan.wan_distill_runner import WanDistillRunner  # noqa: F401
from lightx2v.models.runners.wan.wan_runner import WanRunner  # noqa: F401


class LightX2VPipeline:
    pass
"""
HEAVY = "import builtins\nbuiltins.HEAVY_IMPORTS = getattr(builtins, 'HEAVY_IMPORTS', 0) + 1\n" \
        "class HeavyRunner: pass\nclass OtherRunner: pass\ndef helper(): return 'real'\n"


def write_package(root: Path, distill_body: str = "") -> None:
    files = {
        "lightx2v/__init__.py": "from lightx2v.pipeline import LightX2VPipeline  # noqa: F401\n",
        "lightx2v/pipeline.py": PIPELINE,
        "lightx2v/utils/__init__.py": "",
        "lightx2v/utils/registry_factory.py": "RUNNER_REGISTER = {}\n",
        "lightx2v/models/__init__.py": "",
        "lightx2v/models/runners/__init__.py": "",
        "lightx2v/models/runners/heavy/__init__.py": "",
        "lightx2v/models/runners/heavy/heavy_runner.py": HEAVY,
        "lightx2v/models/runners/wan/__init__.py": "",
        "lightx2v/models/runners/wan/wan_runner.py": "class WanRunner: pass\n",
        "lightx2v/models/runners/wan/wan_distill_runner.py":
            "from lightx2v.utils.registry_factory import RUNNER_REGISTER\n"
            f"{distill_body}\nclass WanDistillRunner: pass\nRUNNER_REGISTER['wan2.1_distill'] = WanDistillRunner\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    before = set(sys.modules)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("builtins.HEAVY_IMPORTS", 0, raising=False)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_lean_import_skips_unused_runners(package: Path) -> None:
    write_package(package)
    pipeline_class = importer.import_pipeline_class()
    assert pipeline_class.__name__ == "LightX2VPipeline"
    import builtins

    assert builtins.HEAVY_IMPORTS == 0  # type: ignore[attr-defined]
    standin = sys.modules["lightx2v.models.runners.heavy.heavy_runner"]
    assert getattr(standin, importer.STANDIN_MARK)
    with pytest.raises(RuntimeError, match="not loaded"):
        standin.HeavyRunner()
    assert importer.import_pipeline_class() is pipeline_class  # imported once


def test_lean_import_falls_back_to_the_full_import(package: Path) -> None:
    # The Wan runner needs something from a family we would skip: the lean import fails, the full one works.
    write_package(package, "from lightx2v.models.runners.heavy.heavy_runner import helper\nassert helper() == 'real'")
    pipeline_class = importer.import_pipeline_class()
    import builtins

    assert pipeline_class.__name__ == "LightX2VPipeline" and builtins.HEAVY_IMPORTS == 1  # type: ignore[attr-defined]
    assert not hasattr(sys.modules["lightx2v.models.runners.heavy.heavy_runner"], importer.STANDIN_MARK)


def test_missing_registration_falls_back(package: Path) -> None:
    write_package(package)
    distill = package / "lightx2v/models/runners/wan/wan_distill_runner.py"
    distill.write_text("class WanDistillRunner: pass\n")  # registers nothing
    importer.import_pipeline_class()
    import builtins

    assert builtins.HEAVY_IMPORTS == 1  # type: ignore[attr-defined]


def test_a_broken_engine_raises_its_own_error(package: Path) -> None:
    write_package(package)
    (package / "lightx2v/models/runners/wan/wan_runner.py").write_text("raise ImportError('no triton')\n")
    with pytest.raises(ImportError, match="no triton"):
        importer.import_pipeline_class()


# ---- T5 read-ahead ----------------------------------------------------------------------------------

def test_prefetch_hands_the_dict_out_once(tmp_path: Path) -> None:
    prefetch = CheckpointPrefetch(tmp_path / "t5.pth", read=lambda p: {"w": p.name})
    assert prefetch.take() == {"w": "t5.pth"}
    assert prefetch.take() is None and prefetch.read_s is not None


def test_prefetch_dropped_before_the_read_ends_keeps_nothing(tmp_path: Path) -> None:
    gate = threading.Event()

    def slow(path: Path) -> dict[str, Any]:
        gate.wait(5)
        return {"w": 1}

    prefetch = CheckpointPrefetch(tmp_path / "t5.pth", read=slow)
    prefetch.drop()
    gate.set()
    assert prefetch.take() is None


def test_prefetch_read_error_gives_none(tmp_path: Path) -> None:
    def broken(path: Path) -> dict[str, Any]:
        raise OSError("gone")

    assert CheckpointPrefetch(tmp_path / "t5.pth", read=broken).take() is None


@pytest.fixture
def t5_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(T5_MODULE)
    module.load_weights = lambda path, **kw: {"from": "disk", "path": str(path), **kw}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, T5_MODULE, module)
    return module


def test_serve_answers_only_the_plain_call_for_that_file(tmp_path: Path, t5_module: types.ModuleType) -> None:
    original = t5_module.load_weights
    prefetch = CheckpointPrefetch(tmp_path / "t5.pth", read=lambda p: {"from": "prefetch"})
    with serve_t5_from(prefetch):
        load = t5_module.load_weights
        assert load(str(tmp_path / "other.pth"))["from"] == "disk"
        assert load(str(tmp_path / "t5.pth"), remove_key="x")["from"] == "disk"  # filtered: not what we read
        assert load(str(tmp_path / "t5.pth"), cpu_offload=True, load_from_rank0=False) == {"from": "prefetch"}
        assert load(str(tmp_path / "t5.pth"))["from"] == "disk"  # handed out once
    assert t5_module.load_weights is original


def test_serve_restores_after_a_failed_build(tmp_path: Path, t5_module: types.ModuleType) -> None:
    original = t5_module.load_weights
    prefetch = CheckpointPrefetch(tmp_path / "t5.pth", read=lambda p: {"from": "prefetch"})
    with pytest.raises(ValueError), serve_t5_from(prefetch):
        raise ValueError("build failed")
    assert t5_module.load_weights is original and prefetch.take() is None  # dropped with the build


# ---- pinned reservations ----------------------------------------------------------------------------

def test_sizes_come_from_headers_and_bad_files_give_none(tmp_path: Path) -> None:
    good = tmp_path / "block_0.safetensors"
    write_safetensors(good, {"a": ("F8_E4M3", 2**20), "b": ("BF16", 2**22), "c": ("I8", 2**21), "d": ("I8", 10)})
    assert sorted(pinned.safetensors_sizes(good)) == [2**20, 2**21]
    (tmp_path / "junk.safetensors").write_bytes(b"x")
    (tmp_path / "huge.safetensors").write_bytes(struct.pack("<Q", 2**60) + b"{")
    assert pinned.safetensors_sizes(tmp_path / "junk.safetensors") == []
    assert pinned.safetensors_sizes(tmp_path / "huge.safetensors") == []
    assert sorted(pinned.dit_pin_sizes(tmp_path)) == [2**20, 2**21]


def test_reserve_allocates_every_size_then_frees(tmp_path: Path) -> None:
    live: list[int] = []

    class Block:
        def __init__(self, n: int) -> None:
            self.n = n
            live.append(n)

        def __del__(self) -> None:
            live.remove(self.n)

    reserve = pinned.PinnedReserve([2**20, 2**21], allocate=Block)
    reserve.wait()
    assert live == [] and reserve.seconds is not None  # all allocated, all back in the cache


def test_state_sizes_only_offloaded_block_bytes() -> None:
    from tests.support.fake_lightx2v import FakeStored

    state = {"blocks.0.attn.q.weight": FakeStored(2**24, 1), "blocks.0.norm1.weight": FakeStored(2**24, 2),
             "token_embedding.weight": FakeStored(2**30, 1), "blocks.0.tiny": FakeStored(100, 1)}
    assert pinned.state_pin_sizes(state) == [2**24]
