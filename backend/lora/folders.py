"""The LoRA folders: what is in them, checking a choice at submit, and the factors a job needs.

Files are looked up by name inside the folders only (never by a path from a request). Parsed
factors stay in memory for the LoRAs last used, so a strength change reads no file.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.errors import LoraError
from backend.i18n import Message
from backend.lora import parse
from backend.lora.files import SUFFIX, sha256_16
from backend.lora.merge import LoraPart, LoraSet
from backend.lora.parse import WAN21_14B, DitLayout, LoraFactors, LoraReport
from backend.request import MAX_LORAS, LoraUse

M = Message.of

logger = logging.getLogger(__name__)
FileKey = tuple[str, int, int]  # (path, size, mtime_ns): a changed file is a new entry


@dataclass(frozen=True)
class LoraEntry:
    """One file in a LoRA folder, as the page lists it; `problem` says why it cannot be used."""

    name: str
    folder: Path
    size_bytes: int
    report: LoraReport | None = None
    problem: str | None = None

    @property
    def path(self) -> Path:
        return self.folder / self.name


def _file_key(path: Path) -> FileKey:
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns


class LoraLibrary:
    """The LoRA folders of one Studio. Thread-safe: the page lists while the worker loads."""

    def __init__(self, folders: Callable[[], list[Path]], layout: DitLayout = WAN21_14B) -> None:
        self._folders = folders
        self.layout = layout
        self._lock = threading.Lock()
        self._reports: dict[FileKey, LoraReport | str] = {}
        self._hashes: dict[FileKey, str] = {}
        self._factors: OrderedDict[tuple[FileKey, str], LoraFactors] = OrderedDict()
        self._session: list[Path] = []

    def folders(self) -> list[Path]:
        """The folders searched, in order: the command line's, the data folder's own, the owner's."""
        seen: list[Path] = []
        for folder in [*self._session, *self._folders()]:
            if folder not in seen:
                seen.append(folder)
        return seen

    def add_session_folder(self, folder: Path) -> None:
        """Search one more folder first, for this process only (the command line's `--lora PATH`)."""
        self._session.append(folder)

    # ---- listing ---------------------------------------------------------------------------------
    def entries(self) -> list[LoraEntry]:
        """Every .safetensors file of the folders, with its report (cached per file version)."""
        out: list[LoraEntry] = []
        names: set[str] = set()
        for folder in self.folders():
            try:
                files = sorted(p for p in folder.iterdir() if p.suffix.lower() == SUFFIX and p.is_file())
            except OSError:
                continue
            for path in files:
                if path.name in names:
                    continue  # the first folder wins, as `find` does
                names.add(path.name)
                out.append(self._entry(path))
        return out

    def _entry(self, path: Path) -> LoraEntry:
        try:
            key = _file_key(path)
        except OSError as err:
            return LoraEntry(path.name, path.parent, 0, problem=str(err))
        with self._lock:
            cached = self._reports.get(key)
        if cached is None:
            try:
                cached = parse.inspect(path, self.layout)
            except LoraError as err:
                cached = err.user_text()
            with self._lock:
                self._reports[key] = cached
        if isinstance(cached, str):
            return LoraEntry(path.name, path.parent, key[1], problem=cached)
        return LoraEntry(path.name, path.parent, key[1], report=cached)

    def find(self, name: str) -> Path:
        """The file of that name in the first folder that has it; LoraError when none has."""
        for folder in self.folders():
            path = folder / name
            if path.parent == folder and path.is_file():
                return path
        raise LoraError(M("lora.not_in_folders", name=name), M("lora.not_in_folders_hint"))

    # ---- checking a choice (submit) ---------------------------------------------------------------
    def check(self, use: LoraUse) -> tuple[LoraUse, LoraReport]:
        """Check a chosen LoRA before it is queued: the use with its sha256 filled in, and its report."""
        path = self.find(use.name)
        report = parse.inspect(path, self.layout)
        sha = self._sha(path)
        if use.sha256_16 and use.sha256_16 != sha:
            raise LoraError(M("lora.other_file", name=use.name, sha=sha, recorded=use.sha256_16),
                            M("lora.other_file_hint"))
        return LoraUse(use.name, sha, use.strength), report

    def _sha(self, path: Path) -> str:
        key = _file_key(path)
        with self._lock:
            known = self._hashes.get(key)
        if known is None:
            known = sha256_16(path)
            with self._lock:
                self._hashes[key] = known
        return known

    # ---- a job's branch (worker) -----------------------------------------------------------------
    def prepare(self, uses: tuple[LoraUse, ...]) -> LoraSet:
        """The merged side branch for a job's LoRAs. Factors already in memory are reused (strength
        changes read nothing); a file changed since submit is refused by its sha256."""
        parts: list[LoraPart] = []
        for use in uses:
            path = self.find(use.name)
            key = _file_key(path)
            with self._lock:
                factors = self._factors.get((key, use.sha256_16))
                if factors is not None:
                    self._factors.move_to_end((key, use.sha256_16))
            if factors is None:
                sha = self._sha(path)
                if use.sha256_16 and sha != use.sha256_16:
                    raise LoraError(M("lora.changed", name=use.name, sha=sha, queued=use.sha256_16),
                                    M("lora.changed_hint"))
                factors = parse.load(path, self.layout)
                logger.info("LoRA %s read: %s, rank %d", use.name, factors.report.summary(), factors.report.rank)
                with self._lock:
                    self._factors[(key, use.sha256_16)] = factors
                    while len(self._factors) > MAX_LORAS:  # only the last job's LoRAs stay in RAM
                        self._factors.popitem(last=False)
            parts.append(LoraPart(use, factors))
        return LoraSet(parts, self.layout)
