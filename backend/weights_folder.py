"""Which folders may hold the weights, and which remote file names may be written into one.

A folder on another computer is refused (on Windows, opening `\\\\host\\share` signs in to that host with
the user's account); a folder that already holds files we did not put there needs the owner's explicit
confirmation; a remote name that would land outside the folder is refused before anything is written.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath

from backend.errors import BadRequest
from backend.i18n import Message
from backend.models import MANIFEST_FILE

DRIVE_REMOTE = 4
"""GetDriveTypeW's answer for a mapped network drive."""


class FolderNeedsConfirmation(BadRequest):
    """The folder has files of its own and no manifest of ours: use it only if the owner says so."""

    kind = "needs_confirmation"


def windows_drive_type(drive: str) -> int:
    """GetDriveTypeW for a drive such as 'Z:\\' (0 when it cannot be asked: not Windows)."""
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return 0
    return int(windll.kernel32.GetDriveTypeW(drive))


def is_network_path(text: str, windows: bool | None = None,
                    drive_type: Callable[[str], int] = windows_drive_type) -> bool:
    """A UNC path (\\\\host\\share, //host/share, \\\\?\\UNC\\…) or, on Windows, a mapped network drive."""
    raw = text.strip()
    if raw.startswith(("\\\\", "//")):
        return True
    windows = os.name == "nt" if windows is None else windows
    if not windows:
        return False
    drive = PureWindowsPath(raw).drive
    if drive.startswith("\\\\"):
        return True
    return len(drive) == 2 and drive[1] == ":" and drive_type(drive + "\\") == DRIVE_REMOTE


def refuse_network_path(folder: Path | str, windows: bool | None = None,
                        drive_type: Callable[[str], int] = windows_drive_type) -> None:
    if is_network_path(str(folder), windows, drive_type):
        raise BadRequest(Message.of("folder.remote", folder=str(folder)), Message.of("folder.remote_hint"))


def has_foreign_files(folder: Path) -> bool:
    """Whether the folder holds anything and no manifest of ours (a folder we never downloaded into)."""
    if (folder / MANIFEST_FILE).is_file():
        return False
    return any(True for _ in folder.iterdir())


def check_weights_folder(text: str | None, confirmed: bool = False, windows: bool | None = None,
                         drive_type: Callable[[str], int] = windows_drive_type) -> Path:
    """The folder the owner typed, if it may hold the weights; else BadRequest saying why and what to do."""
    raw = (text or "").strip()
    if not raw:
        raise BadRequest(Message.of("models.type_path"))
    refuse_network_path(raw, windows, drive_type)
    folder = Path(raw).expanduser()
    # '..' is refused rather than resolved: a folder is named plainly, never by climbing out of another.
    if not folder.is_absolute() or ".." in folder.parts:
        raise BadRequest(Message.of("folder.climbs", raw=str(raw)))
    if not folder.is_dir():
        raise BadRequest(Message.of("folders.missing", folder=str(folder)), Message.of("folder.missing_hint"))
    if not confirmed and has_foreign_files(folder):
        raise FolderNeedsConfirmation(Message.of("folder.foreign", folder=str(folder)),
                                      Message.of("folder.foreign_hint"))
    return folder


def check_remote_name(name: str) -> str:
    """A repository file name that stays inside the weights folder on every system, or BadRequest."""
    text = str(name)
    windows = PureWindowsPath(text)
    posix = PurePosixPath(text)
    bad = (not text or "\\" in text or ":" in text or "\0" in text or posix.is_absolute() or windows.drive
           or windows.root or any(part in ("", ".", "..") for part in text.split("/")))
    if bad:
        raise BadRequest(f"The Hub lists a file named {text[:120]!r}, which would be written outside the weights "
                         "folder; nothing was downloaded.", "Report this; do not use this repository.")
    return text
