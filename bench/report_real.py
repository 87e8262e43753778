"""Report of the real-memory-limit runs (plans real-*, int8-*, bare-start in bench/run.py): warm clips as
median and spread, need and NVML peak under the limit, allocator retries, and the issue's ratios.

python -m bench.report_real --runs DIR [--runs DIR2 …] --out bench/results/<date>-<gpu>-real [--note TEXT]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.report import load_runs, write_report

BUDGETS = {"8gb": 8.0, "12gb": 12.0, "16gb": 16.0, "24gb": 24.0}


def done(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in run.get("clips", []) if c.get("status") == "done"]


def warm(run: dict[str, Any]) -> list[float]:
    """Wall times of the clips after the first (the first pays for the build)."""
    return [c["wall_s"] for c in done(run)[1:]]


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    med = statistics.median(values)
    return f"{med:.2f} ({min(values):.2f}–{max(values):.2f}, n={len(values)})" if len(values) > 1 else f"{med:.2f}"


def need_gib(run: dict[str, Any]) -> float | None:
    """Allocator peak plus the measured CUDA context: what the card must hold (reserved grows to any limit)."""
    clips = done(run)
    peaks = [c["peak_allocated_mib"] for c in clips if c.get("peak_allocated_mib")]
    context = next((c["context_mib"] for c in clips if c.get("context_mib")), 0.0)
    return (max(peaks) + context) / 1024 if peaks else None


def row(name: str, run: dict[str, Any]) -> str:
    args = run.get("args", {})
    clips = done(run)
    first = clips[0] if clips else {}
    steps = [c["timings"]["step_s"] for c in clips[1:] if c.get("timings", {}).get("step_s")]
    retries = [c.get("alloc_stats", {}).get("num_alloc_retries") for c in clips[1:]] or \
              [c.get("alloc_stats", {}).get("num_alloc_retries") for c in clips]
    failed = [c for c in run.get("clips", []) if c.get("status") != "done"]
    notes = sorted({n for c in run.get("clips", []) for n in c.get("notes", [])})
    need = need_gib(run)
    verdict = "passed" if clips and not failed and not notes and not run.get("error") else "FAILED"
    free = (run.get("ballast") or {}).get("free_gib")
    f = (lambda x, nd=1: "—" if x is None else f"{x:.{nd}f}")  # noqa: E731
    quant = (first.get("kernels") or {}).get("quant_scheme") or args.get("quant")
    text = (f"| {name} | {quant} | {args.get('width')}×{args.get('height')}×{args.get('frames')} | {f(free, 2)} | "
            f"{f(first.get('build_s'))} | {f(first.get('wall_s'))} | {spread(warm(run))} | {spread(steps)} | "
            f"{f(need, 2)} | {f((run.get('peak_nvml_mib') or 0) / 1024, 2)} | "
            f"{'/'.join(str(r) for r in retries if r is not None) or '—'} | "
            f"{f(run.get('peak_anon_gib'))} | {verdict} |")
    if failed or notes:
        text += " " + "; ".join([*notes, *(c.get("error") or "" for c in failed)])
    return text


def ratio(text: str, num: float | None, den: float | None, target: float | None, detail: str = "") -> str:
    if not num or not den:
        return f"- {text}: not measured"
    value = num / den
    verdict = "" if target is None else f" (target ≤ {target}: {'met' if value <= target else 'NOT met'})"
    return f"- {text}: {num:.2f} / {den:.2f} s = **{value:.3f}**{verdict}{detail}"


def med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratios(runs: dict[str, dict[str, Any]]) -> list[str]:
    r = runs.get
    out = [ratio("8 GB ÷ 16 GB warm clip, FP8 (medians)", med(warm(r("real-8gb", {}))),
                 med(warm(r("real-16gb", {}))), 1.05)]
    out.append(ratio("8 GB ÷ 16 GB warm clip, INT8 (medians)", med(warm(r("int8-8gb", {}))),
                     med(warm(r("int8-16gb", {}))), 1.05))
    for preset in ("8gb", "12gb", "16gb", "24gb"):
        fp8, int8 = r(f"real-{preset}", {}), r(f"int8-{preset}", {})
        n8, n16 = need_gib(int8), need_gib(fp8)
        need = f"; need {n8:.2f} vs {n16:.2f} GiB ({n8 - n16:+.2f})" if n8 and n16 else ""
        out.append(ratio(f"INT8 ÷ FP8 warm clip, {preset}", med(warm(int8)), med(warm(fp8)), 1.05, need))
    sixteen = r("real-16gb", {})
    reload = (sixteen.get("reload") or {}).get("clip") or {}
    out.append(ratio("clip after Free GPU memory ÷ warm clip (16 GB)", reload.get("wall_s"), med(warm(sixteen)), 1.35,
                     f"; the reload's build {(reload.get('timings') or {}).get('load_s')} s"))
    out.append(ratio("process start → first clip saved, app (real-16gb, Studio without the page) ÷ bare LightX2V",
                     sixteen.get("start_to_first_clip_s"), r("bare-start", {}).get("start_to_first_clip_s"), 0.45))
    queue = sixteen.get("queued") or {}
    gpu = queue.get("gpu") or {}
    if gpu:
        target = 0.02
        out.append(f"- GPU idle across {queue['count']} queued clips (NVML utilisation at 10 Hz, {gpu['samples']} "
                   f"samples over {queue['wall_s']} s): **{gpu['idle_fraction']:.1%}** (target ≤ {target:.0%}: "
                   f"{'met' if gpu['idle_fraction'] <= target else 'NOT met'}); samples at 0 %: {gpu['zero_samples']}")
    return out


def render(runs: dict[str, dict[str, Any]], notes: list[str]) -> str:
    gpu = next((x.get("gpu") for x in runs.values() if x.get("gpu")), "unknown GPU")
    commits = sorted({x.get("commit") or "?" for x in runs.values()})
    lines = [f"GPU: {gpu}. Code: {', '.join(commits)}. Synthetic weights (bench/synth_weights.py). Each row is a fresh "
             "process; a ballast process (bench/ballast.py) holds plain cudaMalloc blocks so only `free` GiB of the "
             "card is left, and nothing caps torch's allocator. `need` = allocator peak + CUDA context; `NVML` = the "
             "process's whole use (the caching allocator grows into whatever is free, so it says little about need); "
             "`retries` = the allocator's num_alloc_retries per warm clip (each frees its cache and syncs the device).",
             *[f"\n{n}" for n in notes], "",
             "| run | matmul | size | free GiB | build s | clip 1 s | warm clip s, median (range) | step s | need GiB "
             "| NVML GiB | retries | kept RAM GiB | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row(n, x) for n, x in sorted(runs.items()) if n.startswith(("real-", "int8-"))]
    bare = runs.get("bare-start")
    if bare:
        first = done(bare)[0]["wall_s"] if done(bare) else "—"
        lines += ["", f"bare-start (plain LightX2VPipeline, 16 GB keys, no limit, a user's default settings): first "
                      f"clip {first} s, process start → first clip {bare.get('start_to_first_clip_s')} s."]
    lines += ["", "Ratios:", *ratios(runs)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True, help="path without extension")
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args(argv)
    runs = {n: r for n, r in load_runs(args.runs).items() if n.startswith(("real-", "int8-", "bare-start"))}
    for run in runs.values():  # the profiles' tables are long: keep them in the JSON only
        run.pop("weights", None)
    write_report(args.out, runs, render(runs, args.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
