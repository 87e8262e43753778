"""The README's Reliability section reports what the fault tests do; its numbers must be the tests' own counts."""

from __future__ import annotations

from pathlib import Path

from tests import (
    test_encodings,
    test_faults_cancel,
    test_faults_crash,
    test_faults_disk,
    test_faults_input,
    test_faults_load,
    test_faults_oom,
    test_faults_power,
    test_faults_state,
    test_one_owner,
)

README = Path(__file__).resolve().parent.parent / "README.md"
HOSTILE = (len(test_faults_input.BAD_FORM) + len(test_faults_input.ODD_PROMPTS) + len(test_faults_input.BAD_SUBMIT)
           + len(test_faults_input.TRAVERSALS) * (len(test_faults_input.TRAVERSAL_ROUTES) + 1))
CANCELS = (len(test_faults_cancel.CANCEL_POINTS) * test_faults_cancel.CANCELS_PER_POINT
           + test_faults_cancel.STORM_TABS * test_faults_cancel.STORM_CANCELS_PER_TAB)
ROWS = {
    "process killed (SIGKILL) while rendering, while saving": len(test_faults_crash.CRASH_POINTS),
    "process killed (SIGKILL) right after a clip was published": len(test_faults_power.PUBLISH_KILLS),
    "power cut: a clip cut short (2 ways), temporary files of 4 saves left behind":
        len(test_faults_power.CUT_AT) + len(test_faults_power.LEFTOVERS),
    "a file held by another program during a rename (Windows antivirus, simulated)":
        len(test_faults_power.HELD_RENAMES),
    "one data folder, real processes: a second launch (2 ways), `app.py generate` beside the page (3 consoles), "
    "a folder held by a silent process (2 commands)":
        len(test_one_owner.SECOND_LAUNCHES) + len(test_one_owner.PROMPTS) + len(test_one_owner.SILENT_COMMANDS),
    "German, Japanese and Russian text through cp1252, cp437 and ASCII consoles, and a non-UTF-8 locale":
        len(test_encodings.CONSOLE_ENCODINGS) + len(test_encodings.REAL_CONSOLES),
    "save fails: full tmpfs, file size cap (EFBIG), clips folder replaced by a file": len(test_faults_disk.DISK_FAULTS),
    "out of VRAM: on the chosen preset, then on the one below too": len(test_faults_oom.OOM_FAULTS),
    "cancel requests: at 5 stages (loading … saving), twice, after the end; a 3-tab storm": CANCELS,
    "damaged files at start: queue, sidecar, settings": len(test_faults_state.CORRUPTIONS),
    "hostile inputs: page form, odd prompts, backend values, path traversal on 7 routes": HOSTILE,
    "load: jobs queued at once from 3 page sessions, twice as many as may wait": test_faults_load.LOAD_JOBS,
}
"""Row label → how many the tests inject (counted from their parametrize lists and constants)."""


def test_readme_reports_the_counts_the_tests_make() -> None:
    text = README.read_text(encoding="utf-8")
    assert "\n## Reliability\n" in text
    section = text.split("\n## Reliability\n", 1)[1].split("\n## ", 1)[0]
    expected = "\n".join(f"| {label} | {count} |" for label, count in ROWS.items())
    rows = "\n".join(line[: line.rfind("|", 0, len(line) - 1) + 1] for line in section.splitlines()
                     if line.startswith("| ") and line.split("|")[2].strip().isdigit())
    assert rows == expected, f"README rows should start:\n{expected}"
    assert "Jobs lost: 0" in section and "bash tests/run.sh -k faults" in section
