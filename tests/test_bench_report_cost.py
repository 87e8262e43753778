"""bench/report_cost.py on recorded-format results (tests/data/bench-next: the fields run_one records, as the
CPU dry run in test_bench_plans.py proves, with GPU-like numbers chosen to meet some targets and miss others)."""

from __future__ import annotations

from pathlib import Path

from bench import report_cost
from bench.report import load_runs

DATA = Path(__file__).parent / "data" / "bench-next"


def test_targets_ratios_memory_and_holders() -> None:
    text = report_cost.render(load_runs([DATA]), ["one note"])
    assert "| 16gb | tiny | 3.000 (2.990–3.010, n=12) | 1.056 | 15.510 (15.500–15.520, n=3) | 8.97 | +0.39 |" in text
    assert "- 16gb, step with linear ÷ without: 2.850 / 2.840 s = **1.004** (target ≤ 1.01: met)" in text
    assert "- 16gb, step with tiny ÷ without: 3.000 / 2.840 s = **1.056** (target ≤ 1.05: NOT met)" in text
    assert "- 16gb, step with lora ÷ without: 3.110 / 2.840 s = **1.095** (target ≤ 1.15: met)" in text
    assert "- 16gb, LoRA's extra need: 8.80 − 8.58 GiB = **+0.22 GiB** (target ≤ 0.3: met)" in text
    assert "- 8gb, LoRA's extra need: 6.49 − 6.20 GiB = **+0.29 GiB** (target ≤ 0.3: met)" in text
    assert "8 GB ÷ 16 GB warm clip, no previews (base medians): 15.93 / 14.76 s = **1.079** (target ≤ 1.05: NOT met)" \
        in text
    assert ("clip after Free GPU memory ÷ warm clip (16 GB): 18.20 / 14.78 s = **1.232** (target ≤ 1.35: met); its "
            "build 5.93 s; after the free: 3100.0 MiB allocated, 3200.0 MiB reserved, 44.1 GiB of RAM kept") in text
    assert "still alive after the free: WanDistillRunner, WanModel (2 objects)" in text
    assert "dict keys=['runner'] <- module triton.runtime.autotuner" in text and "1 reference(s) held outside" in text
    assert "**3.1%** (target ≤ 0.02: NOT met); samples at 0 %: 12" in text
    assert "with the last clip's save counted, as the 2026-12-01 run did: 4.8% over 74.6 s" in text
    assert ("cache emptying off (NVML utilisation at 10 Hz, 720 samples over 72.8 s, first start to last render's "
            "end): **1.2%** (target ≤ 0.02: met)") in text
    assert "LightX2V outside stages: median 0.200 s" in text
    assert "worker hand-off: median 0.200 s per clip" in text
    assert "app around generate: median 0.300 s" in text and "LightX2V outside stages: median 0.550 s" in text
    assert "\none note" in text and "Failed runs" not in text


def test_a_failed_or_missing_run_says_so() -> None:
    runs = load_runs([DATA])
    runs["cost-8gb"]["error"] = "timed out after 300 s"
    del runs["gap-16gb"]
    text = report_cost.render(runs, [])
    assert "- cost-8gb: timed out after 300 s" in text
    assert "clip after Free GPU memory: not measured" in text and "GPU idle across queued clips: not measured" in text
