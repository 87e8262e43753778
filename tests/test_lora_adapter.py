"""The adapter's side of LightX2V's dynamic LoRA, against the recording fake: one merged file in the
DiT's own key names through runner.switch_lora, copies in place when shapes stay, no DiT rebuild."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend import models
from backend.engine import kernels
from backend.engine.base import CancelToken
from backend.engine.lightx2v import LightX2VEngine
from backend.errors import EngineFailed, LoraError
from backend.lora import parse
from backend.lora.folders import LoraLibrary
from backend.lora.merge import LoraSet
from backend.request import LoraUse, build_request
from tests.support import fake_lightx2v
from tests.support.fake_lightx2v import Recorder
from tests.support.lora_files import make_layers, write_lora
from tests.test_lightx2v_adapter import config, kwargs_of

REAL = parse.WAN21_14B


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    root = tmp_path / "weights"
    for rel in models.required_files("fp8"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    return root


@pytest.fixture
def rec(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    fake_lightx2v.install(monkeypatch, recorder)
    monkeypatch.setattr(kernels, "choose", lambda cap, q="auto", a="auto": ("fp8-triton", "torch_sdpa", []))
    return recorder


@pytest.fixture
def library(tmp_path: Path) -> LoraLibrary:
    folder = tmp_path / "loras"
    folder.mkdir()
    write_lora(folder / "style.safetensors", make_layers(REAL, 2, ("self_attn.q", "ffn.2"), blocks=(0, 39), seed=1,
                                                         alpha=1.0), "kohya", "BF16")
    write_lora(folder / "motion.safetensors", make_layers(REAL, 4, ("ffn.2",), blocks=(5,), seed=2), "lightx2v")
    return LoraLibrary(lambda: [folder], REAL)


def prepared(library: LoraLibrary, *choices: tuple[str, float]) -> LoraSet:
    return library.prepare(tuple(library.check(LoraUse(n, "", s))[0] for n, s in choices))


def run(engine: LightX2VEngine, cfg, loras: LoraSet | None, seed: int = 1):
    return engine.render(build_request("a cat", seed=seed), cfg, lambda e: None, CancelToken(), loras=loras)


def switches(rec: Recorder) -> list:
    return kwargs_of(rec, "switch_lora")


def test_one_merged_file_in_the_dits_key_names(rec: Recorder, weights: Path, library: LoraLibrary) -> None:
    engine = LightX2VEngine()
    loras = prepared(library, ("style.safetensors", 0.5), ("motion.safetensors", -1.0))
    out = run(engine, config(weights, "12gb"), loras)
    ((path, strength),) = switches(rec)
    assert strength == 1.0 and path.endswith("lora-branch.safetensors") and not Path(path).exists()
    names = rec.names()
    assert names.index("create_generator") < names.index("switch_lora") < names.index("generate")
    assert set(rec.lora) == {f"blocks.{i}.{k}.lora_{p}.weight" for i in range(40) for k in ("self_attn.q", "ffn.2")
                             for p in ("down", "up")}
    assert rec.lora["blocks.7.ffn.2.lora_down.weight"].shape == (6, 13824)  # ranks 2 + 4, zeros in block 7
    assert not rec.lora["blocks.7.ffn.2.lora_down.weight"].any()
    # The first 256 output rows of the 5120x13824 change: enough to tell (a swapped or transposed factor
    # gives another shape or other values), without a 70-million-element product and difference.
    got = rec.lora["blocks.39.ffn.2.lora_up.weight"][:256] @ rec.lora["blocks.39.ffn.2.lora_down.weight"]
    want = loras.delta("blocks.39.ffn.2")[:256]
    assert np.abs(got - want).max() < 0.02 * np.abs(want).max()  # LightX2V computes in bf16
    for call in ("LightX2VPipeline", "create_generator"):  # the DiT is built without lora_configs
        assert all("lora_configs" not in kw for kw in kwargs_of(rec, call))
    assert all(key != "lora_configs" for key, _ in kwargs_of(rec, "setattr"))
    assert out.info.lora_layers == 5 and [d.name for d in out.info.loras] == ["style.safetensors",
                                                                                       "motion.safetensors"]


def test_same_loras_again_do_nothing_and_a_strength_change_copies_in_place(
        rec: Recorder, weights: Path, library: LoraLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, cfg = LightX2VEngine(), config(weights, "16gb")
    run(engine, cfg, prepared(library, ("style.safetensors", 1.0)))
    run(engine, cfg, prepared(library, ("style.safetensors", 1.0)), seed=2)
    assert len(switches(rec)) == 1
    before = rec.lora["blocks.0.self_attn.q.lora_down.weight"].copy()
    monkeypatch.setattr(parse, "read_tensors", lambda *a, **k: pytest.fail("the LoRA file was read again"))
    run(engine, cfg, prepared(library, ("style.safetensors", -2.0)), seed=3)
    assert [s[0] == "" for s in switches(rec)] == [False, False]  # no removal: same shapes, copied into
    assert rec.lora_registrations == 1 and len(rec.pipelines) == 1
    assert np.allclose(rec.lora["blocks.0.self_attn.q.lora_down.weight"], -2.0 * before, rtol=1e-2)


def test_a_rank_change_rebuilds_only_the_lora_tensors(rec: Recorder, weights: Path, library: LoraLibrary) -> None:
    engine, cfg = LightX2VEngine(), config(weights, "8gb")
    run(engine, cfg, prepared(library, ("style.safetensors", 1.0)))
    run(engine, cfg, prepared(library, ("style.safetensors", 1.0), ("motion.safetensors", 1.0)), seed=2)
    paths = [s[0] for s in switches(rec)]
    assert paths[1] == "" and paths[2].endswith("lora-branch.safetensors") and len(paths) == 3
    assert rec.lora_registrations == 2 and len(rec.pipelines) == 1
    run(engine, cfg, None, seed=3)  # a job without LoRAs removes the branch
    assert switches(rec)[-1] == ("", 1.0) and rec.lora == {}
    assert len(rec.pipelines) == 1


def test_low_ram_mode_refuses_before_anything_runs(rec: Recorder, weights: Path, library: LoraLibrary) -> None:
    engine = LightX2VEngine()
    with pytest.raises(LoraError, match="Low-RAM mode cannot use LoRAs"):
        run(engine, config(weights, "8gb", low_ram=True), prepared(library, ("style.safetensors", 1.0)))
    assert "generate" not in rec.names() and "switch_lora" not in rec.names()


def test_engine_refusing_the_branch_is_a_clear_failure(rec: Recorder, weights: Path, library: LoraLibrary,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine, cfg = LightX2VEngine(), config(weights, "12gb")
    run(engine, cfg, None)
    runner = rec.pipelines[0].runner
    monkeypatch.setattr(runner, "switch_lora", lambda path, strength=1.0: False)
    with pytest.raises(EngineFailed, match="could not apply the LoRAs"):
        run(engine, cfg, prepared(library, ("style.safetensors", 1.0)), seed=2)
    assert kwargs_of(rec, "generate").__len__() == 1  # the failing job never generated
    run(engine, cfg, None, seed=3)
    assert len(rec.pipelines) == 2  # the uncertain pipeline was dropped and built again
