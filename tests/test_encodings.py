"""Text in any language survives any machine's encodings: mp4 tags are read as UTF-8 whatever the code page,
ffmpeg's bytes in another code page never raise, an unreadable clip is set aside and never stops start-up,
and the command's console output survives cp1252, cp437 and ASCII consoles (replaced, never a traceback)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import app
import backend.gallery
from backend.settings import Paths
from backend.studio import Studio
from backend.video import _tail, parse_comment
from tests.conftest import SMALL, FakeGpu
from tests.support.app_proc import ROOT
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_gallery_whole

PROMPTS = ["Ein Fuchs läuft über die Straße, Größe egal", "雪の中を走る赤い狐", "Рыжая лиса бежит по снегу"]
NON_UTF8_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
"""A child Python whose locale encoding is not UTF-8 (ASCII here; cp1252 on a Western Windows machine)."""
CONSOLE_ENCODINGS = ("cp1252", "cp437", "ascii")
"""Consoles the command writes to in this process (Western and DOS Windows code pages, a plain ASCII file)."""
REAL_CONSOLES = ({"PYTHONIOENCODING": "cp1252"}, {"PYTHONIOENCODING": "cp437"}, NON_UTF8_LOCALE)
"""Consoles of the real command, in a process of its own."""


def started(paths: Paths, engine: CpuTestEngine | None = None) -> Studio:
    studio = Studio(paths, engine or CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    return studio


def make_clips(paths: Paths) -> list[str]:
    studio = started(paths)
    try:
        jobs = [studio.submit(p, seed=i + 1, **SMALL)[0] for i, p in enumerate(PROMPTS)]
        return [studio.queue.wait_for(j.id, ("done",), 60).clip_id or "" for j in jobs]
    finally:
        studio.stop()


def test_lost_sidecars_come_back_from_the_mp4_exactly_on_a_machine_whose_code_page_is_not_utf8(paths: Paths) -> None:
    clip_ids = make_clips(paths)
    for clip_id in clip_ids:
        (paths.clips_dir / f"{clip_id}.json").unlink()
    script = ("import json, sys; from pathlib import Path; from backend.gallery import Gallery; "
              "g = Gallery(Path(sys.argv[1])); notes = g.rebuild(); "
              "print(json.dumps({'notes': notes, 'prompts': {c.id: c.request.prompt for c in g.list()}}))")
    done = subprocess.run([sys.executable, "-c", script, str(paths.clips_dir)], cwd=ROOT, capture_output=True,
                          timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                         **NON_UTF8_LOCALE})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    answer = json.loads(done.stdout)
    assert answer["notes"] == [] and answer["prompts"] == dict(zip(clip_ids, PROMPTS, strict=True))
    for clip_id, prompt in zip(clip_ids, PROMPTS, strict=True):  # and the restored sidecars are UTF-8, for good
        restored = json.loads((paths.clips_dir / f"{clip_id}.json").read_text(encoding="utf-8"))
        assert restored["request"]["prompt"] == prompt


def test_ffmpeg_bytes_in_another_code_page_never_raise() -> None:
    ours = {"request": {"prompt": PROMPTS[1]}, "seed": 3}
    tag = json.dumps(ours, ensure_ascii=False).replace("\\", "\\\\").replace("=", "\\=").replace(";", "\\;")
    assert parse_comment(f";FFMETADATA1\ncomment={tag}\nencoder=Lavf\n".encode()) == ours
    foreign = b';FFMETADATA1\ncomment={"request": {"prompt": "Caf\xe9 cr\xe8me"}}\n'  # another tool, cp1252
    assert parse_comment(foreign) == {"request": {"prompt": "Caf\ufffd cr\ufffdme"}}
    assert parse_comment(b";FFMETADATA1\ncomment=Fr\xfchling im Garten\n") is None  # not ours, not JSON
    with tempfile.TemporaryFile() as stderr:  # ffmpeg on Windows names a path in the console's code page
        stderr.write("Datei C:\\Users\\Jürgen\\Videos nicht gefunden: No space left on device\n".encode("cp1252"))
        assert _tail(stderr) == "Datei C:\\Users\\J\ufffdrgen\\Videos nicht gefunden: No space left on device"


def test_a_clip_that_cannot_be_read_is_set_aside_and_start_goes_on(paths: Paths, monkeypatch) -> None:
    bad, *good = make_clips(paths)
    (paths.clips_dir / f"{bad}.json").unlink()
    real = backend.gallery.read_comment

    def read_comment(path: Path):
        if path.stem == bad:
            raise UnicodeDecodeError("cp1252", b"\x81", 0, 1, "character maps to <undefined>")
        return real(path)

    monkeypatch.setattr(backend.gallery, "read_comment", read_comment)
    studio = started(paths)  # must not raise
    try:
        assert sorted(c.id for c in studio.clips()) == sorted(good)
        assert any(bad in n and "could not be read" in n for n in studio.notes)
        assert any(p.name.startswith(f"{bad}.mp4.bad-") for p in paths.clips_dir.iterdir())
        assert_gallery_whole(studio)
    finally:
        studio.stop()


@pytest.mark.parametrize("encoding", CONSOLE_ENCODINGS)
def test_generate_console_output_survives_any_console_encoding(paths: Paths, tmp_path: Path, encoding: str) -> None:
    studio = started(paths, CpuTestEngine(step_delay=0.05))
    raw = io.BytesIO()
    console = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")  # a console that raises
    try:
        for i, prompt in enumerate(PROMPTS):
            out = tmp_path / f"{prompt[:6]}-{i}.mp4"
            args = app.parse_args(["generate", "--prompt", prompt, "--seed", str(i), "--width", "256", "--height",
                                   "256", "--frames", "5", "--out", str(out)])
            assert app.run_generate(studio, args, console) == 0
            assert out.exists()
        bad = app.parse_args(["generate", "--prompt", PROMPTS[2], "--preset", "Größe"])
        assert app.run_generate(studio, bad, console) == 1
    finally:
        studio.stop()
    console.flush()
    text = raw.getvalue().decode(encoding)
    assert text.count("saved ") == len(PROMPTS) and "100%" in text and "Traceback" not in text
    assert "error: " in text.splitlines()[-1] and "?" in text  # what the console cannot show is replaced
    assert [j.request.prompt for j in studio.jobs()] == PROMPTS  # the text itself is intact


@pytest.mark.slow
def test_the_real_command_on_a_cp1252_console_prints_and_never_raises(tmp_path: Path) -> None:
    home = tmp_path / "Größe-日本-Русский"
    for env in REAL_CONSOLES:
        done = subprocess.run([sys.executable, "app.py", "--home", str(home), "generate", "--prompt", PROMPTS[1],
                               "--out", str(home / "出力.mp4")], cwd=ROOT, capture_output=True, timeout=120,
                              check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})
        out, err = done.stdout.decode("latin-1"), done.stderr.decode("latin-1")
        assert done.returncode in (0, 1) and "Traceback" not in out + err and "Logging error" not in err, out + err
        assert out.splitlines()[-1].startswith(("saved ", "error: ")), out
