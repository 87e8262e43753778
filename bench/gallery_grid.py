"""How fast the clips grid draws with many clips: the server building it, and a real browser showing it.

Fills a fresh data folder with N clips (one small encoded mp4 copied N times, each with its own sidecar,
posters made once and copied, as a long-used gallery has them), starts the page on the CPU test engine and
loads it in Chromium at 1440x900. A script in the page (installed before the page's own) notes, from the
navigation's start (performance.now()):
- up: Generate is in the page (the page is usable);
- cards: all N cards are in the grid, each with its poster <img>, and the browser has painted the frame that
  shows them (the next task after the next animation frame);
- posters: after that, the first row's posters are decoded (they load lazily, as a real grid's do);
- the grid request's start and end (Resource Timing of `grid`).
"grid" = cards - up, the figure held to 1.5 s: how long after the page is usable the clips are all drawn (0
when they are drawn first). So that a grid drawn before Generate cannot hide its cost inside "up", the same
page with no clips is loaded in turns with it, and "cards - empty up" is how much later than an empty
gallery's page the N clips are all drawn. "server" is Studio.clips() plus the grid's HTML, timed in the
process. The load average goes with the result: this is a browser on a shared machine.

python -m bench.gallery_grid --clips 500 --out bench/out/gallery-grid.json   (needs Playwright + Chromium)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from backend.posters import make_poster, poster_path
from backend.settings import Paths
from backend.storage import write_json_atomic
from backend.video import write_mp4
from tests.support.ui_app import running_app
from ui.areas import gallery

CHROMIUM = "/usr/bin/chromium"
MARKS = """(count) => {
  const marks = window.__gridBench = {};
  const at = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  const cards = () => document.querySelectorAll('#wan-gallery .wan-card img').length;
  const posters = () => [...document.querySelectorAll('#wan-gallery .wan-card img')].slice(0, 4)
    .every((i) => i.complete && i.naturalWidth > 0);
  const look = () => {
    if (document.querySelector('#wan-generate')) at('up');
    if (!('cards_in' in marks) && cards() >= count) {
      at('cards_in');
      requestAnimationFrame(() => setTimeout(() => at('cards'), 0));
    }
    if ('cards' in marks && !('posters' in marks) && posters()) at('posters');
    if ('posters' in marks && 'up' in marks) watch.disconnect(); else setTimeout(look, 5);
  };
  const watch = new MutationObserver(look);
  watch.observe(document, {childList: true, subtree: true});
  look();
}"""
"""Noted on every change to the page and every 5 ms, so a mark is never late by more than that."""


def fill(clips_dir: Path, count: int) -> None:
    """`count` clips named like the app names them, newest last, sharing one encoded video and poster."""
    clips_dir.mkdir(parents=True, exist_ok=True)
    sample = clips_dir / "sample.mp4"
    frames = (np.arange(17 * 480 * 832 * 3) % 251).astype(np.uint8).reshape(17, 480, 832, 3)
    write_mp4(frames, sample, 16, {})
    poster = make_poster(sample)
    base = time.time() - count
    for i in range(count):
        clip_id = f"20260101-{i:06d}-{1000 + i}"
        video = clips_dir / f"{clip_id}.mp4"
        shutil.copyfile(sample, video)
        shutil.copyfile(poster, poster_path(video))
        request = {"prompt": f"Clip {i}: a red fox trots through fresh snow at dawn, slow tracking shot",
                   "width": 832, "height": 480, "frames": 17, "seed": 1000 + i, "preset": "auto"}
        write_json_atomic(video.with_suffix(".json"), {"request": request, "seed": 1000 + i, "preset": "12gb",
                                                       "id": clip_id, "created_at": base + i})
    sample.unlink()
    poster_path(sample).unlink()


def page_load(chromium: Any, url: str, count: int) -> dict[str, float]:
    """Load the page once in a fresh tab; the marks in ms from navigation start."""
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.add_init_script(f"({MARKS})({count})")
        page.goto(url)
        wanted = "posters" if count else "up"
        page.wait_for_function(f"() => window.__gridBench && '{wanted}' in window.__gridBench", timeout=60_000)
        marks = page.evaluate("window.__gridBench")
        request = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter((e) => new URL(e.name).pathname.endsWith('/grid')).map((e) => [e.startTime, e.responseEnd])""")
    finally:
        page.close()
    run = {"page_up_ms": marks["up"]}
    if count:
        run.update(cards_in_dom_ms=marks["cards_in"], cards_ms=marks["cards"],
                   grid_ms=max(0.0, marks["cards"] - marks["up"]), posters_ms=max(0.0, marks["posters"] - marks["up"]))
        if request:
            run.update(grid_request_ms=request[0][0], grid_response_ms=request[0][1])
    return run


def measure(count: int, repeats: int) -> dict[str, Any]:
    """Both pages served at once and loaded in turns (the order swapped each round), so the machine's load
    weighs on the N-clip page and the empty one alike."""
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="wan-grid-"))
    load_before = os.getloadavg()
    try:
        paths, empty = Paths.default(home / "full"), Paths.default(home / "empty")
        paths.create()
        empty.create()
        fill(paths.clips_dir, count)
        runs: list[dict[str, float]] = []
        empty_runs: list[dict[str, float]] = []
        with running_app(paths) as app, running_app(empty) as bare, sync_playwright() as pw:
            server_ms = []
            for _ in range(repeats):
                started = time.perf_counter()
                clips = app.studio.clips()
                html = gallery.grid_html([(c, app.studio.poster(c)) for c in clips])
                server_ms.append((time.perf_counter() - started) * 1000)
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for i in range(repeats):
                if i % 2:
                    empty_runs.append(page_load(chromium, bare.url, 0))
                runs.append(page_load(chromium, app.url, count))
                if not i % 2:
                    empty_runs.append(page_load(chromium, bare.url, 0))
            chromium.close()
        medians = {f"{key}_median": statistics.median(r[key] for r in runs) for key in runs[0]}
        empty_up = statistics.median(r["page_up_ms"] for r in empty_runs)
        return {"clips": len(clips), "grid_html_bytes": len(html), "load_average_before": load_before,
                "load_average_after": os.getloadavg(), "server_ms": server_ms, "browser_runs": runs,
                "empty_gallery_runs": empty_runs, "server_median_ms": statistics.median(server_ms), **medians,
                "empty_page_up_ms_median": empty_up, "cards_after_empty_up_ms": medians["cards_ms_median"] - empty_up}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/gallery-grid.json"))
    args = parser.parse_args(argv)
    result = measure(args.clips, args.repeats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    grids = sorted(r["grid_ms"] for r in result["browser_runs"])
    rows = [("clips", str(result["clips"])), ("grid HTML", f"{int(result['grid_html_bytes']) / 1000:.0f} KB"),
            ("server: list + grid (median)", f"{result['server_median_ms']:.0f} ms"),
            ("browser: page up (median)", f"{result['page_up_ms_median']:.0f} ms"),
            ("browser: page up, no clips (median)", f"{result['empty_page_up_ms_median']:.0f} ms"),
            ("browser: all cards drawn (median)", f"{result['cards_ms_median']:.0f} ms"),
            ("browser: page up to all cards drawn (median, min-max)",
             f"{result['grid_ms_median']:.0f} ms ({grids[0]:.0f}-{grids[-1]:.0f})"),
            ("browser: all cards drawn after an empty page is up", f"{result['cards_after_empty_up_ms']:.0f} ms"),
            ("browser: page up to first posters shown (median)", f"{result['posters_ms_median']:.0f} ms"),
            ("load average (1 min) before, after", "{:.2f}, {:.2f}".format(result["load_average_before"][0],
                                                                       result["load_average_after"][0]))]
    width = max(len(name) for name, _ in rows)
    sys.stdout.write("\n".join(f"{name.ljust(width)}  {value}" for name, value in rows) + "\n")
    sys.stdout.write(f"written to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
