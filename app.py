"""Wan Studio: command line (serve, generate, doctor), logging, and wiring."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from backend.errors import StudioError
from backend.jobs.job import FINISHED, Job
from backend.settings import Paths
from backend.studio import Studio

logger = logging.getLogger("app")


def setup_logging(paths: Paths, verbose: bool = False) -> Path:
    """Console at INFO (or DEBUG), and a rotating file under the log folder."""
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    log_file = paths.log_dir / "studio.log"
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3,
                                                        encoding="utf-8")
    file_handler.setFormatter(fmt)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.handlers[:] = [file_handler, console]
    for noisy in ("httpx", "httpx2", "httpcore"):  # one INFO line per HTTP request during downloads
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return log_file


def make_studio(paths: Paths, preload: bool = True) -> Studio:
    """The product's Studio: the LightX2V engine, NVML readings, presets from presets/."""
    from backend.engine.lightx2v import LightX2VEngine

    return Studio(paths, LightX2VEngine(kernel_cache=paths.data_dir / "kernel-choice.json"), preload=preload)


COMMANDS = ("serve", "generate", "doctor")


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
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__, parents=[common])
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

    doctor = sub.add_parser("doctor", parents=[common], help="check GPU, torch, kernels, engine and weights")
    doctor.add_argument("--preset", default="auto")

    args = parser.parse_args(args_list)
    args.home = getattr(args, "home", None)
    args.verbose = getattr(args, "verbose", False)
    return args


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--listen", action="store_true", help="serve on all interfaces (needs a login)")
    parser.add_argument("--share", action="store_true", help="make a temporary public link (needs a login)")
    parser.add_argument("--auth", help="user:password for --listen/--share (one is generated if left out)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the browser")
    parser.add_argument("--no-preload", action="store_true", help="load the model at the first Generate")


def run_generate(studio: Studio, args: argparse.Namespace, out: object = sys.stdout) -> int:
    """Queue one job, draw a console progress bar, return 0 on success or 1 with a one-line reason."""
    write = getattr(out, "write")  # noqa: B009 - any text stream
    reason = studio.unavailable_reason()
    if reason:
        write(f"error: {reason}\n")
        return 1
    try:
        (job,) = studio.submit(args.prompt, args.width, args.height, args.frames, args.seed, args.preset,
                               args.negative_prompt)
    except StudioError as err:
        write(f"error: {err.user_text()}\n")
        return 1
    write(f"seed {job.request.seed}, {job.request.width}x{job.request.height}, {job.request.frames} frames\n")
    last = ""
    while True:
        current = studio.queue.get(job.id)
        line = _bar(current)
        if line != last:
            write("\r" + line.ljust(len(last)))
            getattr(out, "flush", lambda: None)()
            last = line
        if current.status in FINISHED:
            break
        time.sleep(0.2)
    write("\n")
    if current.status != "done" or current.clip_id is None:
        write(f"error: {current.error or current.status}\n")
        return 1
    clip = studio.clip(current.clip_id)
    if args.out:
        import shutil

        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clip.path, args.out)
    write(f"saved {args.out or clip.path}\n")
    return 0


def _bar(job: Job) -> str:
    width = 30
    filled = int(job.progress.fraction * width)
    eta = f" ETA {job.progress.eta_s:.0f}s" if job.progress.eta_s is not None else ""
    return f"[{'#' * filled}{'.' * (width - filled)}] {job.progress.fraction:4.0%} {job.progress.describe()}{eta}"


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    from backend.engine.lightx2v import set_engine_environment

    set_engine_environment()  # before anything can initialise CUDA
    args = parse_args(argv)
    paths = Paths.default(args.home)
    log_file = setup_logging(paths, args.verbose)
    logger.info("Starting %s (log %s)", args.command, log_file)
    if args.command == "doctor":
        from backend.doctor import print_report

        return print_report(make_studio(paths, preload=False), args.preset)
    if args.command == "generate":
        studio = make_studio(paths, preload=False)
        studio.start()
        try:
            return run_generate(studio, args)
        finally:
            studio.stop()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # a service manager's stop ends as cleanly as Ctrl+C
    studio = make_studio(paths, preload=not args.no_preload)
    studio.start()  # the model starts loading on the worker while the page's packages import
    try:
        from ui.server import serve

        return serve(studio, args)
    finally:
        studio.stop()


if __name__ == "__main__":
    sys.exit(main())
