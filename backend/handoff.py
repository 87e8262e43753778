"""Handing `app.py generate`'s job to the page that owns the data folder: the protocol both sides share and
the command's side of it (plain HTTP on this computer, the owner key in a header).

The page's side is ui/handoff.py. Only the owner can hand a job over: the key is the owner's secret
(backend/owner_key.py, the same one the page's owner link carries), which only the user who runs the studio
can read, and the page accepts it only from this computer.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from backend.data_lock import OwnerRecord
from backend.errors import StudioError
from backend.jobs.job import Job

JOBS_PATH = "/studio-local/jobs"
KEY_HEADER = "X-Wan-Studio-Owner"
TIMEOUT_S = 10.0
POLL_S = 0.2
FIELDS = ("prompt", "negative_prompt", "width", "height", "frames", "seed", "preset", "lora")
"""What the command sends: its request options, exactly as typed (the page validates them)."""


class HandoffFailed(StudioError):
    kind = "handoff"


def local_base(record: OwnerRecord) -> str:
    """The owner's page on this computer's loopback address, whatever interface it also listens on."""
    url = urllib.parse.urlsplit(record.url or "")
    return f"http://127.0.0.1:{url.port or 80}"


class RemoteJobs:
    """The running page's queue, reached from `app.py generate` (a JobSource for backend.headless)."""

    def __init__(self, record: OwnerRecord, key: str) -> None:
        self._base = local_base(record) + JOBS_PATH
        self._key = key
        self._clip_paths: dict[str, Path] = {}

    def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={KEY_HEADER: self._key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                return dict(json.loads(resp.read().decode("utf-8")))
        except urllib.error.HTTPError as err:
            try:
                said = json.loads(err.read().decode("utf-8", "replace")).get("error")
            except (ValueError, AttributeError, OSError):
                said = None
            raise HandoffFailed(said or f"The running studio refused the job (HTTP {err.code}).") from None
        except (OSError, ValueError) as err:
            raise HandoffFailed(f"The running studio stopped answering ({err}).",
                                "Its queue still has the job; look at its page.") from None

    def submit(self, args: argparse.Namespace) -> Job:
        """The page checks the arguments exactly as the command would, then queues the job."""
        body = {name: getattr(args, name, None) for name in FIELDS}
        body["lora"] = [str(value) for value in body["lora"] or ()]  # FILE[:STRENGTH], read by the page
        return Job.from_dict(self._call("POST", self._base, body)["job"])

    def wait_for_change(self, job: Job, timeout: float) -> Job:
        """Polled: the job as the page has it now, after a short pause when nothing changed."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self._call("GET", f"{self._base}/{urllib.parse.quote(job.id)}")
            if answer.get("clip_path"):
                self._clip_paths[job.id] = Path(answer["clip_path"])
            current = Job.from_dict(answer["job"])
            if current != job or time.monotonic() >= deadline:
                return current
            time.sleep(POLL_S)

    def clip_path(self, job: Job) -> Path:
        return self._clip_paths[job.id]

    def keep_previews_in(self, folder: Path) -> None:
        raise HandoffFailed("--preview-dir needs the data folder to itself, and the running studio owns it.",
                            "Leave it out (the page shows each step's preview), or run this when the studio has "
                            "stopped.")

    def previews_kept(self, job_id: str) -> list[Path]:
        return []
