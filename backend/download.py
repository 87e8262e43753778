"""Downloading a weight set from the Hub: remote file list, free-disk check, resumable byte-range fetches
and checksums (progress in backend/download_progress.py). It writes only inside the chosen folder and never
replaces a file it did not write itself."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
from huggingface_hub import HfApi, constants, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from backend.download_progress import DownloadProgress, DownloadState, DownloadTracker, FileProgress, FileState, gb
from backend.errors import BadRequest, Cancelled, DownloadError
from backend.i18n import Message
from backend.models import (
    FILE_SETS,
    FileFacts,
    FileSet,
    check_files,
    file_matches_checksum,
    read_manifest,
    write_manifest,
)
from backend.weights_folder import check_remote_name, refuse_network_path
from backend.weights_words import set_title, weights_message

__all__ = ["DownloadProgress", "DownloadState", "FileProgress", "FileState", "WeightsDownloader", "gb"]

logger = logging.getLogger(__name__)
M = Message.of

LIST_TIMEOUT_S = 10.0
TIMEOUT = httpx2.Timeout(20.0, connect=10.0)
"""A stalled connection fails after 20 s and is resumed; it also bounds how long a cancel can wait."""
MAX_ATTEMPTS = 6
DISK_RESERVE = 512 << 20
"""Left free beyond the weights, so the download never fills the disk to the last byte."""
PARTIAL_SUFFIX = ".incomplete"


class _Retry(Exception):
    """A transient failure (server busy, body cut short) worth resuming after a pause."""


def free_disk_bytes(root: Path) -> int:
    """Free bytes on the disk that will hold `root` (which may not exist yet)."""
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _unreachable(detail: str | Message) -> DownloadError:
    return DownloadError(M("hub.unreachable", detail=detail), M("hub.unreachable_hint"))


def _hub_error(err: Exception, what: str) -> DownloadError:
    """The Hub's and the network's errors as one sentence plus what to do."""
    if isinstance(err, OfflineModeIsEnabled):
        return _unreachable(M("hub.offline"))
    if isinstance(err, HfHubHTTPError) and err.response is not None:
        code = err.response.status_code
        if code in (401, 403):
            return DownloadError(M("hub.refused", what=what, code=code), M("hub.refused_hint"))
        return DownloadError(M("hub.http", code=code, what=what), M("hub.http_hint"))
    if isinstance(err, _Retry) or not str(err):
        return _unreachable(str(err) or type(err).__name__)
    return _unreachable(f"{type(err).__name__}: {err}")


class WeightsDownloader:
    """Fetches one file set (a weight set, or the preview decoder) on a background thread; the page polls
    `progress()`. One download at a time, whichever set it is."""

    def __init__(self, endpoint: str | None = None, *, disk_free: Callable[[Path], int] = free_disk_bytes,
                 retry_wait: float = 1.0) -> None:
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        self._disk_free = disk_free
        self._retry_wait = retry_wait
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._fetching: FileSet | None = None
        self._tracker = DownloadTracker()

    def start(self, weights_dir: Path, what: str | FileSet, token: str | None = None) -> None:
        """Begin (or resume) downloading a file set (or its name: "fp8", "int8", "taehv") into its place
        under `weights_dir`. Refused while one is running."""
        file_set = what if isinstance(what, FileSet) else FILE_SETS.get(what)
        if file_set is None:
            raise DownloadError(M("download.unknown_set", name=repr(what), names=", ".join(FILE_SETS)))
        root = file_set.root(weights_dir)
        if self._thread is not None and self._thread.is_alive() and self._fetching is not None:
            raise DownloadError(Message.of("download.busy", title=set_title(self._fetching)),
                                Message.of("download.busy_hint"))
        try:
            refuse_network_path(root)
        except BadRequest as err:
            raise DownloadError(*err.parts()) from None
        self._cancel.clear()
        self._tracker = DownloadTracker()
        self._fetching = file_set
        self._tracker.set("checking", Message.of("download.checking_set", title=set_title(file_set)))
        self._thread = threading.Thread(target=self._run, args=(root, file_set, token or None),
                                        name="weights-download", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop at the next chunk; partial files stay on disk so the next start resumes them."""
        if self._thread is not None and self._thread.is_alive():
            self._cancel.set()
            with self._tracker.lock:
                self._tracker.said = Message.of("download.cancelling")
                self._tracker.message = self._tracker.said.text()

    def progress(self) -> DownloadProgress:
        return self._tracker.snapshot()

    def wait(self, timeout: float | None = None) -> DownloadProgress:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.progress()

    # ---- the download thread ------------------------------------------------------------------------
    def _run(self, root: Path, file_set: FileSet, token: str | None) -> None:
        started = time.monotonic()
        try:
            self._download(root, file_set, token)
        except Cancelled:
            with self._tracker.lock:
                for entry in self._tracker.files.values():
                    entry[2] = "pending" if entry[2] in ("downloading", "verifying") else entry[2]
            self._tracker.set("cancelled", Message.of("download.cancelled_kept"))
        except DownloadError as err:
            self._tracker.set("failed", err.said() or err.user_text())
        except OfflineModeIsEnabled as err:
            self._tracker.set("failed", _hub_error(err, file_set.repo_id).said() or "")
        except OSError as err:
            self._tracker.set("failed", Message.of("download.write_failed", folder=str(root), error=str(err)))
        except Exception as err:  # the thread must always end in a state the page can show
            logger.exception("Weights download crashed")
            self._tracker.set("failed", Message.of("download.crashed", error=str(err)))
        else:
            took = time.monotonic() - started
            took_text = f"{took:.1f} s" if took < 60 else f"{took / 60:.0f} min"
            self._tracker.set("done", Message.of("download.finished", summary=weights_message(check_files(
                root, file_set)), size=gb(self._tracker.net_bytes), time=took_text))

    def _list_remote(self, repo_id: str, token: str | None) -> tuple[str, dict[str, FileFacts]]:
        if constants.is_offline_mode() or os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE"):
            raise _unreachable(M("hub.offline"))
        try:
            info = HfApi(endpoint=self.endpoint, token=token).model_info(repo_id, files_metadata=True,
                                                                         timeout=LIST_TIMEOUT_S)
        except (HfHubHTTPError, httpx2.HTTPError, OfflineModeIsEnabled) as err:
            raise _hub_error(err, repo_id) from err
        files = {s.rfilename: FileFacts(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None,
                                        None if s.lfs else s.blob_id)
                 for s in info.siblings or [] if s.size is not None}
        return info.sha or "main", files

    def _download(self, root: Path, file_set: FileSet, token: str | None) -> None:
        revision, remote = self._list_remote(file_set.repo_id, token)
        wanted = list(file_set.files)
        absent = [p for p in wanted if p not in remote]
        if absent:
            shown = ", ".join(absent[:5]) + (" …" if len(absent) > 5 else "")
            raise DownloadError(M("download.absent", repo=file_set.repo_id, count=len(absent),
                                  title=set_title(file_set), files=shown),
                                M("download.absent_hint"))
        wanted += sorted(p for p in remote
                         if p not in wanted and p.startswith(tuple(f"{d}/" for d in file_set.whole_folders)))
        for name in wanted:  # every name checked before the first byte is written
            try:
                check_remote_name(name)
            except BadRequest as err:
                raise DownloadError(*err.parts()) from None
        todo = self._plan(root, revision, [remote[p] for p in wanted], file_set.repo_id)
        needed = sum(f.size - self._tracker.files[f.path][0] for f in todo)
        free = self._disk_free(root)
        if free < needed + DISK_RESERVE:
            raise DownloadError(M("download.no_space", folder=str(root), title=set_title(file_set),
                                  needed=gb(needed + DISK_RESERVE), weights=gb(needed), spare=gb(DISK_RESERVE),
                                  free=gb(free)), M("download.no_space_hint"))
        headers = {**build_hf_headers(token=token), "Accept-Encoding": "identity"}
        self._tracker.set("downloading", Message.of("download.fetching", count=len(todo), size=gb(needed),
                                                    title=set_title(file_set), folder=str(root)))
        for facts in todo:
            url = hf_hub_url(file_set.repo_id, facts.path, revision=revision, endpoint=self.endpoint)
            self._fetch(url, root / facts.path, facts, headers)
            write_manifest(root, revision, [facts], file_set.repo_id)
        self._tracker.set("verifying", Message.of("download.verifying_all"))
        report = check_files(root, file_set)
        if not report.complete:
            raise DownloadError(weights_message(report))

    def _plan(self, root: Path, revision: str, files: list[FileFacts], repo_id: str) -> list[FileFacts]:
        """Which files still need bytes. A file already there counts only if the manifest vouches for it
        or its checksum matches; a partial file keeps its bytes for resume."""
        manifest = read_manifest(root)
        with self._tracker.lock:
            self._tracker.files = {f.path: [0, f.size, "pending"] for f in files}
        todo, vouched = [], []
        for f in files:
            self._check_cancel()
            dest = root / f.path
            if dest.is_file() and dest.stat().st_size == f.size:
                if manifest.get(f.path) == f:
                    self._tracker.file(f.path, f.size, "present")
                    continue
                self._tracker.file(f.path, state="verifying")
                if file_matches_checksum(dest, f, self._on_hash_chunk) is not False:
                    self._tracker.file(f.path, f.size, "present")
                    vouched.append(f)
                    continue
            if (dest.exists() or dest.is_symlink()) and f.path not in manifest:
                raise DownloadError(M("download.foreign_file", path=str(dest)), M("download.foreign_file_hint"))
            part = dest.with_name(dest.name + PARTIAL_SUFFIX)
            kept = part.stat().st_size if part.is_file() else 0
            self._tracker.file(f.path, kept if kept <= f.size else 0, "pending")
            todo.append(f)
        if vouched:
            write_manifest(root, revision, vouched, repo_id)
        return todo

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def _on_hash_chunk(self, n: int) -> None:
        self._check_cancel()

    def _fetch(self, url: str, dest: Path, facts: FileFacts, headers: dict[str, str]) -> None:
        """Stream one file into `<dest>.incomplete`, resuming from the bytes already there; retried with
        back-off on network errors; renamed into place only once size and checksum are right."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + PARTIAL_SUFFIX)
        self._tracker.file(facts.path, state="downloading")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._check_cancel()
            offset = part.stat().st_size if part.is_file() else 0
            if offset > facts.size:  # not a prefix of this file: start over
                part.unlink()
                offset = 0
            self._tracker.file(facts.path, offset)
            try:
                offset = self._stream(url, part, facts, headers, offset)
                break
            except (httpx2.TransportError, _Retry) as err:
                if attempt == MAX_ATTEMPTS:
                    self._tracker.file(facts.path, state="failed")
                    raise _hub_error(err, facts.path) from err
                wait = self._retry_wait * 2 ** (attempt - 1)
                logger.warning("Download of %s interrupted (%s); resuming in %.1f s", facts.path, err, wait)
                if self._cancel.wait(wait):
                    raise Cancelled() from err
        self._tracker.file(facts.path, offset, "verifying")
        if file_matches_checksum(part, facts, self._on_hash_chunk) is False:
            part.unlink()
            self._tracker.file(facts.path, 0, "failed")
            raise DownloadError(M("download.damaged", path=facts.path), M("download.damaged_hint"))
        os.replace(part, dest)
        self._tracker.file(facts.path, facts.size, "done")
        logger.info("Downloaded %s (%s)", facts.path, gb(facts.size))

    def _stream(self, url: str, part: Path, facts: FileFacts, headers: dict[str, str], offset: int) -> int:
        if offset == facts.size:
            return offset
        ranged = {**headers, "Range": f"bytes={offset}-"} if offset else headers
        with get_session().stream("GET", url, headers=ranged, timeout=TIMEOUT) as response:
            if response.status_code in (408, 429) or response.status_code >= 500:
                raise _Retry(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                response.read()
                try:
                    hf_raise_for_status(response)
                except HfHubHTTPError as err:
                    self._tracker.file(facts.path, state="failed")
                    raise _hub_error(err, facts.path) from err
            if offset and response.status_code != 206:  # the server ignored the range: start the file over
                offset = 0
                self._tracker.file(facts.path, 0)
            with part.open("ab" if offset else "wb") as fh:
                for chunk in response.iter_bytes():
                    self._check_cancel()
                    fh.write(chunk)
                    offset += len(chunk)
                    self._tracker.add(facts.path, len(chunk))
        if offset != facts.size:
            raise _Retry(f"the connection ended at {offset:,} of {facts.size:,} bytes")
        return offset
