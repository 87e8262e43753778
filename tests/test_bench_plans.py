"""The next GPU run's plans (bench/run.py NEXT) end to end on the CPU: each plan's own command line through
bench/run_one.py's app path, with the real Studio, queue, worker, clip writer and mp4 on the CPU test engine
in place of LightX2V (and stand-ins for the CUDA counters); then bench/report_cost.py on what they recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.models import PREVIEW_DECODER
from bench import cost, report_cost, run, run_one
from bench.synth_extras import write_lora
from tests.support.cpu_engine import CpuTestEngine

pytestmark = pytest.mark.slow  # each plan is a few seconds of real queue, worker and mp4 work

SMALL = ["--width", "256", "--height", "256", "--frames", "9"]


class Sampler:
    """PeakSampler without NVML: utilisation samples of a GPU that is always busy."""

    def __init__(self) -> None:
        self.util: list[tuple[float, int]] = []

    def idle(self, start: float, end: float) -> dict[str, Any]:
        return {"samples": 1, "idle_fraction": 0.0, "zero_samples": 0}


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    root = tmp_path / "weights"
    decoder = PREVIEW_DECODER.root(root)
    decoder.mkdir(parents=True)
    (decoder / "taew2_1.pth").write_bytes(b"synthetic")
    write_lora(root / cost.LORA_FILE, rank=1)  # the real layout (the app checks it), rank 1: 10 MB
    return root


def run_on_cpu(name: str, weights: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], CpuTestEngine]:
    """One plan through run_one's app path; the result as run.py saves it (its name added)."""
    engines: list[CpuTestEngine] = []

    def make_engine(**_switches: Any) -> CpuTestEngine:
        engines.append(CpuTestEngine(step_delay=0.005, encode_delay=0.0, decode_delay=0.0))
        return engines[-1]

    monkeypatch.setattr("backend.engine.lightx2v.LightX2VEngine", make_engine)
    monkeypatch.setattr(run_one, "alloc_stats", lambda: dict.fromkeys(run_one.ALLOC_STATS, 0))
    monkeypatch.setattr("bench.diagnose.leftovers", lambda: {"runners_alive": [], "pipeline": {"alive": []}})
    argv = list(run.PLANS[name])
    free = argv.index("--free-gib")
    assert argv[free + 1] in ("7.5", "15.5")  # the preset's budget minus 0.5 GiB, as the real-* plans
    del argv[free:free + 2]  # the ballast process needs a card
    args = run_one.parse_args([*argv, *SMALL, "--weights", str(weights)])
    result = run_one.run_app(args, lambda update: None, Sampler())
    (engine,) = engines
    return {**result, "name": name, "args": {k: str(v) for k, v in vars(args).items()}}, engine


@pytest.mark.parametrize("name", ["cost-8gb", "cost-16gb"])
def test_cost_plans_interleave_every_variant_and_leave_the_decoder_in_place(
        name: str, weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, engine = run_on_cpu(name, weights, monkeypatch)
    variants = result["variants"]
    assert [(v["variant"], v["round"]) for v in variants] == [
        (v, r) for r in range(3) for v in ("base", "linear", "tiny", "lora")]
    assert all(v["status"] == "done" and len(v["timings"]["steps_s"]) == 4 for v in variants), variants[0]["timings"]
    assert [bool(s) for s in engine.lora_sets] == [False] + [False, False, False, True] * 3
    assert PREVIEW_DECODER.root(weights).is_dir()  # back in place after the tiny rounds
    assert len(result["clips"]) == 1


def test_gap_plan_queues_five_with_previews_then_reloads(weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _engine = run_on_cpu("gap-16gb", weights, monkeypatch)
    queued = result["queued"]
    assert queued["statuses"] == ["done"] * 5 and len(queued["jobs"]) == 5
    assert all(j["timings"]["render_s"] for j in queued["jobs"])
    assert queued["wall_s"] <= queued["wall_with_last_save_s"]  # the GPU's last work ends before the last save
    again = result["queued_keep_cache"]
    assert again["applied"] is False and again["statuses"] == ["done"] * 5  # no LightX2V pipeline on the CPU
    assert result["reload"]["asked"] and result["reload"]["clip"]["status"] == "done"
    assert result["reload"]["after_free"]["pipeline"] == {"alive": []}
    assert len(result["clips"]) == 3


def test_the_report_reads_what_the_plans_recorded(weights: Path, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("cost-16gb", "gap-16gb"):
        (runs / f"{name}.json").write_text(json.dumps(run_on_cpu(name, weights, monkeypatch)[0]))
    assert report_cost.main(["--runs", str(runs), "--out", str(tmp_path / "report")]) == 0
    text = (tmp_path / "report.md").read_text()
    for variant in ("base", "linear", "tiny", "lora"):
        assert f"| 16gb | {variant} | " in text
    assert "16gb, step with tiny ÷ without" in text  # (no allocator peaks on the CPU: no LoRA memory line)
    assert "clip after Free GPU memory ÷ warm clip (16 GB)" in text and "nothing of the old pipeline" in text
    assert "worker hand-off: median" in text and "LightX2V outside stages" not in text  # the CPU engine has none
    assert set(json.loads((tmp_path / "report.json").read_text())) == {"cost-16gb", "gap-16gb"}
