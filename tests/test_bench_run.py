"""bench/run.py's plan loop: a plan already done is not run again (--resume), one that cannot finish in the
time left is not started, and a cut-off or crashed one counts as not done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run


def test_resume_skips_finished_plans_and_never_starts_one_without_its_time(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[str, float]] = []
    monkeypatch.setattr(run, "run_plan", lambda name, weights, out, left: started.append((name, left)) or {})
    (tmp_path / "gap-16gb.json").write_text(json.dumps({"name": "gap-16gb", "clips": []}))
    (tmp_path / "cost-16gb.json").write_text(json.dumps({"name": "cost-16gb", "error": "timed out after 300 s"}))
    plans = "gap-16gb,cost-16gb,real-24gb"
    run.main(["--weights", "w", "--out", str(tmp_path), "--plan", plans, "--deadline-s", "200", "--resume"])
    assert [name for name, _ in started] == ["real-24gb"]  # done; needs ~260 s of 200; started
    run.main(["--weights", "w", "--out", str(tmp_path), "--plan", plans, "--deadline-s", "600", "--resume"])
    assert [name for name, _ in started] == ["real-24gb", "cost-16gb", "real-24gb"]
    assert run.finished(tmp_path / "gap-16gb.json") and not run.finished(tmp_path / "cost-16gb.json")
    assert not run.finished(tmp_path / "missing.json")


def test_every_next_plan_runs_fp8_under_a_real_limit() -> None:
    for name in run.NEXT:
        argv = run.PLANS[name]
        assert "--free-gib" in argv and "--cap-gib" not in argv and argv[argv.index("--quant") + 1] == "fp8-triton"
        assert name in run.EXPECTED_S


def test_variants_park_the_preview_decoder_only_for_their_clips_and_always_put_it_back(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from backend.models import PREVIEW_DECODER
    from bench import cost

    folder = PREVIEW_DECODER.root(tmp_path)
    folder.mkdir()
    cost.decoder_present(tmp_path, False)  # as a run cut off during a colour-map clip leaves it
    assert not folder.exists()
    settings: list[dict] = []
    seen: list[tuple[str, bool, dict]] = []
    studio = SimpleNamespace(update_settings=lambda **kw: settings.append(kw), paths=SimpleNamespace(lora_dir=tmp_path))

    def one_clip(seed: int, **extra: object) -> dict:
        seen.append((settings[-1]["previews"], folder.exists(), extra))
        if len(seen) == 3:
            raise RuntimeError("out of memory")
        return {"status": "done"}

    with pytest.raises(RuntimeError):
        cost.run_variants(studio, tmp_path, ("base", "linear", "tiny"), 2, one_clip, lambda records: None)
    assert seen == [(False, False, {}), (True, False, {}), (True, True, {})]
    assert folder.is_dir()
    with pytest.raises(FileNotFoundError, match=r"bench\.synth_extras --lora"):
        cost.run_variants(studio, tmp_path, ("lora",), 1, one_clip, lambda records: None)
