"""How fast the clips grid draws with many clips: the server building it, and a real browser showing it.

Fills a fresh data folder with N clips (one small encoded mp4 copied N times, each with its own sidecar,
posters made once and copied, as a long-used gallery has them), starts the page on the CPU test engine
and measures:
- server: Studio.clips() plus the grid's HTML (what the gallery timer sends when something changed);
- browser: from navigation until the page is up (Generate drawn), until all N cards are in the grid, and
  until the first row's posters are decoded; "grid" is the time from the page being up to the cards drawn
  (the gallery's own cost: its request, the HTML and the layout), the figure held to 1.5 s.

python -m bench.gallery_grid --clips 500 --out bench/out/gallery-grid.json   (needs Playwright + Chromium)
"""

from __future__ import annotations

import argparse
import json
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
CARDS_DRAWN = "(n) => document.querySelectorAll('#wan-gallery .wan-card').length >= n"
POSTERS_SHOWN = """() => [...document.querySelectorAll('#wan-gallery .wan-card img')].slice(0, 4)
  .every(i => i.complete && i.naturalWidth > 0)"""


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


def measure(count: int, repeats: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="wan-grid-"))
    try:
        paths = Paths.default(home)
        paths.create()
        fill(paths.clips_dir, count)
        with running_app(paths) as app:
            server_ms = []
            for _ in range(repeats):
                started = time.perf_counter()
                clips = app.studio.clips()
                html = gallery.grid_html([(c, app.studio.poster(c)) for c in clips])
                server_ms.append((time.perf_counter() - started) * 1000)
            runs: list[dict[str, float]] = []
            with sync_playwright() as pw:
                chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for _ in range(repeats):
                    page = chromium.new_page(viewport={"width": 1440, "height": 900})
                    started = time.perf_counter()
                    page.goto(app.url)
                    page.wait_for_selector("#wan-generate", timeout=60_000)
                    up = time.perf_counter()
                    page.wait_for_function(CARDS_DRAWN, arg=count, timeout=60_000, polling=10)
                    cards = time.perf_counter()
                    page.wait_for_function(POSTERS_SHOWN, timeout=60_000, polling=10)
                    posters = time.perf_counter()
                    runs.append({"page_up_ms": (up - started) * 1000, "grid_ms": (cards - up) * 1000,
                                 "posters_ms": (posters - up) * 1000})
                    page.close()
                chromium.close()
        medians = {f"{key}_median": statistics.median(r[key] for r in runs) for key in runs[0]}
        return {"clips": len(clips), "grid_html_bytes": len(html), "server_ms": server_ms, "browser_runs": runs,
                "server_median_ms": statistics.median(server_ms), **medians}
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
    rows = [("clips", str(result["clips"])), ("grid HTML", f"{int(result['grid_html_bytes']) / 1000:.0f} KB"),
            ("server: list + grid (median)", f"{result['server_median_ms']:.0f} ms"),
            ("browser: page up (median)", f"{result['page_up_ms_median']:.0f} ms"),
            ("browser: page up to all cards drawn (median)", f"{result['grid_ms_median']:.0f} ms"),
            ("browser: page up to first posters shown (median)", f"{result['posters_ms_median']:.0f} ms")]
    width = max(len(name) for name, _ in rows)
    sys.stdout.write("\n".join(f"{name.ljust(width)}  {value}" for name, value in rows) + "\n")
    sys.stdout.write(f"written to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
