"""Run benchmark configurations, each in a fresh process, and save one JSON file per configuration.

python -m bench.run --weights DIR --out DIR --plan app-16gb,app-12gb,app-8gb
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger("bench")

# Caps are each budget minus ~0.7 GiB for the CUDA context, which lives outside torch's allocator.
PLANS: dict[str, list[str]] = {
    "app-16gb": ["--preset", "16gb", "--cap-gib", "15.3", "--queue", "5"],
    "app-16gb-before": ["--preset", "16gb", "--cap-gib", "15.3", "--before"],
    "app-12gb": ["--preset", "12gb", "--cap-gib", "11.3"],
    "app-8gb": ["--preset", "8gb", "--cap-gib", "7.3"],
    "app-8gb-lowram": ["--preset", "8gb", "--cap-gib", "7.3", "--low-ram"],
    "app-16gb-720p": ["--preset", "16gb", "--cap-gib", "15.3", "--width", "1280", "--height", "720"],
    "app-resident": ["--preset", "24gb", "--cap-gib", "0"],
    "app-12gb-queue": ["--preset", "12gb", "--cap-gib", "11.3", "--clips", "1", "--queue", "5"],
    "app-16gb-pinned": ["--preset", "16gb", "--cap-gib", "15.3", "--quant", "fp8-triton", "--attn", "torch_sdpa",
                        "--queue", "5"],
    "bare-16gb": ["--mode", "bare", "--preset", "16gb", "--cap-gib", "15.3", "--quant", "fp8-triton",
                  "--attn", "torch_sdpa"],
    "app-16gb-slowinit": ["--preset", "16gb", "--cap-gib", "15.3", "--clips", "1", "--no-fast-init"],
    "bare-start": ["--mode", "bare", "--preset", "16gb", "--quant", "fp8-triton", "--attn", "torch_sdpa",
                   "--clips", "1"],
}
# Real memory limits: a ballast process leaves only the preset's budget minus 0.5 GiB (a desktop's share) of
# the card free, and nothing caps torch's allocator. Kernels pinned, so FP8 and INT8 rows compare like for like.
FIXED = ["--attn", "torch_sdpa"]
REAL: dict[str, list[str]] = {
    "real-8gb": ["--preset", "8gb", "--free-gib", "7.5", "--clips", "4", "--profile"],
    "real-16gb": ["--preset", "16gb", "--free-gib", "15.5", "--clips", "4", "--profile", "--queue", "5", "--reload"],
    "real-12gb": ["--preset", "12gb", "--free-gib", "11.5", "--clips", "2"],
    "real-24gb": ["--preset", "24gb", "--free-gib", "23.5", "--clips", "2"],
    "real-16gb-720p": ["--preset", "16gb", "--free-gib", "15.5", "--width", "1280", "--height", "720", "--clips", "1"],
    "real-16gb-reload": ["--preset", "16gb", "--free-gib", "15.5", "--clips", "1", "--reload"],
    "real-12gb-720p": ["--preset", "12gb", "--free-gib", "11.5", "--width", "1280", "--height", "720", "--clips", "1"],
}
for _name, _args in REAL.items():
    PLANS[_name] = [*_args, "--quant", "fp8-triton", *FIXED]
    if "720p" not in _name and "reload" not in _name:  # the INT8 path (RTX 20/30 cards) under the same limits
        clips = "4" if _name in ("real-8gb", "real-16gb") else "2"
        base = [a for a in _args[:4]]
        PLANS["int8-" + _name[5:]] = [*base, "--clips", clips, "--quant", "int8-triton", *FIXED]

# The next GPU run, items 4, 5, 7 and 8 under the same real limits (bench/report_cost.py): the step time with
# the colour-map preview, the TAEHV preview decoder and a rank-64 LoRA against none, interleaved in 3 rounds
# (the base clips also give 8 GB ÷ 16 GB); 5 queued clips with previews on as the app runs (GPU idle), again
# with LightX2V's mid-clip cache emptying off (bench/gap.py), then Free GPU memory and one more clip with a
# report of whatever of the old pipeline is still alive.
COST = ["--clips", "1", "--variants", "base,linear,tiny,lora", "--repeat", "3"]
NEXT: dict[str, list[str]] = {
    "gap-16gb": ["--preset", "16gb", "--free-gib", "15.5", "--clips", "3", "--previews", "--queue", "5", "--keep-cache",
                 "--reload"],
    "cost-16gb": ["--preset", "16gb", "--free-gib", "15.5", *COST],
    "cost-8gb": ["--preset", "8gb", "--free-gib", "7.5", *COST],
}
for _name, _args in NEXT.items():
    PLANS[_name] = [*_args, "--quant", "fp8-triton", *FIXED]
EXPECTED_S = {"gap-16gb": 300, "cost-16gb": 300, "cost-8gb": 320}
"""About how long these plans take on an H200, with some margin (start and build ~25 s; warm clips 15-17 s;
each LoRA clip also hashes, merges and hands over a 613 MB file; the holder scan walks the whole heap): one is
not started with less time left, since a plan cut off by the deadline is lost and runs again on --resume."""


def run_plan(name: str, weights: Path, out: Path, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "bench.run_one", "--weights", str(weights), *PLANS[name]]
    if "bare" not in PLANS[name]:  # like the app: the kernel choice of the first app run is remembered
        cmd += ["--kernel-cache", str(out / "kernel-choice.json")]
    started = time.monotonic()
    log = out / f"{name}.log"
    with log.open("w") as fh:
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=fh, text=True, timeout=timeout, check=False,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
            stdout, failure = proc.stdout, f"exit {proc.returncode}, no result"
        except subprocess.TimeoutExpired as err:  # keep what the run reported before it was stopped
            captured = err.stdout or ""
            stdout = captured.decode() if isinstance(captured, bytes) else captured
            failure = f"timed out after {timeout:.0f} s"
    lines = [ln for ln in stdout.splitlines() if ln.startswith("BENCH_JSON ")]
    result = json.loads(lines[-1][len("BENCH_JSON ") :]) if lines else {}
    if failure.startswith("timed out") or not lines:
        result["error"] = failure
    result.update({"name": name, "process_s": round(time.monotonic() - started, 1)})
    (out / f"{name}.json").write_text(json.dumps(result, indent=1))
    return result


def finished(result: Path) -> bool:
    """A plan's result that ran to its end (a run cut off by the deadline or a crash is run again)."""
    try:
        return "error" not in json.loads(result.read_text())
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plan", required=True, help=f"comma-separated, from: {', '.join(PLANS)}")
    parser.add_argument("--deadline-s", type=float, default=560, help="stop starting new runs after this")
    parser.add_argument("--resume", action="store_true", help="skip plans whose result is already in --out")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    begin = time.monotonic()
    for name in args.plan.split(","):
        if args.resume and finished(args.out / f"{name}.json"):
            logger.info("skip %s: already done", name)
            continue
        left = args.deadline_s - (time.monotonic() - begin)
        if left < EXPECTED_S.get(name, 60):
            logger.info("skip %s: %.0f s left", name, left)
            continue
        result = run_plan(name, args.weights, args.out, left)
        clips = result.get("clips", [])
        logger.info("%s: %s walls=%s nvml=%s MiB rss=%s GiB %s", name, [c.get("status") for c in clips],
                    [c.get("wall_s") for c in clips], result.get("peak_nvml_mib"), result.get("peak_rss_gib"),
                    result.get("error", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
