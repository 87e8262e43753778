"""A Studio on the CPU test engine in a process of its own, driven line by line over stdin/stdout, so a
test can SIGKILL it mid-job or cap the size of the files it may write (RLIMIT_FSIZE).

The child (`python -m tests.support.studio_proc HOME`) answers every command with one JSON line; the
parent side is `StudioProcess`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import psutil

ROOT = Path(__file__).resolve().parents[2]
REPLY_TIMEOUT_S = 30.0


# ---- the child ---------------------------------------------------------------------------------------------
class Child:
    """The Studio plus the knobs a test turns: hold rendering, hold saving, cap file sizes."""

    def __init__(self, home: Path, step_delay: float) -> None:
        # Imported here, in the child only: the parent side needs none of the backend.
        import backend.gallery
        from backend.settings import Paths
        from backend.studio import Studio
        from tests.conftest import FakeGpu
        from tests.support.cpu_engine import CpuTestEngine
        from tests.support.stage_hold import SaveHold

        self.gate = threading.Event()
        self.gate.set()
        self.save_hold = SaveHold()
        self.save_hold.release.set()
        backend.gallery.write_mp4 = self.save_hold.wrap(backend.gallery.write_mp4)
        engine = CpuTestEngine(step_delay=step_delay, gate=self.gate)
        self.studio = Studio(Paths.default(home), engine, gpu=FakeGpu(), host_ram=64.0, preload=False)
        # After a clip is published (mp4 and sidecar renamed into place) and before its job is marked done.
        self.publish_hold = threading.Event()
        self.publish_hold.set()
        self.published = threading.Event()
        save = self.studio.gallery.save

        def save_then_hold(*a: Any, **kw: Any) -> Any:
            clip = save(*a, **kw)
            if not self.publish_hold.is_set():
                self.published.set()
                self.publish_hold.wait(REPLY_TIMEOUT_S * 4)
            return clip

        self.studio.gallery.save = save_then_hold  # type: ignore[method-assign]

    def handle(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        studio = self.studio
        if name == "submit":
            jobs = studio.submit(args.pop("prompt"), count=args.pop("count", 1), **args)
            return {"ids": [j.id for j in jobs]}
        if name == "wait":
            job = studio.queue.wait_for(args["id"], tuple(args["statuses"]), args.get("timeout", 20.0))
            # A step's preview is made off the render's path and may land just after the job is done (the
            # clip replaces it on the page); a caller comparing the folder's bytes needs it settled.
            if not studio.previews.wait_idle(args.get("timeout", 20.0)):
                return {"error": "the job's last preview was never written"}
            return {"status": job.status, "job_error": job.error, "clip_id": job.clip_id}
        if name == "hold_render":
            self.gate.clear()
        elif name == "release_render":
            self.gate.set()
        elif name == "hold_save":
            self.save_hold.reached.clear()
            self.save_hold.release.clear()
        elif name == "wait_save_held":
            if not self.save_hold.reached.wait(args.get("timeout", 20.0)):
                return {"error": "no clip reached the save hold"}
            return {"partial": str(self.save_hold.partial)}
        elif name == "hold_after_publish":
            self.published.clear()
            self.publish_hold.clear()
        elif name == "wait_published":
            if not self.published.wait(args.get("timeout", 20.0)):
                return {"error": "no clip was published"}
        elif name == "fsize":
            import resource  # POSIX only, like the whole harness (SIGKILL, SIGXFSZ)

            limit = resource.RLIM_INFINITY if args.get("bytes") is None else int(args["bytes"])
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        elif name == "stop":
            self.publish_hold.set()
            self.save_hold.release.set()
            self.gate.set()
            studio.stop()
        else:
            return {"error": f"unknown command {name!r}"}
        return {"ok": True}


def reply(out: TextIO, data: dict[str, Any]) -> None:
    out.write(json.dumps(data) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("home", type=Path)
    parser.add_argument("--step-delay", type=float, default=0.01)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    # A write past RLIMIT_FSIZE then fails with EFBIG instead of killing this process outright.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    child = Child(args.home, args.step_delay)
    child.studio.start()
    reply(sys.stdout, {"ready": True, "notes": child.studio.notes})
    for line in sys.stdin:
        command = json.loads(line)
        name = command.pop("cmd")
        try:
            answer = child.handle(name, command)
        except Exception as err:  # the parent sees every refusal as a reply, never as silence
            answer = {"error": f"{type(err).__name__}: {err}"}
        reply(sys.stdout, answer)
        if name == "stop":
            break
    return 0


# ---- the parent --------------------------------------------------------------------------------------------
class StudioProcess:
    """Starts the child on `home` and waits until its Studio has started (restored state, worker running)."""

    def __init__(self, home: Path, step_delay: float = 0.01) -> None:
        self.home = home
        self.log = home.parent / f"{home.name}-process.log"
        home.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.support.studio_proc", str(home), "--step-delay", str(step_delay)],
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8", bufsize=1,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.ready = self._reply(60.0)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            return dict(json.loads(self._lines.get(timeout=timeout)))
        except queue.Empty:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise AssertionError(f"the studio process gave no answer in {timeout:.0f} s; its log:\n{tail}") from None

    def call(self, cmd: str, timeout: float = REPLY_TIMEOUT_S, **args: Any) -> dict[str, Any]:
        """Send one command and return its answer; an answer carrying an error fails the test."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer = self._reply(timeout)
        assert "error" not in answer, f"{cmd}: {answer['error']}"
        return answer

    def stop(self) -> None:
        """Stop the Studio the normal way (the worker finishes what it holds) and wait for the process."""
        self.call("stop")
        self.proc.wait(30)

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut would; then wait for its encoder (ffmpeg) to notice and exit,
        so a restart never races a stray writer."""
        helpers = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        _gone, alive = psutil.wait_procs(helpers, timeout=10)
        for helper in alive:
            helper.kill()

    def __enter__(self) -> StudioProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc.poll() is None:
            self.kill()
        self._reader.join(10)  # the child is gone: its stdout ends, and the reader with it
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


if __name__ == "__main__":
    sys.exit(main())
