"""The reload row's holder report: what of an unloaded pipeline is still alive and who keeps it."""

from __future__ import annotations

import gc

from bench.diagnose import holder_chains, pipeline_holders


class WanDistillRunner:
    """Stands in for LightX2V's runner class (matched by module and name)."""


WanDistillRunner.__module__ = "lightx2v.models.runners.wan.wan_distill_runner"
KEPT: dict[str, object] = {}


def test_a_runner_kept_by_a_global_is_named_with_its_holder() -> None:
    KEPT["last_runner"] = WanDistillRunner()
    try:
        found = pipeline_holders()
        assert found["alive"] == ["WanDistillRunner"] and found["count"] == 1
        (chain, *_) = found["holders"]["WanDistillRunner"]["chains"]
        runner = "lightx2v.models.runners.wan.wan_distill_runner.WanDistillRunner"
        assert chain.startswith(f"{runner} <- dict keys=['last_runner']")
    finally:
        KEPT.clear()
    assert pipeline_holders() == {"alive": [], "count": 0, "holders": {}}


def test_a_runner_kept_by_a_kept_errors_traceback_is_traced_to_the_frame() -> None:
    def render(runner: object) -> None:
        raise RuntimeError("out of memory")

    try:
        render(WanDistillRunner())
    except RuntimeError as err:
        kept = err
    gc.collect()
    (runner,) = [o for o in gc.get_objects() if type(o) is WanDistillRunner]
    chains = holder_chains(runner)
    del runner
    assert any("frame render (test_bench_diagnose.py" in c and "traceback at frame render" in c for c in chains), chains
    del kept
    assert pipeline_holders()["count"] == 0
