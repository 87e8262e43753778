"""The job queue: ordered, persisted atomically after every change, restored on start."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from backend.engine.base import CancelToken
from backend.errors import BadRequest, NotFound, StudioError
from backend.i18n import Message, say
from backend.jobs.job import ACTIVE, FINISHED, Job, JobKind, Progress, said_error
from backend.request import GenerationRequest
from backend.storage import quarantine, read_json, write_bytes_atomic

logger = logging.getLogger(__name__)
QUEUE_VERSION = 1
MAX_WAITING = 100
"""Jobs waiting at most. Each is a clip of ~15 s to minutes: more is a mistake (a stuck key, a script)."""
HISTORY_LIMIT = 200
"""Finished jobs kept in the queue file (oldest pruned first); their clips stay in the gallery."""


class JobQueue:
    """Jobs in submission order. The worker takes from the front; anyone may add or cancel.

    All state sits behind one Condition so the worker can wait without polling.
    """

    def __init__(self, path: Path, history_limit: int = HISTORY_LIMIT) -> None:
        self._path = path
        self._history_limit = history_limit
        self._cond = threading.Condition()
        self._jobs: dict[str, Job] = {}
        self._tokens: dict[str, CancelToken] = {}
        self._encoded: dict[str, tuple[Job, str]] = {}
        self._closed = False

    # ---- persistence -------------------------------------------------------------------------
    def restore(self, published: Mapping[str, str] | None = None) -> list[str]:
        """Load the saved queue. A job that was running when the process died comes back `done` when its clip
        was already published (`published`: job id → clip id, from the gallery), else `interrupted`;
        unreadable entries are skipped and reported."""
        published = published or {}
        data, note = read_json(self._path)
        notes = [note] if note else []
        entries = data.get("jobs") if isinstance(data, dict) else None
        if data is not None and not isinstance(entries, list):
            kept = quarantine(self._path, "no job list")
            notes.append(say("notes.no_job_list", file=self._path.name, kept=kept.name))
            entries = []
        skipped = interrupted = 0
        with self._cond:
            for entry in entries or []:
                try:
                    job = Job.from_dict(entry)
                except (StudioError, KeyError, TypeError, ValueError) as err:
                    skipped += 1
                    logger.warning("Skipped a stored job: %s", err)
                    continue
                if job.status in ACTIVE and job.id in published:  # killed between publishing and saying so
                    job = job.with_(status="done", clip_id=published[job.id], finished_at=time.time(),
                                    progress=Progress(stage="done", fraction=1.0, updated_at=time.time()))
                    logger.info("Job %s had saved its clip before the app stopped", job.id)
                elif job.status in ACTIVE:
                    job = job.with_(
                        status="interrupted",
                        finished_at=time.time(),
                        error_kind="interrupted",
                        **said_error("job.interrupted"),
                    )
                    logger.info("Job %s was interrupted by a restart", job.id)
                    interrupted += 1
                self._jobs[job.id] = job
            if skipped:  # the file is rewritten below without them: keep the original for the user
                kept = quarantine(self._path, f"{skipped} unreadable job(s)")
                notes.append(say("notes.jobs_skipped", count=skipped, file=self._path.name, kept=kept.name))
            if interrupted:
                notes.append(say("notes.interrupted", count=interrupted))
            self._save_locked()
        return notes

    def _save_locked(self) -> None:
        finished = [j for j in self._jobs.values() if j.status in FINISHED]
        for old in finished[: max(0, len(finished) - self._history_limit)]:
            del self._jobs[old.id]
            self._tokens.pop(old.id, None)
        # Jobs are immutable and replaced on change, so each one's JSON is encoded once, not on every save:
        # with 200 jobs queued, re-encoding all of them under the lock took most of the drain time.
        encoded = []
        for job in self._jobs.values():
            cached = self._encoded.get(job.id)
            if cached is None or cached[0] is not job:
                cached = (job, json.dumps(job.to_dict(), ensure_ascii=False, separators=(",", ":")))
                self._encoded[job.id] = cached
            encoded.append(cached[1])
        for gone in set(self._encoded) - set(self._jobs):
            del self._encoded[gone]
        payload = f'{{"version":{QUEUE_VERSION},"jobs":[\n' + ",\n".join(encoded) + "\n]}\n"
        try:
            write_bytes_atomic(self._path, payload.encode("utf-8"))
        except OSError as err:  # a full disk must not take the queue down; the state stays in memory
            logger.error("Could not save the queue to %s: %s", self._path, err)

    # ---- changes ---------------------------------------------------------------------------------
    def enqueue(self, requests: Iterable[GenerationRequest], kind: JobKind = "clip",
                guest: str | None = None) -> list[Job]:
        jobs = [Job.new(r, kind, guest) for r in requests]
        with self._cond:
            if self._closed:
                raise StudioError(Message.of("queue.closing"))
            waiting = sum(j.status == "queued" for j in self._jobs.values())
            if waiting + len(jobs) > MAX_WAITING:
                raise BadRequest(Message.of("queue.full", waiting=waiting, most=MAX_WAITING),
                                 Message.of("queue.full_hint"))
            for job in jobs:
                self._jobs[job.id] = job
                self._tokens[job.id] = CancelToken()
                logger.info("Job %s queued (%s, seed %d, %dx%dx%d, preset %s)", job.id, job.kind,
                            job.request.seed, job.request.width, job.request.height, job.request.frames,
                            job.request.preset)
            self._save_locked()
            self._cond.notify_all()
        return jobs

    def take_next(self, timeout: float | None = None,
                  wake_if: Callable[[], bool] | None = None) -> tuple[Job, CancelToken] | None:
        """Block until a job is queued and mark it running. None when the queue closes, the timeout
        passes, or (with no job waiting) `wake_if()` is true after a `poke()`: queued jobs come first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._closed:
                    return None
                job = next((j for j in self._jobs.values() if j.status == "queued"), None)
                if job is not None:
                    job = job.with_(status="running", started_at=time.time(),
                                    progress=Progress(stage="loading"))
                    self._jobs[job.id] = job
                    self._save_locked()
                    self._cond.notify_all()
                    return job, self._tokens.setdefault(job.id, CancelToken())
                if wake_if is not None and wake_if():
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def poke(self) -> None:
        """Wake a waiting take_next so that it looks at its wake_if again."""
        with self._cond:
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def update(self, job_id: str, *, persist: bool = True, **changes: Any) -> Job:
        """Replace fields of a job. Progress-only updates pass persist=False."""
        with self._cond:
            job = self._jobs[job_id].with_(**changes)
            self._jobs[job_id] = job
            if persist:
                self._save_locked()
            self._cond.notify_all()
            return job

    def finish(self, job_id: str, **changes: Any) -> Job:
        """Move a job to a final state and drop its cancel token."""
        job = self.update(job_id, finished_at=time.time(), **changes)
        logger.info("Job %s %s%s", job_id, job.status, f": {job.error}" if job.error else "")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job now, or ask a running one to stop at its next check."""
        with self._cond:
            job = self._get_locked(job_id)
            if job.status == "queued":
                job = job.with_(status="cancelled", finished_at=time.time(), error_kind="cancelled",
                                **said_error("job.cancelled_waiting"))
                self._jobs[job_id] = job
                self._save_locked()
                self._cond.notify_all()
                logger.info("Job %s cancelled while queued", job_id)
                return job
            if job.status in ACTIVE:
                self._tokens.setdefault(job_id, CancelToken()).cancel()
                logger.info("Job %s: cancel requested while %s", job_id, job.status)
                return job
            raise BadRequest(Message.of("queue.already", status=Message.of("studio.status." + job.status)))

    def requeue(self, job_id: str) -> Job:
        """Queue a finished job's request again (same seed) as a new job."""
        with self._cond:
            job = self._get_locked(job_id)
            if job.status not in ("failed", "cancelled", "interrupted"):
                raise BadRequest(
                    f"Only failed, cancelled or interrupted jobs can be re-queued; this one is {job.status}."
                )
        return self.enqueue([job.request], job.kind)[0]

    def cancel_all_waiting(self) -> int:
        """Cancel every queued job at once (the running one goes on); returns how many."""
        with self._cond:
            now = time.time()
            waiting = [j for j in self._jobs.values() if j.status == "queued"]
            for job in waiting:
                self._jobs[job.id] = job.with_(status="cancelled", finished_at=now, error_kind="cancelled",
                                               **said_error("job.cancelled_waiting"))
            if waiting:
                self._save_locked()
                self._cond.notify_all()
        logger.info("Cancelled %d waiting job(s)", len(waiting))
        return len(waiting)

    def clear_finished(self) -> int:
        """Drop every finished job from the queue (their clips stay in the gallery); returns how many."""
        with self._cond:
            gone = [j.id for j in self._jobs.values() if j.status in FINISHED]
            for job_id in gone:
                del self._jobs[job_id]
                self._tokens.pop(job_id, None)
            self._save_locked()
            return len(gone)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # ---- reading ---------------------------------------------------------------------------------
    def _get_locked(self, job_id: str) -> Job:
        job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise NotFound(Message.of("queue.no_job", id=repr(str(job_id)[:40])))
        return job

    def get(self, job_id: str) -> Job:
        with self._cond:
            return self._get_locked(job_id)

    def snapshot(self) -> list[Job]:
        with self._cond:
            return list(self._jobs.values())

    def wait_for(self, job_id: str, statuses: tuple[str, ...], timeout: float) -> Job:
        """Block until the job reaches one of `statuses` (for the headless command and tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                job = self._get_locked(job_id)
                if job.status in statuses:
                    return job
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"job {job_id} still {job.status} after {timeout:.0f} s")
                self._cond.wait(remaining)

    def wait_for_change(self, seen: Job, timeout: float) -> Job:
        """The job `seen` once any of its fields changed (progress included), or as it is at `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                job = self._get_locked(seen.id)
                remaining = deadline - time.monotonic()
                if job != seen or remaining <= 0:
                    return job
                self._cond.wait(remaining)
