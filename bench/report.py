"""Merge benchmark results (one JSON per configuration) into results/<date>-<gpu>.json and a Markdown table
with the targets of the GPU-proof and speed issues.

python -m bench.report --runs DIR [--runs DIR2 …] --out bench/results/2026-11-27-h100
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

BUDGETS = {"8gb": 8.0, "12gb": 12.0, "16gb": 16.0, "24gb": 24.0}
HEADROOM_GIB = 0.5


def write_report(out: Path, runs: dict[str, dict[str, Any]], text: str) -> None:
    """The runs as `out`.json, the table as `out`.md, and the table on the console."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(runs, indent=1) + "\n")
    out.with_suffix(".md").write_text(text)
    sys.stdout.write(text)


def load_runs(folders: list[Path]) -> dict[str, dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            # where the box kept LightX2V's sources says nothing about the result, and names a machine's folder
            text = re.sub(r"source tree at [^\s\"]+", "source tree on PYTHONPATH", path.read_text())
            data = json.loads(text)
            if isinstance(data, dict) and "name" in data:
                runs[data["name"]] = data  # later folders win: a rerun replaces an earlier try
    return runs


def _clip(run: dict[str, Any], i: int) -> dict[str, Any]:
    clips = [c for c in run.get("clips", []) if c.get("status") == "done"]
    return clips[i] if len(clips) > i else {}


def need_gib(run: dict[str, Any]) -> float | None:
    """What a real card must hold: the allocator's peak allocation plus the measured CUDA context. (Reserved
    memory is no measure under a cap: the caching allocator keeps blocks up to whatever cap it is given.)"""
    peaks = [c.get("peak_allocated_mib") for c in run.get("clips", []) if c.get("peak_allocated_mib")]
    context = next((c.get("context_mib") for c in run.get("clips", []) if c.get("context_mib")), None)
    if not peaks:
        return None
    return (max(peaks) + (context or 0.0)) / 1024


def row(name: str, run: dict[str, Any]) -> str:
    args = run.get("args", {})
    first, warm = _clip(run, 0), _clip(run, 1)
    t = (warm or first).get("timings", {})
    preset = args.get("preset", "")
    need = need_gib(run)
    budget = BUDGETS.get(preset)
    capped = float(args.get("cap_gib", "0") or 0) > 0
    verdict = "—"
    if need is not None and budget is not None and capped:
        verdict = "fits" if need <= budget - HEADROOM_GIB else "OVER"
    kernels = (first.get("kernels") or {}) if first else {}

    def f(x: Any, nd: int = 1) -> str:
        return "—" if x is None else f"{x:.{nd}f}"

    build = first.get("build_s") or run.get("build_s")
    return (f"| {name} | {args.get('width')}×{args.get('height')}×{args.get('frames')} | {args.get('cap_gib')} | "
            f"{f(build)} | {f(first.get('wall_s'))} / {f(warm.get('wall_s'))} | {f(t.get('step_s'), 2)} | "
            f"{f(t.get('encode_s'), 2)} | {f(t.get('decode_s'), 2)} | {f(t.get('save_s'), 2)} | "
            f"{f((first.get('peak_allocated_mib') or 0) / 1024)} / {f((first.get('peak_reserved_mib') or 0) / 1024)} | "
            f"{f(need)} | {f((run.get('peak_nvml_mib') or 0) / 1024)} | {f(run.get('peak_rss_gib'))} / "
            f"{f(run.get('peak_anon_gib'))} | "
            f"{kernels.get('quant_scheme', '—')} + {kernels.get('attention', '—')} | {verdict} |"
            + (f" {run['error']}" if run.get("error") else ""))


def ratios(runs: dict[str, dict[str, Any]]) -> list[str]:
    out = []

    def warm(name: str) -> float | None:
        return _clip(runs.get(name, {}), 1).get("wall_s")

    def line(text: str, num: float | None, den: float | None, target: float | None) -> None:
        if num and den:
            value = num / den
            verdict = "(no target)" if target is None else \
                f"(target ≤ {target}) {'met' if value <= target else 'NOT met'}"
            out.append(f"- {text}: {num:.1f} / {den:.1f} s = **{value:.2f}** {verdict}")
        else:
            out.append(f"- {text}: not measured in this run")

    k8 = _clip(runs.get("app-8gb", {}), 0).get("kernels")
    k16 = _clip(runs.get("app-16gb", {}), 0).get("kernels")
    if k8 and k16 and k8 != k16:
        out.append("- 8 GB warm clip ÷ 16 GB warm clip: the two runs used different kernels; not comparable")
    else:
        line("8 GB warm clip ÷ 16 GB warm clip", warm("app-8gb"), warm("app-16gb"), 1.15)
    bare = runs.get("bare-16gb", {})
    bare_kernels = {"quant_scheme": bare.get("args", {}).get("quant"), "attention": bare.get("args", {}).get("attn")}
    app = next((n for n in ("app-16gb", "app-16gb-pinned")
                if {k: v for k, v in (_clip(runs.get(n, {}), 0).get("kernels") or {}).items() if k in bare_kernels}
                == bare_kernels), None)
    line(f"app path ({app}) ÷ bare LightX2VPipeline, same keys and kernels, warm clip",
         warm(app) if app else None, warm("bare-16gb"), 1.02)
    reuse = "app-16gb" if "app-16gb" in runs else "app-16gb-pinned"
    first = _clip(runs.get(reuse, {}), 0)
    line(f"second warm clip ÷ (pipeline build + first clip) ({reuse})", warm(reuse),
         (first.get("build_s") or 0) + (first.get("wall_s") or 0) if first else None, 0.5)
    line(f"process start → first clip saved, app ({reuse}) ÷ bare (both from process start)",
         runs.get(reuse, {}).get("start_to_first_clip_s"), bare.get("start_to_first_clip_s"), 0.5)
    for name, run in sorted(runs.items()):
        queue = run.get("queued") or {}
        one = _clip(run, 1).get("wall_s") or _clip(run, 0).get("wall_s")
        if queue.get("wall_s"):
            line(f"{queue['count']} queued clips ÷ {queue['count']} × one warm clip ({name})", queue["wall_s"],
                 queue["count"] * one if one else None, 0.92)
    line("offload cost: 16 GB warm ÷ all-resident warm", warm("app-16gb"), warm("app-resident"), None)
    return out


def before_after(runs: dict[str, dict[str, Any]]) -> list[str]:
    """The start-up path before this round of speed work (app-16gb-before) against now (app-16gb)."""
    pair = [(n, runs.get(n)) for n in ("app-16gb-before", "app-16gb")]
    if not all(run for _, run in pair):
        return []
    lines = ["", "Start-up, before → after (same run, same GPU):", "",
             "| config | import s | build s (incl. import) | T5 encode, first clip s | first step s | "
             "clip 1 s | process start → first clip saved s |", "|---|---|---|---|---|---|---|"]
    for name, run in pair:
        assert run is not None
        c = _clip(run, 0)
        t = c.get("timings") or {}
        lines.append(f"| {name} | {c.get('import_s')} | {c.get('build_s')} | {t.get('encode_s')} | "
                     f"{t.get('first_step_s')} | {c.get('wall_s')} | {run.get('start_to_first_clip_s')} |")
    return lines


def render(runs: dict[str, dict[str, Any]], notes: list[str] | None = None) -> str:
    gpu = next((r.get("gpu") for r in runs.values() if r.get("gpu")), "unknown GPU")
    lines = [
        f"GPU: {gpu}. Synthetic random weights in LightX2V's exact layout (bench/synth_weights.py); "
        "videos are noise, memory and time are real. `need` = allocator peak + measured CUDA context: what a real "
        f"card must hold; a preset fits when need ≤ budget − {HEADROOM_GIB} GiB. `kept` = resident anonymous plus "
        "shared memory (pinned buffers included, memory-mapped checkpoint pages not): RAM the run cannot give back.",
        *[f"\n{note}" for note in notes or []],
        "",
        "| config | size | cap GiB | build s | clip 1 / warm s | step s | encode s | decode s | save s | "
        "alloc / reserved GiB | need GiB | NVML GiB | host RSS / kept GiB | kernels | fit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(name, run) for name, run in sorted(runs.items())]
    lines += ["", "Targets:", *ratios(runs), *before_after(runs)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True, help="path without extension")
    parser.add_argument("--note", action="append", help="a paragraph to print under the heading")
    args = parser.parse_args(argv)
    runs = load_runs(args.runs)
    write_report(args.out, runs, render(runs, args.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
