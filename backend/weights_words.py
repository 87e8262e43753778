"""A weights check's outcome as the catalog's message: WeightsReport.summary()'s facts, in any language
(the doctor's Weights line, the console's `weights verify`, the download's last line)."""

from __future__ import annotations

from pathlib import Path

from backend.i18n import Message, data_size, seconds
from backend.models import FILE_SETS, WEIGHT_SETS, FileSet, WeightsReport, read_manifest

M = Message.of
VERIFY_BYTES_PER_S = 250e6
"""About how fast a checksum check reads (a SATA SSD, or SHA-256 without CPU help): a 23 MB decoder in a
second, a 20 GB weight set in about a minute and a half."""


def set_title(file_set: FileSet) -> Message:
    """What a sentence calls a file set: "the FP8 set", "the TAEHV preview decoder"."""
    if file_set.name in WEIGHT_SETS:
        return M("files.weight_set", name=file_set.name.upper())
    return M("files.preview_decoder")


def _one_file(report: WeightsReport, file_set: FileSet) -> Message:
    title, folder = set_title(file_set), str(report.root)
    if report.complete:
        return M("files.one.verified" if report.verified else "files.one.present", title=title, folder=folder)
    if report.missing:
        return M("files.one.missing", title=title, file=report.missing[0], folder=folder)
    return M("files.one.damaged", title=title, problem=report.problems[0])


def weights_message(report: WeightsReport) -> Message:
    """WeightsReport.summary() as the catalog's message: the same facts, in any language."""
    file_set = FILE_SETS.get(report.weight_set)
    if report.checked == 1 and file_set is not None:  # a one-file set (the preview decoder) is named, not counted
        return _one_file(report, file_set)
    values: dict[str, str | int] = {"set": report.weight_set.upper(), "folder": str(report.root),
                                    "checked": report.checked}
    if report.complete:
        return M("cli.weights_verified" if report.verified else "cli.weights_ok", **values)
    if report.nothing_there:
        return M("weights.not_downloaded", **values)
    parts: list[Message] = []
    if report.missing:
        more = len(report.missing) - 3
        shown = ", ".join(report.missing[:3])
        files = M("weights.files_more", files=shown, more=more) if more > 0 else shown
        parts.append(M("weights.missing", count=len(report.missing), files=files, **values))
    if report.problems:
        head = "; ".join(report.problems[:2])
        damaged = M("weights.files_more", files=head, more=len(report.problems) - 2) if len(report.problems) > 2 \
            else head
        parts.append(M("weights.damaged", count=len(report.problems), files=damaged))
    found: Message | str = parts[0] if len(parts) == 1 else M("doctor.both", first=parts[0], second=parts[1])
    return M("weights.incomplete", found=found)


def verify_notice(file_set: FileSet, weights_dir: Path) -> Message:
    """What a checksum check says before it reads every byte: the set, its size on disk and about how long."""
    root = file_set.root(weights_dir)
    files = {*file_set.files, *(p for p in read_manifest(root) if p.startswith(tuple(f"{d}/" for d in
                                                                                     file_set.whole_folders)))}
    size = 0
    for rel in files:
        try:
            size += (root / rel).stat().st_size
        except OSError:  # missing or unreadable: the check names it
            continue
    if size == 0:
        return M("cli.verify_nothing", title=set_title(file_set))
    return M("cli.verify_start", title=set_title(file_set), size=data_size(size),
             time=seconds(max(1.0, size / VERIFY_BYTES_PER_S)))
