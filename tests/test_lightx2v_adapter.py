"""The adapter's side of the LightX2V contract, against a recording fake (CI has no GPU or LightX2V)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from backend import models
from backend.engine import kernels
from backend.engine.base import CancelToken, EngineConfig, StageEvent
from backend.engine.lightx2v import LightX2VEngine
from backend.engine.prefetch import T5_MODULE
from backend.errors import Cancelled, EngineFailed, EngineUnavailable, OutOfVram, WeightsMissing
from backend.presets import load_presets
from backend.records import Kernels
from backend.request import build_request
from tests.support import fake_lightx2v
from tests.support.fake_lightx2v import Recorder
from tests.support.safetensors_file import write_safetensors

PRESETS = load_presets()


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


def config(weights: Path, preset: str = "12gb", low_ram: bool = False) -> EngineConfig:
    return EngineConfig(preset=PRESETS[preset], low_ram=low_ram, weights_dir=weights)


def render(engine: LightX2VEngine, cfg: EngineConfig, cancel: CancelToken | None = None, **req: object):
    events: list[StageEvent] = []
    request = build_request(req.pop("prompt", "a cat"), seed=req.pop("seed", 5), **req)  # type: ignore[arg-type]
    out = engine.render(request, cfg, events.append, cancel or CancelToken())
    return out, events


def kwargs_of(rec: Recorder, name: str) -> list:
    return [args for call, args in rec.calls if call == name]


def test_build_keys_per_preset_and_call_order(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    out, events = render(engine, config(weights, "8gb"), width=832, height=480, frames=81)
    names = rec.names()
    assert names.index("LightX2VPipeline") < names.index("enable_quantize") < names.index("enable_offload")
    assert names.index("enable_offload") < names.index("create_generator") < names.index("generate")
    (pipe_kw,) = kwargs_of(rec, "LightX2VPipeline")
    assert pipe_kw == {"task": "t2v", "model_cls": "wan2.1_distill", "model_path": str(weights)}
    (quant,) = kwargs_of(rec, "enable_quantize")
    assert quant["quant_scheme"] == "fp8-triton" and quant["dit_quantized"] is True
    assert Path(quant["dit_quantized_ckpt"]).is_absolute() and quant["dit_quantized_ckpt"].endswith("distill_fp8")
    (offload,) = kwargs_of(rec, "enable_offload")
    assert offload == {"cpu_offload": True, "offload_granularity": "block", "text_encoder_offload": True,
                       "vae_offload": True}
    (gen,) = kwargs_of(rec, "create_generator")
    assert gen["attn_mode"] == "torch_sdpa" and gen["infer_steps"] == 4 and gen["guidance_scale"] == 1.0
    assert "config_json" not in gen  # keyword path keeps rope_type; frames come via the pipeline's config_json
    (call,) = kwargs_of(rec, "generate")
    assert call["return_result_tensor"] is True and call["target_shape"] == [480, 832] and call["seed"] == 5
    assert out.rgb().shape == (81, 480, 832, 3) and out.rgb().dtype.name == "uint8"
    stages = [e.stage for e in events]
    assert stages[0] == "loading" and stages.index("encoding") < stages.index("denoising") < stages.index("decoding")
    assert [e.step for e in events if e.stage == "denoising"] == [0, 1, 2, 3, 4]
    assert len(out.info.timings.steps_s) == 4 and all(t >= 0 for t in out.info.timings.steps_s)
    assert out.info.kernels == Kernels("fp8-triton", "torch_sdpa", "fp8") and out.info.warm is False
    assert out.info.timings.load_s is not None and out.info.timings.generate_s is not None


def test_low_ram_adds_lazy_load(rec: Recorder, weights: Path) -> None:
    render(LightX2VEngine(), config(weights, "8gb", low_ram=True), width=256, height=256, frames=5)
    attrs = dict(kwargs_of(rec, "setattr"))
    assert attrs["lazy_load"] is True and attrs["num_disk_workers"] == 2


@pytest.mark.parametrize(("low_ram", "random_init"), [(True, False), (False, True)])
def test_low_ram_rebuilds_skip_random_init(rec: Recorder, weights: Path, low_ram: bool, random_init: bool) -> None:
    render(LightX2VEngine(), config(weights, "8gb", low_ram), width=256, height=256, frames=5)
    assert kwargs_of(rec, "random_init_during_generate") == [random_init]
    assert __import__("sys").modules["torch"].nn.init.normal_.__name__ != "keep"  # restored


def test_warm_reuse_and_frames_through_modify_config(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    render(engine, config(weights), width=256, height=256, frames=81)
    out, events = render(engine, config(weights), width=832, height=480, frames=49, seed=9)
    assert len(rec.pipelines) == 1 and "loading" not in [e.stage for e in events]
    assert {"target_video_length": 49} in kwargs_of(rec, "modify_config")
    assert out.rgb().shape[0] == 49 and out.info.warm is True


@pytest.mark.parametrize("model_frames", [33, 81])
def test_frames_follow_the_request_even_when_the_model_config_sets_them(rec: Recorder, weights: Path,
                                                                        model_frames: int) -> None:
    rec.model_config = {"target_video_length": model_frames}  # merged after the adapter's config_json
    engine = LightX2VEngine()
    out, _ = render(engine, config(weights), width=256, height=256, frames=81)
    assert out.rgb().shape[0] == 81
    assert (model_frames == 81) == ({"target_video_length": 81} not in kwargs_of(rec, "modify_config"))
    out, _ = render(engine, config(weights), width=256, height=256, frames=model_frames)
    assert out.rgb().shape[0] == model_frames


def test_preset_change_rebuilds_after_freeing(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    render(engine, config(weights, "12gb"), width=256, height=256, frames=5)
    before = rec.empty_cache_calls
    render(engine, config(weights, "8gb"), width=256, height=256, frames=5)
    assert len(rec.pipelines) == 2 and rec.empty_cache_calls > before


def test_t5_embedding_returns_to_cpu_and_bias_default(rec: Recorder, weights: Path) -> None:
    import sys

    engine = LightX2VEngine()
    render(engine, config(weights, "8gb"), width=256, height=256, frames=5)
    runner = rec.pipelines[0].runner
    weight = runner.text_encoders[0].model.token_embedding.weight
    assert weight.device.type == "cpu" and weight.data.pinned and weight.data is weight._studio_pinned
    copies = fake_lightx2v.FakeData.copies
    render(engine, config(weights, "8gb"), width=256, height=256, frames=5, seed=6)
    assert weight.data is weight._studio_pinned
    # per warm clip: one pinned host→GPU copy per module by upstream, nothing copied back by us
    assert fake_lightx2v.FakeData.copies - copies == 2
    assert sys.modules["lightx2v.utils.registry_factory"].MM_WEIGHT_REGISTER["fp8-triton"].bias is None


def test_cancel_between_steps_resets_stop_signal_and_stays_warm(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    cancel = CancelToken()

    def on_event(event: StageEvent) -> None:
        if event.stage == "denoising" and event.step == 2:
            cancel.cancel()

    request = build_request("a cat", 256, 256, 5, 1)
    with pytest.raises(Cancelled):
        engine.render(request, config(weights), on_event, cancel)
    runner = rec.pipelines[0].runner
    assert runner.stop_signal is False and runner.ended >= 1
    assert [a for c, a in rec.calls if c == "step"] == [1, 2]  # stopped before step 3, never inside one
    render(engine, config(weights), width=256, height=256, frames=5)
    assert len(rec.pipelines) == 1  # a clean stop keeps the pipeline warm


def test_cancel_during_decode(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    cancel = CancelToken()

    def on_event(event: StageEvent) -> None:
        if event.stage == "decoding":
            cancel.cancel()

    with pytest.raises(Cancelled):
        engine.render(build_request("a cat", 256, 256, 5, 1), config(weights), on_event, cancel)


def test_oom_translated_with_stage_and_pipeline_dropped(rec: Recorder, weights: Path) -> None:
    rec.fail_at_step = 2
    engine = LightX2VEngine()
    with pytest.raises(OutOfVram) as info:
        render(engine, config(weights), width=256, height=256, frames=5)
    assert info.value.stage == "denoising"
    rec.fail_at_step = None
    render(engine, config(weights), width=256, height=256, frames=5)
    assert len(rec.pipelines) == 2  # a mid-step failure may leave offload buffers mid-swap: rebuilt


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RuntimeError("CUDA error: no kernel image is available for execution on the device"), "gpu_arch"),
        (RuntimeError("boom"), "engine_failed"),
        (MemoryError("cannot allocate"), "out_of_host_ram"),
    ],
)
def test_errors_translated(rec: Recorder, weights: Path, error: BaseException, expected: str) -> None:
    rec.fail_at_step, rec.fail_with, rec.fail_message = 1, type(error), str(error)
    with pytest.raises((EngineFailed, Exception)) as info:
        render(LightX2VEngine(), config(weights), width=256, height=256, frames=5)
    assert getattr(info.value, "kind", None) == expected


def test_build_failure_missing_file_and_import_error(rec: Recorder, weights: Path, monkeypatch) -> None:
    rec.build_error = FileNotFoundError(2, "No such file", "/x/Wan2.1_VAE.pth")
    with pytest.raises(WeightsMissing):
        render(LightX2VEngine(), config(weights), width=256, height=256, frames=5)
    monkeypatch.delitem(__import__("sys").modules, "lightx2v")
    monkeypatch.setattr("builtins.__import__", _failing_import("lightx2v"))
    engine = LightX2VEngine()
    with pytest.raises(EngineUnavailable):
        render(engine, config(weights), width=256, height=256, frames=5)
    assert engine.unavailable_reason(weights) is not None  # remembered: Generate stays disabled with the reason


def test_t5_is_read_ahead_and_handed_to_the_t5_constructor(rec: Recorder, weights: Path) -> None:
    t5_module = __import__("sys").modules[T5_MODULE]
    original = t5_module.load_weights
    out, _ = render(LightX2VEngine(), config(weights, "16gb"), width=256, height=256, frames=5)
    (load,) = kwargs_of(rec, "torch.load")
    assert load == {"path": str(models.layout(weights, "fp8").t5_file), "mmap": True, "weights_only": True}
    assert "blocks.0.attn.q.weight" in rec.t5_weights  # the prefetched dict, not a second read
    assert "t5_load_weights_from_disk" not in rec.names()
    assert t5_module.load_weights is original  # unpatched once the build is done
    assert out.info.build is not None and out.info.build.t5_read_ahead_s is not None


@pytest.mark.parametrize(("preset", "low_ram", "dit_pinned"), [
    ("16gb", False, True),  # DiT and T5 offloaded
    ("24gb", False, False),  # the DiT stays on the GPU; only the T5 is offloaded
    ("8gb", True, False),  # lazy_load streams the DiT from disk; the T5 is still offloaded
])
def test_offloaded_weights_are_pinned_in_slabs(rec: Recorder, weights: Path, preset: str, low_ram: bool,
                                               dit_pinned: bool) -> None:
    dit_dir = models.layout(weights, "fp8").dit_dir
    write_safetensors(dit_dir / "block_0.safetensors", {"blocks.0.ffn.0.weight": ("F8_E4M3", 2**21),
                                                        "blocks.0.ffn.0.weight_scale": ("F32", 2**22),
                                                        "blocks.0.norm3.weight": ("F8_E4M3", 1000)}, fill=True)
    write_safetensors(dit_dir / "block_1.safetensors", {"blocks.1.attn.q.weight": ("F8_E4M3", 2**20)}, fill=True)
    out, _ = render(LightX2VEngine(), config(weights, preset, low_ram), width=256, height=256, frames=5)
    assert ("blocks.1.attn.q.weight" in rec.pinned) is dit_pinned and "blocks.0.attn.q.weight" in rec.pinned  # T5
    for name, (pin, data) in rec.pinned.items():
        assert pin.tobytes() == data, name  # every tensor kept its own bytes: no two pieces overlap
        assert (pin.base is not None) is (len(data) >= 2**20), name  # large ones are pieces of a slab
    large = [a for a in rec.pinned_allocations if a >= 2**20]
    assert all(a & (a - 1) == 0 for a in large)  # only slabs, powers of two: nothing rounded away
    assert out.info.build is not None
    pool = dict(out.info.build.pinned_pool)
    assert pool["served_gb"] == round(sum(len(d) for _, d in rec.pinned.values() if len(d) >= 2**20) / 1e9, 2)
    assert pool["extra_slabs"] == 0  # the F32 scale was not in the plan: served from the slab's spare room


def test_without_read_ahead_every_weight_is_pinned_by_torch(rec: Recorder, weights: Path) -> None:
    dit_dir = models.layout(weights, "fp8").dit_dir
    write_safetensors(dit_dir / "block_0.safetensors", {"blocks.0.ffn.0.weight": ("F8_E4M3", 2**21)}, fill=True)
    out, _ = render(LightX2VEngine(prefetch=False), config(weights, "16gb"), width=256, height=256, frames=5)
    assert all(pin.base is None for pin, _ in rec.pinned.values())
    assert out.info.build is not None and out.info.build.pinned_pool == ()
    assert sorted(rec.pinned_allocations) == sorted(len(d) for _, d in rec.pinned.values())


def test_read_ahead_for_the_other_weight_set_is_dropped(rec: Recorder, weights: Path, monkeypatch) -> None:
    for rel in models.required_files("int8"):
        (weights / rel).parent.mkdir(parents=True, exist_ok=True)
        (weights / rel).write_bytes(b"x")
    monkeypatch.setattr(kernels, "choose", lambda cap, q="auto", a="auto": ("int8-triton", "torch_sdpa", []))
    render(LightX2VEngine(), config(weights, "16gb"), width=256, height=256, frames=5)  # guessed FP8 (sm_89)
    assert rec.host_cache_releases >= 1  # the FP8 reservation went back
    assert rec.t5_weights == {"read": "by LightX2V"}  # the INT8 T5 was read by LightX2V itself
    (quant,) = kwargs_of(rec, "enable_quantize")
    assert quant["text_encoder_quantized_ckpt"].endswith("int8.pth")


def test_unload_gives_cached_pinned_memory_back(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    render(engine, config(weights, "16gb"), width=256, height=256, frames=5)
    releases = rec.host_cache_releases
    engine.unload()
    assert rec.host_cache_releases == releases + 1


def test_unload_frees_the_pipeline_even_after_lightx2v_froze_the_gc(rec: Recorder, weights: Path) -> None:
    """LightX2V gc.freeze()s everything after its first clip; a pipeline in a reference cycle (holding the
    GPU and pinned memory) would then never be collected on unload or a preset change."""
    import gc
    import weakref

    rec.freeze_gc = True
    engine = LightX2VEngine()
    try:
        render(engine, config(weights, "16gb"), width=256, height=256, frames=5)
        runner = weakref.ref(rec.pipelines[-1].runner)
        rec.pipelines.clear()
        assert gc.get_freeze_count() > 0 and runner() is not None
        engine.unload()
        assert runner() is None and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_without_read_ahead_lightx2v_reads_the_t5_itself(rec: Recorder, weights: Path) -> None:
    render(LightX2VEngine(prefetch=False), config(weights), width=256, height=256, frames=5)
    assert "torch.load" not in rec.names() and rec.t5_weights == {"read": "by LightX2V"}
    assert kwargs_of(rec, "t5_load_weights_from_disk") == [str(models.layout(weights, "fp8").t5_file)]


def test_a_failed_read_ahead_falls_back_to_lightx2v(rec: Recorder, weights: Path, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk hiccup")

    monkeypatch.setattr(__import__("sys").modules["torch"], "load", broken)
    out, _ = render(LightX2VEngine(), config(weights), width=256, height=256, frames=5)
    assert rec.t5_weights == {"read": "by LightX2V"} and out.rgb().shape[0] == 5


def test_missing_weights_refused_before_building(rec: Recorder, weights: Path) -> None:
    (weights / "config.json").unlink()
    with pytest.raises(WeightsMissing) as info:
        render(LightX2VEngine(), config(weights), width=256, height=256, frames=5)
    assert "config.json" in info.value.user_text()
    assert not rec.pipelines


def test_vae_tiling_follows_size_without_rebuild(rec: Recorder, weights: Path) -> None:
    engine = LightX2VEngine()
    render(engine, config(weights, "16gb"), width=832, height=480, frames=5)
    render(engine, config(weights, "16gb"), width=1280, height=720, frames=5)
    assert [a for c, a in rec.calls if c == "run_vae_decoder"] == [False, True]
    assert len(rec.pipelines) == 1


def _failing_import(name: str):
    real = __import__

    def fake(module, *args, **kwargs):
        if module == name or module.startswith(name + "."):
            raise ImportError(f"No module named '{name}'", name=name)
        return real(module, *args, **kwargs)

    return fake


def test_kernel_choice_is_remembered_per_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def fake_choose(cap, quant="auto", attention="auto"):
        calls.append((quant, attention))
        return "fp8-triton", "torch_sdpa", [kernels.KernelProbe("torch_sdpa", "attention", True, "ok", 1.5)]

    monkeypatch.setattr(kernels, "choose", fake_choose)
    cache = tmp_path / "kernel-choice.json"
    key = {"gpu": "RTX 4060", "driver": "580", "torch": "2.11"}
    first = kernels.choose_cached((8, 9), "auto", "auto", cache, key)
    again = kernels.choose_cached((8, 9), "auto", "auto", cache, key)
    assert first[:2] == again[:2] == ("fp8-triton", "torch_sdpa") and len(calls) == 1
    assert again[2][0].ms == 1.5
    kernels.choose_cached((8, 9), "auto", "auto", cache, {**key, "driver": "590"})  # a driver update probes again
    kernels.choose_cached((8, 9), "auto", "sage_attn2", cache, {**key, "driver": "590"})  # so does an override
    assert len(calls) == 3


def test_fastest_working_attention_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "quant_candidates", lambda cap: ["fp8-triton"])
    monkeypatch.setattr(kernels, "attention_candidates", lambda: ["sage_attn2", "torch_sdpa"])
    monkeypatch.setattr(kernels, "probe_quant", lambda n: kernels.KernelProbe(n, "quant", True, "ok"))
    timings = {"sage_attn2": 3.3, "torch_sdpa": 2.8}
    monkeypatch.setattr(kernels, "probe_attention",
                        lambda n: kernels.KernelProbe(n, "attention", True, "ok", timings[n]))
    assert kernels.choose((9, 0))[:2] == ("fp8-triton", "torch_sdpa")
    timings["sage_attn2"] = 1.0
    assert kernels.choose((8, 9))[:2] == ("fp8-triton", "sage_attn2")
    monkeypatch.setattr(kernels, "probe_attention",
                        lambda n: kernels.KernelProbe(n, "attention", n == "torch_sdpa", "x", timings[n]))
    assert kernels.choose((8, 9))[1] == "torch_sdpa"  # a broken kernel never wins, however fast


def test_fastest_correct_matmul_scheme_wins_and_every_candidate_is_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "quant_candidates", lambda cap: ["fp8-triton", "fp8-torchao"])
    monkeypatch.setattr(kernels, "attention_candidates", lambda: ["torch_sdpa"])
    monkeypatch.setattr(kernels, "probe_attention", lambda n: kernels.KernelProbe(n, "attention", True, "ok", 40.0))
    timings, working = {"fp8-triton": 6.1, "fp8-torchao": 5.2}, {"fp8-triton": True, "fp8-torchao": True}
    monkeypatch.setattr(kernels, "probe_quant",
                        lambda n: kernels.KernelProbe(n, "quant", working[n], "x", timings[n] if working[n] else None))
    quant, _, probes = kernels.choose((9, 0))
    assert quant == "fp8-torchao" and [p.name for p in probes if p.kind == "quant"] == ["fp8-triton", "fp8-torchao"]
    working["fp8-torchao"] = False  # wrong results (say, a dropped bias): never chosen, however fast
    assert kernels.choose((9, 0))[0] == "fp8-triton"


def test_probe_limits_follow_the_weight_set() -> None:
    from backend.engine import kernel_probes

    assert kernel_probes.MAX_QUANT_ERROR[kernel_probes.weight_set_of("fp8-triton")] == 0.04
    assert kernel_probes.MAX_QUANT_ERROR[kernel_probes.weight_set_of("fp8-torchao")] == 0.04
    assert kernel_probes.MAX_QUANT_ERROR[kernel_probes.weight_set_of("int8-triton")] == 0.015
    # the probe shapes are one 832×480×81 step's: 21 latent frames × 30 × 52 patches
    assert kernel_probes.TOKENS == 21 * (480 // 16) * (832 // 16) and kernel_probes.TEXT_TOKENS == 512


def test_engine_environment_pins_by_registering_on_linux_and_keeps_users_values(monkeypatch) -> None:
    from backend.engine import lightx2v

    for name in ("PYTORCH_CUDA_ALLOC_CONF", "PROFILING_DEBUG_LEVEL", "DTYPE", "TRITON_CACHE_AUTOTUNING"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    lightx2v.set_engine_environment()
    conf = os.environ["PYTORCH_CUDA_ALLOC_CONF"]
    assert conf.startswith("expandable_segments:True")
    assert ("pinned_use_cuda_host_register:True" in conf) is sys.platform.startswith("linux")
    monkeypatch.setenv("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:False")
    lightx2v.set_engine_environment()
    assert os.environ["PYTORCH_CUDA_ALLOC_CONF"] == "expandable_segments:False"


def test_vae_tiling_reaches_a_vae_rebuilt_from_the_config(rec: Recorder, weights: Path) -> None:
    """With lazy_load, LightX2V builds the VAE from its (locked) config at every decode: only the adapter's
    modify_config can turn tiling on. Setting the decoder's flag alone would decode 720p untiled."""
    engine = LightX2VEngine()
    low_ram = config(weights, "16gb", low_ram=True)
    render(engine, low_ram, width=832, height=480, frames=5)
    render(engine, low_ram, width=1280, height=720, frames=5)
    render(engine, low_ram, width=832, height=480, frames=5)
    assert [a for c, a in rec.calls if c == "load_vae_decoder"] == [False, True, False]
    assert [a for c, a in rec.calls if c == "run_vae_decoder"] == [False, True, False]
    assert [a for c, a in rec.calls if c == "modify_config"] == [
        {"target_video_length": 5}, {"use_tiling_vae": True}, {"use_tiling_vae": False}]
    assert len(rec.pipelines) == 1


def test_fake_holds_the_adapter_to_upstreams_contract(rec: Recorder, weights: Path) -> None:
    """What the fake refuses, as LightX2V does: a keyword it does not have, and a config write past the lock."""
    render(LightX2VEngine(), config(weights, "12gb"), width=256, height=256, frames=5)
    pipe = rec.pipelines[0]
    assert pipe.t5_quantized_ckpt.endswith("fp8.pth") and pipe.dit_quant_scheme == "fp8-triton"
    assert pipe.self_attn_1_type == "torch_sdpa" and pipe.target_height == 480 and pipe.vae_cpu_offload is False
    assert "target_video_length" not in {k for k, _ in kwargs_of(rec, "setattr")}
    assert pipe.runner.config["target_video_length"] == 5  # through config_json, then modify_config
    with pytest.raises(TypeError, match="locked"):
        pipe.runner.config["use_tiling_vae"] = True
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_frame'"):
        pipe.generate(num_frame=9)
    with pytest.raises(TypeError, match="unexpected keyword argument 'text_encoder_ckpt'"):
        pipe.enable_quantize(text_encoder_ckpt="x")
