"""The lean LightX2V import and the T5 read-ahead, against small packages written to disk."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.engine import importer
from backend.engine.prefetch import T5_MODULE, CheckpointPrefetch, serve_t5_from

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
    monkeypatch.setattr("builtins.METRICS", set(), raising=False)
    monkeypatch.setattr(importer, "_first_failure", None)
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


# LightX2V registers prometheus metrics when a module loads: importing it a second time in one process fails
# with "Duplicated timeseries" (H200 run, 2026-12-02: the real cause, an old transformers, was hidden).
METRICS = "import builtins\nif 'requests' in builtins.METRICS: raise ValueError('Duplicated timeseries')\n" \
          "builtins.METRICS.add('requests')\n"


def test_a_failed_import_reports_its_first_cause_not_the_echo_of_a_second_import(package: Path) -> None:
    write_package(package, "from lightx2v.models.runners.wan.metrics import ok\n"
                           "raise ImportError('huggingface-hub<2.0 is required')")
    (package / "lightx2v/models/runners/wan/metrics.py").write_text(METRICS + "ok = True\n")
    with pytest.raises(ImportError) as first:
        importer.import_pipeline_class()
    assert str(first.value).startswith("huggingface-hub<2.0 is required")
    assert "Duplicated timeseries" in str(first.value)  # the full import's echo, named second
    with pytest.raises(ImportError) as again:  # not imported again: that could only say "Duplicated"
        importer.import_pipeline_class()
    assert str(again.value).startswith("huggingface-hub<2.0 is required") and "restart Wan Studio" in str(again.value)
    assert not [n for n in sys.modules if n.startswith("lightx2v")]


def test_the_import_runs_on_its_own_thread_so_a_kept_import_frame_holds_none_of_the_callers(package: Path) -> None:
    # A module that keeps its import-time frame keeps every frame below it alive, with their last locals.
    write_package(package, "import sys\nKEPT = sys._getframe()")
    caller_locals = {"pipeline": object()}
    importer.import_pipeline_class()
    frame = sys.modules["lightx2v.models.runners.wan.wan_distill_runner"].KEPT
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        assert caller_locals["pipeline"] not in frame.f_locals.values()
        frame = frame.f_back
    assert "attempt" in names and sys._getframe().f_code.co_name not in names


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
