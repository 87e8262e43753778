"""Run app.py's real `main()` in a process of its own with the CPU test engine in place of LightX2V (no GPU
here): the real lock, port, page, owner record and hand-off, for tests of two processes on one folder.

`python -m tests.support.app_proc [app.py arguments]`; WAN_TEST_STEP_DELAY sets seconds per denoising step;
while the file named by WAN_TEST_HOLD_FILE exists, the engine holds its job at the next stage, and writes
`<that file>.reached` when it stops there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    import app
    from backend.data_lock import DataFolderLock
    from backend.settings import Paths
    from backend.studio import Studio
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    delay = float(os.environ.get("WAN_TEST_STEP_DELAY", "0.01"))
    gate = threading.Event()
    gate.set()
    hold = os.environ.get("WAN_TEST_HOLD_FILE")
    if hold:
        threading.Thread(target=follow_hold_file, args=(Path(hold), gate), daemon=True).start()

    class HeldEngine(CpuTestEngine):
        def _wait(self, cancel: Any, delay: float) -> None:
            if hold and not gate.is_set():  # a test waits for this file, not for a guessed time
                Path(hold + ".reached").touch()
            super()._wait(cancel, delay)

    def make_studio(paths: Paths, preload: bool = True, lock: DataFolderLock | None = None) -> Studio:
        engine = HeldEngine(step_delay=delay, gate=gate)
        return Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False, lock=lock)

    app.make_studio = make_studio  # type: ignore[assignment]
    return app.main(sys.argv[1:])


def follow_hold_file(path: Path, gate: threading.Event) -> None:
    while True:
        if path.exists():
            gate.clear()
        else:
            gate.set()
        time.sleep(0.05)


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def start(*args: str, log: Path, step_delay: float = 0.01, hold_file: Path | None = None,
          **popen: Any) -> subprocess.Popen:
    """The test app in the background (its console output goes to `log`)."""
    extra = {"WAN_TEST_STEP_DELAY": str(step_delay), **({"WAN_TEST_HOLD_FILE": str(hold_file)} if hold_file else {})}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "tests.support.app_proc", *args], cwd=ROOT, env=env(**extra),
                                stdout=out, stderr=subprocess.STDOUT, **popen)


def run_app(*args: str, timeout: float = 120, **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    """The real app.py (LightX2V engine: unavailable here) in the foreground; output kept as bytes so a test
    can decode it in the console encoding it simulated."""
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, env=env(**extra_env), capture_output=True,
                          timeout=timeout, check=False)


if __name__ == "__main__":
    sys.exit(main())
