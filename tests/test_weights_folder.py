"""The weights folder's rules: network folders refused (Windows simulated), a folder with files of its own
needs confirmation, and a remote file name that would land outside the folder stops the download."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.errors import BadRequest
from backend.models import MANIFEST_FILE
from backend.weights_folder import (
    DRIVE_REMOTE,
    FolderNeedsConfirmation,
    check_remote_name,
    check_weights_folder,
    is_network_path,
)


@pytest.mark.parametrize("text", ["\\\\nas\\models", "//nas/models", "\\\\?\\UNC\\nas\\models", "  \\\\nas\\x  "])
def test_unc_paths_are_refused_everywhere(text: str) -> None:
    for windows in (True, False):
        assert is_network_path(text, windows=windows)
        with pytest.raises(BadRequest, match="on another computer"):
            check_weights_folder(text, confirmed=True, windows=windows)


def test_a_mapped_network_drive_is_refused_on_windows() -> None:
    asked: list[str] = []

    def drive_type(drive: str) -> int:
        asked.append(drive)
        return DRIVE_REMOTE if drive.upper() == "Z:\\" else 3  # 3: a fixed local disk

    assert is_network_path("Z:\\models", windows=True, drive_type=drive_type)
    assert not is_network_path("C:\\models", windows=True, drive_type=drive_type)
    assert asked == ["Z:\\", "C:\\"]
    assert not is_network_path("/mnt/z/models", windows=False, drive_type=drive_type)


def test_a_folder_with_other_files_needs_confirmation(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_weights_folder(str(empty)) == empty
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text("{}")
    with pytest.raises(FolderNeedsConfirmation, match="not made by Wan Studio"):
        check_weights_folder(str(project))
    assert check_weights_folder(str(project), confirmed=True) == project
    (project / MANIFEST_FILE).write_text("{}")  # a folder we downloaded into before
    assert check_weights_folder(str(project)) == project
    for bad in ("", "relative/dir", str(tmp_path / "a" / ".." / "b"), str(tmp_path / "missing")):
        with pytest.raises(BadRequest):
            check_weights_folder(bad, confirmed=True)


@pytest.mark.parametrize("name", ["google/umt5-xxl/../../x", "../x", "/etc/passwd", "C:/Windows/x", "C:x",
                                  "google\\..\\x", "a//b", "./a", "a/./b", "", "a/b\0c", "file.txt:stream"])
def test_remote_names_that_leave_the_folder_are_refused(name: str) -> None:
    with pytest.raises(BadRequest, match="outside the weights folder"):
        check_remote_name(name)


@pytest.mark.parametrize("name", ["config.json", "google/umt5-xxl/spiece.model", "distill_fp8/block_0.safetensors"])
def test_ordinary_remote_names_pass(name: str) -> None:
    assert check_remote_name(name) == name
