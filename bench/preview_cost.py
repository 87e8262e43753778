"""Host-side cost of one live preview, on the CPU: copy + latent → RGB map + animated WebP, and the time
from a step's end to the preview file being in place, through the product's own preview thread; and the
same for the sharper previews' frames (the TAEHV preview decoder's output, shrunk to a long side of at most
448 px, one frame per latent frame), whose decode itself runs on the GPU.

    python -m bench.preview_cost --out bench/results/<date>-cpu-preview.json [--repeats 7]

The GPU part (x0 = latents - sigma·noise_pred, one elementwise kernel, and the device → pinned host copy)
is measured by the GPU run; here the host copy is a memcpy of the same bytes out of a pinned-sized buffer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backend.engine.lightx2v_tiny import shrink_factor
from backend.preview.animate import encode_webp
from backend.preview.latent_rgb import decoded_to_rgb, latent_shape, latents_to_rgb
from backend.preview.publisher import Capture, PreviewPublisher
from backend.preview.record import JobPreview

SIZES = ((832, 480, 81), (1280, 720, 81))
PAGE_TICK_S = 0.5
"""The page asks for the preview twice a second (ui/areas/preview.py TICK_S): up to this much more on the page."""


def smooth_latents(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Latent-like content: smooth blobs that drift over time plus a little grain (what x0 looks like);
    pure noise would be the encoder's worst case, which a real preview never is."""
    rng = np.random.default_rng(seed)
    c, t, h, w = shape
    coarse = rng.standard_normal((c, t, h // 8 + 2, w // 8 + 2)).astype(np.float32)
    up = np.repeat(np.repeat(coarse, 8, axis=2), 8, axis=3)
    shift = np.arange(t)[:, None] % 8
    frames = np.stack([up[:, i, int(shift[i, 0]):int(shift[i, 0]) + h, :w] for i in range(t)], axis=1)
    return frames + 0.05 * rng.standard_normal(shape).astype(np.float32)


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def step_to_preview(fetch: Callable[[], np.ndarray], repeats: int, rgb: bool = False) -> list[float]:
    """Step end → file in place, through PreviewPublisher (a fresh job per run: nothing is dropped)."""
    delays: list[float] = []
    done = threading.Event()
    with tempfile.TemporaryDirectory() as folder:
        def published(job_id: str, preview: JobPreview) -> None:
            delays.append(preview.delay_s)
            done.set()

        publisher = PreviewPublisher(Path(folder), published)
        try:
            for i in range(repeats):
                done.clear()
                publisher.offer(Capture(f"job{i}", 4, 4, fetch, time.time(), rgb))
                assert done.wait(60)
        finally:
            publisher.close()
    return delays


def measure(width: int, height: int, frames: int, repeats: int) -> dict[str, object]:
    shape = latent_shape(width, height, frames)
    x0 = smooth_latents(shape, 0)
    host = np.empty_like(x0)
    copy_s, _ = timed(lambda: np.copyto(host, x0), repeats)
    map_s, _ = timed(lambda: latents_to_rgb(x0), repeats)
    rgb = latents_to_rgb(x0)
    encode_s, _ = timed(lambda: encode_webp(rgb), repeats)
    noise_rgb = latents_to_rgb(np.random.default_rng(1).standard_normal(shape).astype(np.float32))
    noise_encode_s, _ = timed(lambda: encode_webp(noise_rgb), max(1, repeats // 2))
    delays = step_to_preview(lambda: np.array(x0, copy=True), repeats)
    return {
        "size": f"{width}x{height}x{frames}", "latent_shape": list(shape), "latent_mb": round(x0.nbytes / 1e6, 1),
        "preview_px": f"{shape[3]}x{shape[2]}x{shape[1]}", "webp_kb": round(len(encode_webp(rgb)) / 1e3, 1),
        "copy_s": round(copy_s, 4), "map_s": round(map_s, 4), "encode_s": round(encode_s, 4),
        "host_total_s": round(copy_s + map_s + encode_s, 4), "noise_encode_s": round(noise_encode_s, 4),
        "step_to_file_s": round(statistics.median(delays), 4), "step_to_file_max_s": round(max(delays), 4),
        "step_to_page_max_s": round(max(delays) + PAGE_TICK_S, 4),
    }


def measure_decoded(width: int, height: int, frames: int, repeats: int) -> dict[str, object]:
    """The sharper previews' host side: the decoder's frames copied, turned into uint8 and encoded, as the
    preview thread does with them (backend/engine/lightx2v_preview.capture_step)."""
    t = latent_shape(width, height, frames)[1]
    s = shrink_factor(height, width)
    shape = (3, t, height // s, width // s)
    video = np.tanh(smooth_latents(shape, 2))
    host = np.empty_like(video)
    copy_s, _ = timed(lambda: np.copyto(host, video), repeats)
    convert_s, _ = timed(lambda: decoded_to_rgb(video), repeats)
    rgb = decoded_to_rgb(video)
    encode_s, _ = timed(lambda: encode_webp(rgb), repeats)
    delays = step_to_preview(lambda: decoded_to_rgb(np.array(video, copy=True)), repeats, rgb=True)
    return {
        "size": f"{width}x{height}x{frames}", "preview_px": f"{shape[3]}x{shape[2]}x{t}",
        "frames_mb": round(video.nbytes / 1e6, 1), "webp_kb": round(len(encode_webp(rgb)) / 1e3, 1),
        "copy_s": round(copy_s, 4), "convert_s": round(convert_s, 4), "encode_s": round(encode_s, 4),
        "host_total_s": round(copy_s + convert_s + encode_s, 4),
        "step_to_file_s": round(statistics.median(delays), 4), "step_to_file_max_s": round(max(delays), 4),
        "step_to_page_max_s": round(max(delays) + PAGE_TICK_S, 4),
    }


def decoded_table(rows: list[dict[str, object]]) -> str:
    header = ("size", "preview", "frames MB (fp32)", "WebP KB", "copy s", "convert s", "encode s", "host total s",
              "step→file s (median/max)", "step→page s (max)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append(f"| {r['size']} | {r['preview_px']} | {r['frames_mb']} | {r['webp_kb']} | {r['copy_s']:.3f} | "
                     f"{r['convert_s']:.3f} | {r['encode_s']:.3f} | {r['host_total_s']:.3f} | "
                     f"{r['step_to_file_s']:.3f} / {r['step_to_file_max_s']:.3f} | {r['step_to_page_max_s']:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = [measure(w, h, f, args.repeats) for w, h, f in SIZES]
    header = ("size", "latent MB", "preview", "WebP KB", "copy s", "map s", "encode s", "host total s",
              "step→file s (median/max)", "step→page s (max)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append(f"| {r['size']} | {r['latent_mb']} | {r['preview_px']} | {r['webp_kb']} | {r['copy_s']:.3f} | "
                     f"{r['map_s']:.3f} | {r['encode_s']:.3f} | {r['host_total_s']:.3f} | "
                     f"{r['step_to_file_s']:.3f} / {r['step_to_file_max_s']:.3f} | {r['step_to_page_max_s']:.2f} |")
    table = "\n".join(lines)
    sys.stdout.write(table + "\n")
    decoded_rows = [measure_decoded(w, h, f, args.repeats) for w, h, f in SIZES]
    decoded = decoded_table(decoded_rows)
    sys.stdout.write("\nSharper previews (TAEHV preview decoder's frames), host side:\n" + decoded + "\n")
    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(), "load_avg": list(os.getloadavg()),
               "numpy": np.__version__}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "repeats": args.repeats, "rows": rows, "table": table,
                                    "decoded_rows": decoded_rows, "decoded_table": decoded},
                                   indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
