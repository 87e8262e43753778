"""One process owns a data folder, with real processes: a second launch shows the first and changes no byte
of its state; a folder whose owner does not answer names that process; a SIGKILLed owner's lock is taken
over; `app.py generate` hands its job to the running page (same queue, no duplicate, exit codes), in any
console encoding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from backend.data_lock import read_owner
from backend.handoff import JOBS_PATH, KEY_HEADER
from backend.owner_key import OWNER_PARAM, read_owner_key
from backend.settings import Paths
from backend.studio import Studio
from backend.video import probe
from tests.conftest import FakeGpu
from tests.support.app_proc import ROOT, env, run_app, start
from tests.support.cpu_engine import CpuTestEngine
from tests.support.integrity import assert_accounted, assert_gallery_whole
from tests.support.studio_proc import StudioProcess
from tests.support.ui_app import free_port

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="the harness uses POSIX signals")]
SMALL_ARGS = ("--width", "256", "--height", "256", "--frames", "5")
SECOND_LAUNCHES = (("--no-browser",), ())
"""A second launch on a folder in use: printing the running page's address, or opening the browser on it."""
SILENT_COMMANDS = (("--no-browser",), ("generate", "--prompt", "x"))
"""Commands started on a folder held by a process without a page: both name that process."""
PROMPTS = {  # prompt, seed, console encoding of the command that hands it over
    "Ein Fuchs läuft über die Straße, Größe egal": (11, "cp1252"),
    "雪の中を走る赤い狐": (12, "cp437"),
    "Рыжая лиса бежит по снегу": (13, "cp1252"),
}


def wait_for_page(home: Path, proc: subprocess.Popen, log: Path, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = read_owner(home / "data")
        if record is not None and record.url and record.pid == proc.pid:
            return record.url
        assert proc.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        time.sleep(0.3)
    raise AssertionError("the page did not come up:\n" + log.read_text(encoding="utf-8", errors="replace"))


def state(home: Path) -> dict[str, bytes]:
    """Every byte of the data and config folders (the log folder is the owner's diary, not its state)."""
    return {str(p.relative_to(home)): p.read_bytes() for sub in ("data", "config")
            for p in sorted((home / sub).rglob("*")) if p.is_file()}


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def queued_jobs(home: Path) -> list[dict]:
    return list(json.loads((home / "data" / "queue.json").read_text(encoding="utf-8"))["jobs"])


def test_second_launch_shows_the_running_one_and_changes_nothing(tmp_path: Path) -> None:
    home, log, hold = tmp_path / "home", tmp_path / "first.log", tmp_path / "hold"
    hold.touch()  # the first one's job stops at its first stage until this file goes: its own state stands still
    first = start("--home", str(home), "--no-browser", "--port", str(free_port()), log=log, hold_file=hold)
    try:
        url = wait_for_page(home, first, log)
        # A job rendering in the first process (handed over by the owner's command), so there is state to spoil.
        handed = subprocess.Popen([sys.executable, "app.py", "--home", str(home), "generate", "--prompt", "a boat",
                                   "--seed", "5", *SMALL_ARGS], cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not any(j["status"] == "running" for j in queued_jobs(home)):
            assert time.monotonic() < deadline, "the handed-over job never started"
            time.sleep(0.2)
        reached = hold.with_name(hold.name + ".reached")  # written by the first one's engine as it stops
        deadline = time.monotonic() + 60
        while not reached.exists():
            assert time.monotonic() < deadline, "the handed-over job never reached the hold"
            time.sleep(0.05)
        before = state(home)

        opened = tmp_path / "opened.txt"  # the browser the second launch opens: a command that notes the address
        for options in SECOND_LAUNCHES:
            second = run_app("--home", str(home), *options, "--port", str(free_port()),
                             BROWSER=f"sh -c 'echo \"$0\" > {opened}' %s")
            out = second.stdout.decode()
            assert second.returncode == 0, out + second.stderr.decode()
            what = "open that address in your browser" if options else "opened it in your browser"
            assert out == f"Wan Studio is already running for this data folder at {url} (process {first.pid}); " \
                          f"{what}.\n"
            assert opened.exists() == (not options)
        assert opened.read_text(encoding="utf-8").strip() == url
        assert state(home) == before  # not a byte of the first one's queue, clips, settings or owner record

        hold.unlink()
        assert handed.wait(120) == 0, handed.stdout.read().decode() if handed.stdout else ""
        (job,) = queued_jobs(home)
        assert job["status"] == "done" and job["request"]["seed"] == 5
        assert len(list((home / "data" / "clips").glob("*.mp4"))) == 1  # rendered once, by the owner only
    finally:
        stop(first)
    assert first.returncode == 0 and read_owner(home / "data") is None  # a clean stop lets the folder go


def test_folder_held_by_a_silent_process_names_it_and_a_killed_owner_is_taken_over(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with StudioProcess(home) as holder:  # owns the folder, has no page
        (job,) = holder.call("submit", prompt="made by the holder", seed=3, width=256, height=256, frames=5)["ids"]
        assert holder.call("wait", id=job, statuses=["done"])["status"] == "done"
        before = state(home)
        for command in SILENT_COMMANDS:
            refused = run_app("--home", str(home), *command)
            out = refused.stdout.decode()
            assert refused.returncode == 1 and out.count("\n") == 1, out
            assert out.startswith(f"error: The data folder {home / 'data'} is in use by Wan Studio (process "
                                  f"{holder.proc.pid}, started "), out
        assert state(home) == before
        holder.kill()  # SIGKILL: the OS lets go of the lock, the record stays behind

    log = tmp_path / "next.log"
    after = start("--home", str(home), "--no-browser", "--port", str(free_port()), log=log)
    try:
        wait_for_page(home, after, log)
        record = read_owner(home / "data")
        assert record is not None and record.pid == after.pid and record.command == "serve"
    finally:
        stop(after)
    studio = Studio(Paths.default(home), CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        assert studio.job(job).status == "done"
        assert_gallery_whole(studio)
    finally:
        studio.stop()


def test_generate_hands_its_job_to_the_running_page_in_any_console_encoding(tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "page.log"
    page = start("--home", str(home), "--no-browser", "--port", str(free_port()), log=log, step_delay=0.3)
    try:
        url = wait_for_page(home, page, log)
        commands = {
            prompt: subprocess.Popen(
                [sys.executable, "app.py", "--home", str(home), "generate", "--prompt", prompt, "--seed", str(seed),
                 *SMALL_ARGS, "--out", str(tmp_path / f"Ausgabe-出力-вывод-{seed}.mp4")],
                cwd=ROOT, env=env(PYTHONIOENCODING=encoding), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for prompt, (seed, encoding) in PROMPTS.items()
        }
        bad = run_app("--home", str(home), "generate", "--prompt", "x", "--frames", "80")
        assert bad.returncode == 1 and bad.stdout.decode().splitlines()[-1].startswith(
            "error: The frame count 80 is not allowed"), bad.stdout.decode()
        forged = urllib.request.Request(url.rstrip("/") + JOBS_PATH, data=b'{"prompt": "x"}', method="POST",
                                        headers={KEY_HEADER: "guessed"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 403
        # One owner secret: the key in the owner link a second launch opens is the one the hand-off reads.
        (link_key,) = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[OWNER_PARAM]
        assert link_key == read_owner_key(home / "data")
        asked = urllib.request.Request(f"http://127.0.0.1:{urllib.parse.urlsplit(url).port}{JOBS_PATH}/no-such-job",
                                       headers={KEY_HEADER: link_key})
        with pytest.raises(urllib.error.HTTPError) as unknown:
            urllib.request.urlopen(asked, timeout=10)
        assert unknown.value.code == 404  # let in, and told there is no such job

        for prompt, proc in commands.items():
            seed, encoding = PROMPTS[prompt]
            out, err = proc.communicate(timeout=180)
            text = out.decode(encoding)
            assert proc.returncode == 0, text + err.decode(errors="replace")
            assert text.startswith(f"Handing the job to the running studio at {url} (process {page.pid}).\n")
            assert f"seed {seed}, 256x256, 5 frames" in text and "100%" in text and "saved " in text
            assert "Traceback" not in text + err.decode(errors="replace")
            assert probe(tmp_path / f"Ausgabe-出力-вывод-{seed}.mp4")["frames"] == 5
    finally:
        stop(page)
    assert page.returncode == 0
    studio = Studio(Paths.default(home), CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        jobs = assert_accounted(studio, [])
        assert sorted((j.request.prompt, j.request.seed, j.status) for j in jobs.values()) == sorted(
            (prompt, seed, "done") for prompt, (seed, _enc) in PROMPTS.items())  # text intact, no duplicate
        assert len(studio.clips()) == len(PROMPTS)
        assert_gallery_whole(studio)
    finally:
        studio.stop()
