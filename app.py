"""Wan Studio: command line (serve, generate, weights, doctor), logging, and wiring.

This module owns the Studio: it makes it, starts it, and stops it for every command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.handlers
import os
import signal
import sys
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from backend.console import ConsoleBar, download_line, job_error, job_line, weights_summary
from backend.data_lock import DataFolderLock, OwnerRecord
from backend.errors import FolderInUse, StudioError, stored_error_text
from backend.handoff import RemoteJobs
from backend.headless import ConsoleWriter, JobSource, LocalJobs
from backend.i18n import pick_language, system_language, text
from backend.jobs.job import FINISHED
from backend.owner_key import read_owner_key
from backend.request import split_lora_arg
from backend.running import bind_host, reserve_port, wait_for_page
from backend.settings import Paths
from backend.studio import Studio

__all__ = ["main", "parse_args", "run_doctor", "run_generate", "run_weights", "split_lora_arg", "stored_error_text"]

logger = logging.getLogger("app")


def setup_logging(paths: Paths, verbose: bool = False) -> Path:
    """Console at INFO (or DEBUG), and a rotating file under the log folder."""
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    log_file = paths.log_dir / "studio.log"
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3,
                                                        encoding="utf-8", errors="backslashreplace")
    file_handler.setFormatter(fmt)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.handlers[:] = [file_handler, console]
    for noisy in ("httpx", "httpx2", "httpcore"):  # one INFO line per HTTP request during downloads
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return log_file


def make_studio(paths: Paths, preload: bool = True, lock: DataFolderLock | None = None) -> Studio:
    """The product's Studio: the LightX2V engine, NVML readings, presets from presets/."""
    from backend.engine.lightx2v import LightX2VEngine

    return Studio(paths, LightX2VEngine(kernel_cache=paths.data_dir / "kernel-choice.json"), preload=preload,
                  lock=lock)


COMMANDS = ("serve", "generate", "weights", "doctor")
AUTH_ENV = "WAN_STUDIO_AUTH"
"""--auth's value when it is left out. A variable reaches app.py as it was set, through any launcher, and keeps
the password out of the process list (Wine 8's cmd drops a % sign from launch.bat's arguments; cmd.exe does not)."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """`app.py [--home DIR] [command] [options]`; without a command it serves the page, so
    `launch.sh --port 8000 --no-browser` passes straight through. --home and --verbose work anywhere."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not any(a in COMMANDS for a in args_list) and not {"-h", "--help"} & set(args_list):
        args_list.insert(0, "serve")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", type=Path, default=argparse.SUPPRESS,
                        help="keep data, settings, logs and models under this folder")
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="more detail in the console")
    common.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS,
                        help="the console's language (English or Simplified Chinese); the system's when left out")
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__, parents=[common], epilog=serve_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", parents=[common], help="start the web page (the default)")
    add_serve_options(serve)

    gen = sub.add_parser("generate", parents=[common], help="make one clip without the page")
    gen.add_argument("--prompt", required=True)
    gen.add_argument("--negative-prompt", default="")
    gen.add_argument("--preset", default="auto", help="auto, 8gb, 12gb, 16gb or 24gb")
    gen.add_argument("--width", default=832)
    gen.add_argument("--height", default=480)
    gen.add_argument("--frames", default=81, help="4k+1, for example 49 or 81")
    gen.add_argument("--seed", default=None, help="0..4294967295; random when left out")
    gen.add_argument("--out", type=Path, help="also copy the finished mp4 here")
    gen.add_argument("--lora", action="append", default=[], metavar="FILE[:STRENGTH]",
                     help="a .safetensors LoRA, strength -2..2 (default 1); up to 3 times")

    weights = sub.add_parser("weights", parents=[common], help="download or check the model weights")
    weights.add_argument("action", choices=("download", "verify"),
                         help="download: fetch what is missing (resumes); verify: check every file's checksum")
    weights.add_argument("--set", dest="weight_set", choices=("fp8", "int8", "taehv"), default=None,
                         help="the weight set; picked from your card when left out. taehv: the optional "
                              "preview decoder (sharper live previews)")
    weights.add_argument("--folder", type=Path, default=None,
                         help="the weights folder (remembered for the page); the current one when left out")
    weights.add_argument("--token", default=None, help="a Hugging Face access token (not saved)")
    gen.add_argument("--preview-dir", type=Path,
                     help="write each denoising step's preview here (<job id>-step<N>.webp, animated)")
    weights.add_argument("--use-folder-with-other-files", dest="confirm_folder", action="store_true",
                         help="use --folder although it holds files Wan Studio did not put there (none is replaced)")

    doctor = sub.add_parser("doctor", parents=[common], help="check GPU, torch, kernels, engine and weights")
    doctor.add_argument("--preset", default="auto")

    args = parser.parse_args(args_list)
    args.home = getattr(args, "home", None)
    args.verbose = getattr(args, "verbose", False)
    args.lang = pick_language(getattr(args, "lang", None) or system_language())
    return args


def serve_help() -> str:
    """The serve options, shown by `app.py --help` too: serving is what the app does without a command."""
    options = argparse.ArgumentParser(prog="app.py", add_help=False)
    add_serve_options(options)
    formatter = options._get_formatter()
    formatter.start_section("serve options (the default command: `app.py --port 8000` is `app.py serve --port 8000`)")
    formatter.add_arguments(options._actions)
    formatter.end_section()
    return formatter.format_help()


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=7860, help="the page's port (default 7860)")
    parser.add_argument("--listen", action="store_true", help="serve on all interfaces (needs a login)")
    parser.add_argument("--share", action="store_true", help="make a temporary public link (needs a login)")
    parser.add_argument("--auth", default=os.environ.get(AUTH_ENV) or None,
                        help=f"user:password for --listen/--share (default: the {AUTH_ENV} variable, which keeps the "
                             "password off the command line; one is generated if both are left out)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the browser")
    parser.add_argument("--no-preload", action="store_true", help="load the model at the first Generate")


def run_generate(source: Studio | JobSource, args: argparse.Namespace, out: TextIO | Any = None) -> int:
    """Queue one job (in this process's Studio, or handed to the running page), draw a console progress bar,
    return 0 on success or 1 with a one-line reason. Every argument is checked before anything looks for a
    GPU, so a wrong value is named as such. Text the console cannot show is replaced, never a traceback."""
    out = out if isinstance(out, ConsoleWriter) else ConsoleWriter(out or sys.stdout)
    jobs = LocalJobs(source) if isinstance(source, Studio) else source
    lang = getattr(args, "lang", "en")
    preview_dir = getattr(args, "preview_dir", None)
    try:
        if preview_dir is not None:
            jobs.keep_previews_in(preview_dir)  # asked for on the command line: made even if Settings say off
        job = jobs.submit(args)
    except StudioError as err:
        out.write(text("cli.error", lang, text=err.user_text(lang)) + "\n")
        return 1
    out.write(text("cli.seed_line", lang, seed=job.request.seed, width=job.request.width,
                   height=job.request.height, frames=job.request.frames) + "\n")
    bar = ConsoleBar(out)  # type: ignore[arg-type]
    current = job
    try:
        while True:
            bar.draw(job_line(current, lang))
            if current.status in FINISHED:
                break
            current = jobs.wait_for_change(current, timeout=1.0)
        bar.end()
        if preview_dir is not None:
            for path in jobs.previews_kept(job.id):
                out.write(text("cli.preview", lang, path=path) + "\n")
        if current.status != "done" or current.clip_id is None:
            out.write(text("cli.error", lang, text=job_error(current, lang)) + "\n")
            return 1
        path = jobs.clip_path(current)
    except StudioError as err:  # the running page stopped answering
        bar.end()
        out.write(text("cli.error", lang, text=err.user_text(lang)) + "\n")
        return 1
    if args.out:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            import shutil

            shutil.copyfile(path, args.out)
        except OSError as err:
            out.write(text("cli.error", lang, text=text("cli.copy_failed", lang, path=path, out=args.out,
                                                        error=err.strerror or err)) + "\n")
            return 1
    out.write(text("cli.saved", lang, path=args.out or path) + "\n")
    return 0


def run_weights(studio: Studio, args: argparse.Namespace, out: Any = None) -> int:
    """`app.py weights download|verify`: the Models tab's checks and download, with a console bar.
    0 when the set is complete (and, for verify, every checksum matches), else 1 with a one-line reason."""
    out = out or sys.stdout
    lang = getattr(args, "lang", "en")
    folder = None if args.folder is None else args.folder if args.folder.is_absolute() else Path.cwd() / args.folder
    try:
        if folder is not None:  # the Models tab's checks; a download's folder is remembered, as there
            folder = studio.use_weights_folder(folder, getattr(args, "confirm_folder", False)) \
                if args.action == "download" else \
                studio.check_weights_folder(folder)
        decoder = args.weight_set == studio.PREVIEW_DECODER_SET  # the optional preview decoder, not a weight set
        weight_set = studio.PREVIEW_DECODER_SET if decoder else studio.weight_set(args.weight_set)
        if args.action == "verify":
            out.write(studio.verify_notice(weight_set, folder).text(lang) + "\n")
            out.flush()
            report = studio.preview_decoder_status(verify=True, folder=folder).report if decoder else \
                studio.weights_report(weight_set, verify=True, folder=folder)
            summary = weights_summary(report, lang)
            out.write((summary if report.complete else text("cli.error", lang, text=summary)) + "\n")
            return 0 if report.complete else 1
        if decoder:
            studio.start_decoder_download(args.token)
        else:
            studio.start_download(weight_set, args.token)
    except StudioError as err:
        out.write(text("cli.error", lang, text=err.user_text(lang)) + "\n")
        return 1
    bar = ConsoleBar(out)
    try:
        progress = studio.download_progress()
        while progress.state in ("idle", "checking", "downloading", "verifying"):
            bar.draw(download_line(progress, lang))
            progress = studio.wait_for_download(0.5)
    except KeyboardInterrupt:
        studio.cancel_download()
        progress = studio.wait_for_download(60)
    bar.draw(download_line(progress, lang))
    bar.end()
    if progress.state != "done":
        out.write(text("cli.error", lang, text=progress.message_in(lang)) + "\n")
        return 1
    out.write(progress.message_in(lang) + "\n")
    return 0


def run_doctor(studio: Studio, preset: str, out: TextIO | None = None, lang: str = "en") -> int:
    """`app.py doctor`: print the report; 0 when nothing failed, else 1."""
    out = out or sys.stdout
    sys.stderr.write(text("cli.doctor_start", lang) + "\n")
    sys.stderr.flush()
    report = studio.run_doctor(preset)
    out.write(report.text_in(lang))
    out.flush()
    return 1 if report.failed else 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    from backend.engine.lightx2v import set_engine_environment

    set_engine_environment()  # before anything can initialise CUDA
    safe_console()
    args = parse_args(argv)
    console = ConsoleWriter(sys.stdout)
    paths = Paths.default(args.home)
    if args.command == "doctor":  # reads only: it may run beside the studio
        setup_logging(paths, args.verbose)
        return run_doctor(make_studio(paths, preload=False), args.preset, lang=args.lang)
    lock = DataFolderLock(paths.data_dir, "serve" if args.command == "serve" else "generate")
    try:
        lock.acquire()  # first, before logging, state, the model or the worker: a second launch changes nothing
    except FolderInUse as busy:
        return elsewhere(busy, paths, args, console)
    try:
        log_file = setup_logging(paths, args.verbose)
        logger.info("Starting %s (log %s)", args.command, log_file)
        if args.command == "weights":
            return run_weights(make_studio(paths, preload=False, lock=lock), args, console)
        if args.command == "generate":
            return generate_here(paths, args, console, lock)
        return serve_here(paths, args, console, lock)
    finally:
        lock.release()


def generate_here(paths: Paths, args: argparse.Namespace, console: ConsoleWriter, lock: DataFolderLock) -> int:
    studio = make_studio(paths, preload=False, lock=lock)
    studio.start()
    try:
        return run_generate(studio, args, console)
    finally:
        studio.stop()


def serve_here(paths: Paths, args: argparse.Namespace, console: ConsoleWriter, lock: DataFolderLock) -> int:
    try:  # the page's port is held before the Studio starts: a busy port must not run or interrupt any job
        reserved = reserve_port(bind_host(args.listen), args.port)
    except OSError as err:
        console.write(text("cli.error", args.lang, text=text("cli.port_busy", args.lang, port=args.port,
                                                             error=err.strerror or err)) + "\n")
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # a service manager's stop ends as cleanly as Ctrl+C
    studio = make_studio(paths, preload=not args.no_preload, lock=lock)
    studio.start()  # the model starts loading on the worker while the page's packages import
    try:
        from ui.server import serve

        return serve(studio, args, reserved)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM, at any point of the start or while serving
        console.write(text("cli.stopped", args.lang) + "\n")
        return 0
    finally:
        reserved.close()
        studio.stop()


def elsewhere(busy: FolderInUse, paths: Paths, args: argparse.Namespace, console: ConsoleWriter) -> int:
    """Another process owns the data folder: show its page, or hand it the job; never touch the folder."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s")
    lang = args.lang
    record = wait_for_page(paths.data_dir) if args.command in ("serve", "generate") else None
    if record is None:
        owner = busy.owner if isinstance(busy.owner, OwnerRecord) else None
        stuck = owner is not None and owner.command == "serve" and args.command != "weights"
        tail = " " + text("cli.stuck", lang) if stuck else ""
        if args.command == "weights":
            tail = " " + text("cli.use_running", lang)
        console.write(text("cli.error", lang, text=busy.user_text(lang) + tail) + "\n")
        return 1
    if args.command == "generate":
        key = read_owner_key(paths.data_dir)
        if key is None:
            console.write(text("cli.error", lang, text=busy.user_text(lang)) + "\n")
            return 1
        console.write(text("cli.handing_over", lang, url=record.url, pid=record.pid) + "\n")
        return run_generate(RemoteJobs(record, key), args, console)
    if args.no_browser:
        console.write(text("cli.running_open", lang, url=record.url, pid=record.pid) + "\n")
    else:
        webbrowser.open(record.url or "")
        console.write(text("cli.running_opened", lang, url=record.url, pid=record.pid) + "\n")
    return 0


def safe_console() -> None:
    """Log lines and warnings on a cp1252/cp437 console: replace what it cannot show, never raise."""
    for stream in (sys.stderr, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


if __name__ == "__main__":
    sys.exit(main())
