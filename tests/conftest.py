"""Shared fixtures: an isolated data folder, a fake GPU, and a Studio on the CPU test engine."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.gpu import GpuReading
from backend.settings import Paths
from backend.studio import Studio
from tests.support.cpu_engine import CpuTestEngine

if "PYTEST_XDIST_WORKER" in os.environ:  # set before anything imports gradio, and inherited by the app processes
    # Gradio caches files in one folder per content hash; two workers making the same clip at the same moment
    # would write the same file. One cache per worker.
    os.environ["GRADIO_TEMP_DIR"] = os.path.join(tempfile.gettempdir(), f"gradio-{os.environ['PYTEST_XDIST_WORKER']}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """GPU tests run only when asked for by name (`-m gpu`): another -m, such as the quick loop's
    `-m "not slow"`, replaces the default `-m "not gpu"` and must not pull them in."""
    if "gpu" in (config.option.markexpr or "").replace("not gpu", ""):
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU: run with -m gpu")
    for item in items:
        if item.get_closest_marker("gpu") is not None:  # not `"gpu" in item.keywords`: that also matches a
            item.add_marker(skip)  # folder named gpu anywhere in the checkout's path


class FakeGpu:
    """A GPU source with fixed readings (or none)."""

    def __init__(self, total_mib: float | None = 12282, name: str = "NVIDIA GeForce RTX 4070") -> None:
        self.total_mib = total_mib
        self.name = name
        self.used_mib = 1024.0

    def read(self) -> GpuReading:
        if self.total_mib is None:
            return GpuReading(ok=False, reason="No NVIDIA GPU found (test).")
        return GpuReading(ok=True, name=self.name, total_mib=self.total_mib, used_mib=self.used_mib,
                          util_pct=50.0, temp_c=60.0, power_w=120.0, process_mib=900.0, driver="580.00",
                          capability=(8, 9), at=time.time())


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    p = Paths.default(tmp_path / "home")
    p.create()
    return p


@pytest.fixture
def engine() -> CpuTestEngine:
    return CpuTestEngine()


@pytest.fixture
def studio(paths: Paths, engine: CpuTestEngine) -> Iterator[Studio]:
    s = Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0)
    s.start()
    yield s
    s.stop()


SMALL = {"width": 256, "height": 256, "frames": 5}
"""The smallest valid request: fast to encode on a 2-core machine."""
