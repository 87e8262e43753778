"""Report of the next GPU run's plans (bench/run.py NEXT): preview and LoRA cost (item 7), 8 GB ÷ 16 GB
(item 4), the clip after Free GPU memory with whatever of the old pipeline survived (item 5), and the GPU's
idle time between queued clips with where the time between them went (item 8).

python -m bench.report_cost --runs DIR [--runs DIR2 …] --out bench/results/<date>-<gpu>-next
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.report import load_runs, write_report

GIB_MIB = 1024
STEP_TARGETS = {"linear": 1.01, "tiny": 1.05, "lora": 1.15}
LORA_VRAM_TARGET_GIB = 0.3
RELOAD_TARGET = 1.35
IDLE_TARGET = 0.02
EIGHT_TO_SIXTEEN_TARGET = 1.05
NAMES = ("cost-", "gap-")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _spread(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f}, n={len(values)})"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _verdict(value: float, target: float) -> str:
    return f"target ≤ {target}: {'met' if value <= target else 'NOT met'}"


def by_variant(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in run.get("variants", []):
        out.setdefault(record["variant"], []).append(record)
    return out


def steps(records: list[dict[str, Any]]) -> list[float]:
    """Every denoising step of the finished clips (a variant's clips are all warm: the build ran before)."""
    return [s for r in records if r.get("status") == "done" for s in r.get("step_times_s") or []]


def need_gib(records: list[dict[str, Any]]) -> float | None:
    """Allocator peak + CUDA context, the highest of the clips (what the card must hold)."""
    needs = [r["peak_allocated_mib"] + (r.get("context_mib") or 0.0) for r in records if r.get("peak_allocated_mib")]
    return max(needs) / GIB_MIB if needs else None


def cost_rows(name: str, run: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The table's rows for one preset, and its ratio lines."""
    groups = by_variant(run)
    base_step, base_need = _median(steps(groups.get("base", []))), need_gib(groups.get("base", []))
    rows, lines = [], []
    preset = (run.get("args") or {}).get("preset", name)
    for variant, records in groups.items():
        step, need = _median(steps(records)), need_gib(records)
        walls = [r["wall_s"] for r in records if r.get("status") == "done"]
        notes = sorted({n for r in records for n in r.get("notes", [])}
                       | {r["error"] for r in records if r.get("error")})
        ratio = f"{step / base_step:.3f}" if step and base_step else "—"
        extra = f"{need - base_need:+.2f}" if need is not None and base_need is not None else "—"
        rows.append(f"| {preset} | {variant} | {_spread(steps(records))} | {ratio} | {_spread(walls)} | "
                    f"{'—' if need is None else f'{need:.2f}'} | {extra} | {'; '.join(notes) or ''} |")
        if variant in STEP_TARGETS and step and base_step:
            value = step / base_step
            lines.append(f"- {preset}, step with {variant} ÷ without: {step:.3f} / {base_step:.3f} s = **{value:.3f}** "
                         f"({_verdict(value, STEP_TARGETS[variant])})")
        if variant == "lora" and need is not None and base_need is not None:
            lines.append(f"- {preset}, LoRA's extra need: {need:.2f} − {base_need:.2f} GiB = **{need - base_need:+.2f} "
                         f"GiB** ({_verdict(need - base_need, LORA_VRAM_TARGET_GIB)})")
    return rows, lines


def base_wall(run: dict[str, Any]) -> float | None:
    return _median([r["wall_s"] for r in by_variant(run).get("base", []) if r.get("status") == "done"])


def reload_lines(run: dict[str, Any]) -> list[str]:
    reload = run.get("reload") or {}
    clip = reload.get("clip") or {}
    warm = _median([c["wall_s"] for c in run.get("clips", [])[1:] if c.get("status") == "done"])
    if not clip.get("wall_s") or not warm:
        return ["- clip after Free GPU memory: not measured"]
    value = clip["wall_s"] / warm
    after = reload.get("after_free") or {}
    held = after.get("pipeline") or {}
    build = _round((clip.get("timings") or {}).get("load_s"))
    lines = [f"- clip after Free GPU memory ÷ warm clip (16 GB): {clip['wall_s']:.2f} / {warm:.2f} s = "
             f"**{value:.3f}** ({_verdict(value, RELOAD_TARGET)}); its build {build} s; after the free: "
             f"{after.get('allocated_mib')} MiB allocated, {after.get('reserved_mib')} MiB reserved, "
             f"{after.get('kept_gib')} GiB of RAM kept"]
    if held.get("alive"):
        lines.append(f"- still alive after the free: {', '.join(held['alive'])} ({held.get('count')} objects); "
                     "held by:")
        for kind, found in (held.get("holders") or {}).items():
            lines += [f"  - {kind}: {chain}" for chain in found.get("chains", [])[:3]]
            if found.get("unexplained"):
                lines.append(f"  - {kind}: {found['unexplained']} reference(s) held outside Python's view (C code)")
    else:
        lines.append("- nothing of the old pipeline was alive after the free")
    return lines


def gap_parts(jobs: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Where the time between two queued clips goes, from each job's own timings (seconds per clip):
    the worker between one render's end and the next one's start, the app around LightX2V's generate()
    (LoRA, preview decoder, records), and LightX2V's own time outside its stages (the final copy to the
    host, end_run's collect and cache emptying, init_run) — all of it GPU-idle unless a stage overlaps."""
    parts: dict[str, list[float]] = {"worker hand-off": [], "app around generate": [], "LightX2V outside stages": []}
    ordered = sorted((j for j in jobs if j.get("started_at")), key=lambda j: j["started_at"])
    for prev, nxt in itertools.pairwise(ordered):
        render = (prev.get("timings") or {}).get("render_s")
        if render is not None:
            parts["worker hand-off"].append(nxt["started_at"] - (prev["started_at"] + render))
    for job in ordered:
        t = job.get("timings") or {}
        if t.get("render_s") is not None and t.get("generate_s") is not None:
            parts["app around generate"].append(t["render_s"] - t["generate_s"])
        staged = [t.get(k) for k in ("encode_s", "denoise_s", "decode_s")]
        if t.get("generate_s") is not None and None not in staged:
            parts["LightX2V outside stages"].append(t["generate_s"] - sum(s for s in staged if s is not None))
    return parts


def idle_lines(run: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, what in (("queued", "previews on"), ("queued_keep_cache", "previews on, LightX2V's mid-clip cache "
                                                                      "emptying off")):
        queued = run.get(key) or {}
        gpu = queued.get("gpu") or {}
        if not gpu:
            continue
        lines.append(f"- GPU idle across {queued['count']} queued clips, {what} (NVML utilisation at 10 Hz, "
                     f"{gpu['samples']} samples over {queued['wall_s']} s, first start to last render's end): "
                     f"**{gpu['idle_fraction']:.1%}** ({_verdict(gpu['idle_fraction'], IDLE_TARGET)}); samples at "
                     f"0 %: {gpu['zero_samples']}")
        trailing = queued.get("gpu_with_last_save") or {}
        if trailing:
            lines.append(f"  - with the last clip's save counted, as the 2026-12-01 run did: "
                         f"{trailing['idle_fraction']:.1%} over {queued.get('wall_with_last_save_s')} s")
        for part, values in gap_parts(queued.get("jobs", [])).items():
            if values:
                lines.append(f"  - {part}: median {statistics.median(values):.3f} s per clip (max {max(values):.3f})")
    return lines or ["- GPU idle across queued clips: not measured"]


def render(runs: dict[str, dict[str, Any]], notes: list[str]) -> str:
    gpu = next((x.get("gpu") for x in runs.values() if x.get("gpu")), "unknown GPU")
    commits = sorted({x.get("commit") or "?" for x in runs.values()})
    lines = [f"GPU: {gpu}. Code: {', '.join(commits)}. Synthetic weights, TAEHV preview decoder and rank-64 LoRA "
             "(bench/synth_weights.py, bench/synth_extras.py). Each plan is a fresh process under a real memory "
             "limit (ballast process, no allocator cap). In the cost plans the variants run interleaved, one clip "
             "each per round, 3 rounds: base (no previews), linear (colour-map previews), tiny (TAEHV preview "
             "decoder), lora (rank 64 on all 400 block linears, strength 1). Step times are every denoising step "
             "of the variant's clips; `need` = allocator peak + CUDA context.", *[f"\n{n}" for n in notes], "",
             "| preset | variant | step s, median (range, n) | ÷ base | warm clip s | need GiB | Δ need GiB | notes |",
             "|---|---|---|---|---|---|---|---|"]
    ratio_lines: list[str] = []
    for name in sorted(n for n in runs if n.startswith("cost-")):
        rows, found = cost_rows(name, runs[name])
        lines += rows
        ratio_lines += found
    eight, sixteen = base_wall(runs.get("cost-8gb", {})), base_wall(runs.get("cost-16gb", {}))
    if eight and sixteen:
        ratio_lines.append(f"- 8 GB ÷ 16 GB warm clip, no previews (base medians): {eight:.2f} / {sixteen:.2f} s = "
                           f"**{eight / sixteen:.3f}** ({_verdict(eight / sixteen, EIGHT_TO_SIXTEEN_TARGET)})")
    gap = runs.get("gap-16gb", {})
    ratio_lines += reload_lines(gap) + idle_lines(gap)
    failed = [f"- {n}: {r['error']}" for n, r in sorted(runs.items()) if r.get("error")]
    return "\n".join([*lines, "", "Ratios:", *ratio_lines, *(["", "Failed runs:", *failed] if failed else [])]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, required=True, help="path without extension")
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args(argv)
    runs = {n: r for n, r in load_runs(args.runs).items() if n.startswith(NAMES)}
    write_report(args.out, runs, render(runs, args.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
