"""The environment doctor: each check's ok and failure line from injected readings, the probe child
process failing in every way, and the real gather on this (GPU-less) machine."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import app
from backend import doctor
from backend.checks import arch_support, run_checks
from backend.doctor import (
    EngineDist,
    EngineImport,
    Environment,
    KernelResult,
    ProbeResult,
    TorchInfo,
    TritonInfo,
    gather,
    parse_probe,
    read_engine_dist,
    report_text,
    run_probe,
)
from backend.engine.dist import PINNED_COMMIT
from backend.gpu import GpuReading, NvmlSource
from backend.install_plan import triton_requirement
from backend.models import WeightsReport
from backend.presets import load_presets
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine

PRESETS = load_presets()
REINSTALL = ("-m pip install --force-reinstall torch~=2.11.0 torchvision~=0.26.0 torchaudio~=2.11.0 "
             "--index-url https://download.pytorch.org/whl/")
"""The release of install_plan's table (the one the launch scripts install), in the build for the driver."""
CU130_REINSTALL = REINSTALL + "cu130"
"""The fix for the default machine: its driver 580.65.06 runs PyTorch's CUDA 13.0 builds."""
HEALTHY_TORCH = TorchInfo(ok=True, version="2.11.0+cu130", cuda="13.0", arch_list=("sm_80", "sm_86", "sm_90", "sm_120"),
                          cuda_available=True, device="NVIDIA GeForce RTX 4070", capability=(8, 9), tiny_op_ok=True)
HEALTHY_PROBE = ProbeResult(
    seconds=21.0, torch=HEALTHY_TORCH, triton=TritonInfo(ok=True, version="3.6.0"),
    lightx2v=EngineImport(ok=True, import_s=12.3),
    kernels=(KernelResult("fp8-triton", "quant", True, "relative error 0.9%"),
             KernelResult("torch_sdpa", "attention", True, "relative error 0.2%")),
    chosen_quant="fp8-triton", chosen_attention="torch_sdpa",
)
COMPLETE = WeightsReport(Path("/data/models"), "fp8", complete=True, missing=(), problems=(), checked=48)
MISSING = WeightsReport(Path("/data/models"), "fp8", complete=False,
                        missing=("config.json", "distill_fp8/block_0.safetensors"), problems=(), checked=48)


def make_env(**changes: object) -> Environment:
    """An RTX 4070 on Linux with everything right; each test breaks one thing."""
    env = Environment(
        system="Linux", platform="Linux-6.8-x86_64", python="3.11.9", python_exe="/opt/ws/.venv/bin/python",
        gpu=GpuReading(ok=True, name="NVIDIA GeForce RTX 4070", total_mib=12282, used_mib=300, process_mib=None,
                       driver="580.65.06", capability=(8, 9)),
        probe=HEALTHY_PROBE, engine_dist=EngineDist(True, "0.1.0", PINNED_COMMIT, "https://example.org/LightX2V.git"),
        host_ram_gib=63.9, preset=PRESETS["12gb"], auto_preset=PRESETS["12gb"], preset_error="", low_ram=False,
        low_ram_setting="auto", weights_dir=Path("/data/models"), free_disk_gb=120.0, weight_set="fp8",
        weights=COMPLETE,
    )
    return replace(env, **changes)  # type: ignore[arg-type]


def line(env: Environment, name: str) -> doctor.Check:
    found = [c for c in run_checks(env) if c.name == name]
    assert len(found) == 1, [c.name for c in run_checks(env)]
    return found[0]


def with_torch(**changes: object) -> ProbeResult:
    return replace(HEALTHY_PROBE, torch=replace(HEALTHY_TORCH, **changes))  # type: ignore[arg-type]


def test_healthy_machine_is_all_ok_and_ready() -> None:
    checks = run_checks(make_env())
    assert {c.status for c in checks} == {"ok"}, [c for c in checks if c.status != "ok"]
    text = report_text(checks)
    assert text.rstrip().endswith("Ready to generate.")
    assert "[ok  ] Kernels chosen: matmul fp8-triton, attention torch_sdpa" in text
    assert "fix:" not in text


# ---- GPU as NVML sees it ---------------------------------------------------------------------------
def test_no_gpu_says_generation_is_unavailable() -> None:
    env = make_env(gpu=GpuReading(ok=False, reason="No NVIDIA GPU found (NVMLError_LibraryNotFound)."),
                   probe=with_torch(cuda_available=False, capability=None, tiny_op_ok=None, arch_list=()))
    gpu = line(env, "GPU")
    assert gpu.status == "fail" and "No NVIDIA GPU found" in gpu.detail and "Generation is unavailable" in gpu.detail
    assert "nvidia-smi" in gpu.fix
    assert {line(env, n).status for n in ("Driver", "VRAM", "Compute capability", "CUDA test")} == {"skip"}
    assert "generation is unavailable on this computer" in report_text(run_checks(env))


def test_nvml_missing_but_torch_sees_the_gpu_is_a_warning() -> None:
    gpu = line(make_env(gpu=GpuReading(ok=False, reason="NVML broke")), "GPU")
    assert gpu.status == "warn" and "NVIDIA GeForce RTX 4070 works through torch" in gpu.detail


@pytest.mark.parametrize(("cap", "status", "words"), [
    ((7, 5), "fail", "older than the RTX 30 series"),
    ((8, 6), "ok", "INT8 weights and int8-triton"),
    ((8, 9), "ok", "FP8 weights with fp8-triton."),
    ((12, 0), "ok", "RTX 50 needs a CUDA 12.8+ torch and Triton 3.3+"),
])
def test_compute_capability(cap: tuple[int, int], status: str, words: str) -> None:
    env = make_env(gpu=replace(make_env().gpu, capability=cap), probe=with_torch(capability=cap))
    check = line(env, "Compute capability")
    assert check.status == status and words in check.detail and f"sm_{cap[0]}{cap[1]}" in check.detail


def test_driver_too_old_for_rtx50_and_for_cuda13() -> None:
    gpu = replace(make_env().gpu, capability=(12, 0), driver="566.36")
    check = line(make_env(gpu=gpu, probe=with_torch(capability=(12, 0), cuda="12.8")), "Driver")
    assert check.status == "fail" and "RTX 50" in check.detail and "570 or newer" in check.fix
    assert "keep this driver" not in check.fix, "RTX 50 needs the newer driver whatever torch is installed"
    check = line(make_env(gpu=replace(make_env().gpu, driver="575.51")), "Driver")
    assert check.status == "fail" and "CUDA 13.0 build" in check.detail and "580 or newer" in check.fix
    assert check.fix.endswith("Or keep this driver and install the PyTorch build it runs: /opt/ws/.venv/bin/python "
                              + REINSTALL + "cu128")
    assert line(make_env(), "Driver").status == "ok"


@pytest.mark.parametrize(("driver", "system", "tag"), [
    ("580.65.06", "Linux", "cu130"), ("575.51.03", "Linux", "cu128"), ("572.16", "Windows", "cu128"),
    ("560.94", "Windows", "cu126"), ("550.120", "Linux", "cu126"), ("470.82", "Linux", "cu128"),
])
def test_torch_reinstall_names_the_build_for_this_driver(driver: str, system: str, tag: str) -> None:
    env = make_env(system=system, gpu=replace(make_env().gpu, driver=driver),
                   probe=with_torch(version="2.7.0+cpu", cuda="", cuda_available=False))
    assert line(env, "PyTorch").fix.endswith(REINSTALL + tag)
    no_gpu = make_env(gpu=GpuReading(ok=False, reason="No NVIDIA GPU found."), probe=ProbeResult(
        torch=TorchInfo(ok=False, error="No module named 'torch'")))
    check = line(no_gpu, "PyTorch")  # no card: torch is not installed by the launch scripts, nothing to fix
    assert check.status == "skip" and "not needed" in check.detail and not check.fix


def test_a_cpu_only_torch_on_a_computer_without_gpu_is_skipped_not_failed() -> None:
    no_gpu = make_env(gpu=GpuReading(ok=False, reason="No NVIDIA GPU found."),
                      probe=with_torch(version="2.7.0+cpu", cuda="", cuda_available=False))
    check = line(no_gpu, "PyTorch")
    assert check.status == "skip" and "PyTorch is not needed" in check.detail and not check.fix


def test_vram_against_the_preset() -> None:
    env = make_env(preset=PRESETS["16gb"])
    check = line(env, "VRAM")
    assert check.status == "fail" and "16 GB budget" in check.detail and "Choose the 12gb preset" in check.fix
    busy = make_env(gpu=replace(make_env().gpu, used_mib=5000))
    check = line(busy, "VRAM")
    assert check.status == "warn" and "4.9 GiB used by other programs" in check.detail and "Close" in check.fix
    own = make_env(gpu=replace(make_env().gpu, used_mib=9000, process_mib=8800))  # a warm model in the app itself
    assert line(own, "VRAM").status == "ok"
    big = make_env(gpu=replace(make_env().gpu, total_mib=24564), preset=PRESETS["24gb"], auto_preset=PRESETS["24gb"])
    assert line(big, "VRAM").detail.endswith("the 24gb preset peaks at 21.0 GiB at 832×480, 81 frames.")
    unmeasured = replace(PRESETS["24gb"], measured=())
    big = make_env(gpu=replace(make_env().gpu, total_mib=24564), preset=unmeasured, auto_preset=unmeasured)
    assert line(big, "VRAM").detail.endswith("may use up to 23.5 GiB (not measured yet).")


def test_unknown_preset_fails_and_skips_the_ram_check() -> None:
    env = make_env(preset=None, preset_error="There is no preset named '99gb'.")
    assert line(env, "Preset").status == "fail" and "99gb" in line(env, "Preset").detail
    assert line(env, "Host RAM").status == "skip"
    assert "what auto picks" in line(make_env(), "Preset").detail


# ---- torch, CUDA and Triton ------------------------------------------------------------------------
def test_probe_failure_fails_and_skips_what_depends_on_it() -> None:
    env = make_env(probe=ProbeResult(failure="the GPU probe did not finish within 180 s and was stopped"))
    check = line(env, "GPU probe")
    assert check.status == "fail" and "180 s" in check.detail and "-m backend.engine.kernels --json" in check.fix
    for name in ("PyTorch", "Triton", "LightX2V import", "Kernels"):
        assert line(env, name).status == "skip"
    assert "the GPU probe failed" in line(env, "PyTorch").detail


def test_torch_missing_cpu_only_or_blind() -> None:
    missing = make_env(probe=ProbeResult(torch=TorchInfo(ok=False, error="No module named 'torch'")))
    check = line(missing, "PyTorch")
    assert check.status == "fail" and "No module named 'torch'" in check.detail
    assert check.fix == "/opt/ws/.venv/bin/python " + CU130_REINSTALL
    check = line(make_env(probe=with_torch(version="2.7.0+cpu", cuda="", cuda_available=False)), "PyTorch")
    assert check.status == "fail" and "CPU-only build" in check.detail and CU130_REINSTALL in check.fix
    check = line(make_env(probe=with_torch(cuda_available=False)), "PyTorch")
    assert check.status == "fail" and "cannot reach the GPU" in check.detail and "driver" in check.fix


def test_rtx50_with_a_torch_built_before_cuda_12_8() -> None:
    gpu = replace(make_env().gpu, name="NVIDIA GeForce RTX 5070", capability=(12, 0))
    probe = with_torch(version="2.6.0+cu126", cuda="12.6", capability=(12, 0),
                       arch_list=("sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"))
    check = line(make_env(gpu=gpu, probe=probe), "PyTorch GPU support")
    assert check.status == "fail" and "not for this GPU's sm_120" in check.detail and "CUDA 12.8+" in check.detail
    assert check.fix.endswith(CU130_REINSTALL)
    assert line(make_env(), "PyTorch GPU support").status == "ok"


def test_arch_support_rules() -> None:
    assert arch_support(["sm_80", "sm_90"], (8, 6)) == "native"  # sm_80 code runs on 8.6
    assert arch_support(["sm_86"], (8, 0)) == "none"  # but not the other way round
    assert arch_support(["sm_90a"], (9, 0)) == "native" and arch_support(["sm_80a"], (8, 9)) == "none"
    assert arch_support(["sm_90", "compute_90"], (12, 0)) == "ptx"
    assert arch_support(["sm_100", "sm_120"], (12, 0)) == "native"
    assert arch_support([], (8, 9)) == "none"


def test_ptx_only_is_a_warning() -> None:
    probe = with_torch(arch_list=("sm_75", "sm_90", "compute_80"), capability=(8, 9))
    assert line(make_env(probe=probe), "PyTorch GPU support").status == "warn"


def test_cuda_operation() -> None:
    bad = with_torch(tiny_op_ok=False, error="RuntimeError: CUDA error: no kernel image is available")
    check = line(make_env(probe=bad), "CUDA test")
    assert check.status == "fail" and "no kernel image" in check.detail and check.fix.endswith(CU130_REINSTALL)
    check = line(make_env(probe=with_torch(tiny_op_ok=False, error="CUDA error: unknown error")), "CUDA test")
    assert check.status == "fail" and check.fix.startswith("Update the NVIDIA driver")
    assert line(make_env(), "CUDA test").status == "ok"


def test_triton_missing_on_windows_names_triton_windows_for_this_torch() -> None:
    probe = replace(with_torch(version="2.7.1+cu128", cuda="12.8"), triton=TritonInfo(ok=False, error="No module"))
    env = make_env(system="Windows", python_exe=r"C:\Users\Ann Lee\Wan Studio\.venv\Scripts\python.exe", probe=probe)
    check = line(env, "Triton")
    assert check.status == "fail" and "triton-windows does not import" in check.detail
    assert check.fix == r'"C:\Users\Ann Lee\Wan Studio\.venv\Scripts\python.exe" -m pip install -U ' \
                        "triton-windows~=3.3.0"
    linux = line(make_env(probe=replace(HEALTHY_PROBE, triton=TritonInfo(ok=False, error="x"))), "Triton")
    assert linux.fix.endswith("-m pip install -U triton~=3.6.0")
    windows = make_env(system="Windows", probe=replace(HEALTHY_PROBE, triton=TritonInfo(ok=False, error="x")))
    assert line(windows, "Triton").fix.endswith(f"-m pip install -U {triton_requirement(windows=True)}"), \
        "torch 2.11: the triton-windows that requirements.txt pins (tests/test_install_pins.py)"
    unknown = make_env(system="Windows", probe=replace(with_torch(version="2.99.0+cu130"), triton=TritonInfo(ok=False)))
    assert line(unknown, "Triton").fix.endswith('-m pip install -U "triton-windows>=3.3"')


def test_triton_too_old_for_rtx50_or_not_matching_torch() -> None:
    gpu = replace(make_env().gpu, capability=(12, 0))
    probe = replace(with_torch(version="2.6.0+cu126", capability=(12, 0)), triton=TritonInfo(ok=True, version="3.2.0"))
    check = line(make_env(gpu=gpu, probe=probe), "Triton")
    assert check.status == "fail" and "needs 3.3+" in check.detail
    probe = replace(with_torch(version="2.7.0+cu128"), triton=TritonInfo(ok=True, version="3.5.1"))
    check = line(make_env(probe=probe), "Triton")
    assert check.status == "warn" and "built with Triton 3.3" in check.detail and "triton~=3.3.0" in check.fix


# ---- LightX2V and kernels --------------------------------------------------------------------------
def test_lightx2v_install_and_commit() -> None:
    absent = replace(HEALTHY_PROBE, lightx2v=EngineImport(ok=False, error="No module named 'lightx2v'"))
    check = line(make_env(engine_dist=EngineDist(installed=False), probe=absent), "LightX2V install")
    assert check.status == "fail" and f"LightX2V/archive/{PINNED_COMMIT}.tar.gz" in check.fix
    other = make_env(engine_dist=EngineDist(True, "0.1.0", "0123456789abcdef", "https://example.org/x.git"))
    check = line(other, "LightX2V install")
    assert check.status == "warn" and "commit 0123456" in check.detail and PINNED_COMMIT in check.fix
    local = line(make_env(engine_dist=EngineDist(True, "0.1.0", "", "file:///src/LightX2V")), "LightX2V install")
    assert local.status == "warn" and "commit unknown" in local.detail
    assert "tested commit f8aee98" in line(make_env(), "LightX2V install").detail
    source_tree = line(make_env(engine_dist=EngineDist(installed=False)), "LightX2V install")  # imports anyway
    assert source_tree.status == "warn" and "pip did not install" in source_tree.detail


def test_lightx2v_import() -> None:
    probe = replace(HEALTHY_PROBE, lightx2v=EngineImport(ok=False, error="ModuleNotFoundError: No module named 'gguf'"),
                    kernels=None)
    check = line(make_env(probe=probe), "LightX2V import")
    assert check.status == "fail" and "'gguf'" in check.detail and "requirements-lightx2v.txt" in check.fix
    probe = replace(probe, lightx2v=EngineImport(ok=False, error="No module named 'lightx2v'"))
    assert "lightx2v @ https://" in line(make_env(probe=probe), "LightX2V import").fix
    assert line(make_env(), "LightX2V import").detail == "imports in 12 s"


def test_failed_kernel_candidate_warns_and_names_the_fallback() -> None:
    kernels = (*(HEALTHY_PROBE.kernels or ()), KernelResult("sage_attn2", "attention", False, "TypeError: 'NoneType'"))
    check = line(make_env(probe=replace(HEALTHY_PROBE, kernels=kernels)), "Kernel sage_attn2 (attention)")
    assert check.status == "warn" and "TypeError" in check.detail and "torch_sdpa is used instead" in check.fix


def test_kernels_chosen_names_sageattention_when_the_probe_timed_it_faster_on_windows() -> None:
    kernels = (KernelResult("fp8-triton", "quant", True, "relative error 0.9%"),
               KernelResult("sage_attn2", "attention", True, "relative error 1.1%, 2.31 ms at 8k tokens x 40 heads"),
               KernelResult("torch_sdpa", "attention", True, "relative error 0.2%, 3.02 ms at 8k tokens x 40 heads"))
    env = make_env(system="Windows", python_exe="C:\\WanStudio\\.venv\\Scripts\\python.exe",
                   probe=replace(HEALTHY_PROBE, kernels=kernels, chosen_attention="sage_attn2"))
    text = report_text(run_checks(env))
    assert "[ok  ] Kernel sage_attn2 (attention): relative error 1.1%, 2.31 ms at 8k tokens x 40 heads" in text
    assert "[ok  ] Kernels chosen: matmul fp8-triton, attention sage_attn2" in text


def test_no_working_matmul_scheme_fails() -> None:
    probe = replace(HEALTHY_PROBE, kernels=(KernelResult("fp8-triton", "quant", False, "CompilationError"),),
                    chosen_quant="")
    assert line(make_env(probe=probe), "Kernels chosen").status == "fail"
    assert line(make_env(probe=replace(HEALTHY_PROBE, kernels=None)), "Kernels").status == "skip"


# ---- RAM, disk, weights ----------------------------------------------------------------------------
def test_host_ram() -> None:
    assert line(make_env(host_ram_gib=31.3), "Host RAM").status == "ok"  # a "32 GB" computer
    lazy = line(make_env(host_ram_gib=23.5, low_ram=True), "Host RAM")
    assert lazy.status == "warn" and "lazy loading" in lazy.detail
    forced_off = line(make_env(host_ram_gib=23.5, low_ram_setting="off"), "Host RAM")
    assert forced_off.status == "fail" and "needs 32 GiB" in forced_off.detail and "'Low-RAM mode'" in forced_off.fix
    tiny = line(make_env(host_ram_gib=11.7, low_ram=True), "Host RAM")
    assert tiny.status == "fail" and "even with lazy loading" in tiny.detail


def test_free_disk() -> None:
    short = line(make_env(weights=MISSING, free_disk_gb=10.0), "Free disk")
    assert short.status == "fail" and "about 22 GB" in short.detail and "Models tab" in short.fix
    assert line(make_env(weights=MISSING, free_disk_gb=40.0), "Free disk").status == "ok"
    assert line(make_env(free_disk_gb=1.0), "Free disk").status == "warn"  # weights there, no room for clips
    assert line(make_env(free_disk_gb=None), "Free disk").status == "warn"


def test_weights() -> None:
    check = line(make_env(weights=MISSING), "Weights")
    assert check.status == "fail" and "config.json" in check.detail and "download the FP8 set" in check.fix
    check = line(make_env(weights=None, weights_error="PermissionError: denied"), "Weights")
    assert check.status == "fail" and "denied" in check.detail
    assert "All 48 files" in line(make_env(), "Weights").detail


# ---- probe parsing and the child process ------------------------------------------------------------
def test_parse_probe_reads_the_documented_json_and_tolerates_junk() -> None:
    data = {"torch": {"ok": True, "version": "2.11.0+cu130", "cuda": "13.0", "arch_list": ["sm_80", "sm_90"],
                      "cuda_available": True, "device": "NVIDIA H100 80GB HBM3", "capability": [9, 0],
                      "tiny_op_ok": True, "error": None},
            "triton": {"ok": True, "version": "3.6.0", "error": None},
            "lightx2v": {"ok": True, "error": None, "import_s": 12.3},
            "kernels": [{"name": "fp8-triton", "kind": "quant", "ok": True, "detail": "max rel. error 0.9%"},
                        {"name": "sage_attn2", "kind": "attention", "ok": False, "detail": "TypeError: ..."}, 7],
            "chosen": {"quant_scheme": "fp8-triton", "attention": "torch_sdpa"}}
    probe = parse_probe(data)
    assert probe.torch == TorchInfo(True, "", "2.11.0+cu130", "13.0", ("sm_80", "sm_90"), True,
                                    "NVIDIA H100 80GB HBM3", (9, 0), True)
    assert probe.kernels is not None and [k.name for k in probe.kernels] == ["fp8-triton", "sage_attn2"]
    assert (probe.chosen_quant, probe.chosen_attention, probe.lightx2v) == ("fp8-triton", "torch_sdpa",
                                                                           EngineImport(True, "", 12.3))
    junk = parse_probe({"torch": {"ok": False, "error": "No module named 'torch'", "capability": "9.0"},
                        "triton": None, "kernels": "x"})
    assert junk.torch == TorchInfo(ok=False, error="No module named 'torch'")
    assert (junk.triton, junk.kernels, junk.chosen_quant) == (None, None, "")


@pytest.mark.parametrize(("code", "timeout", "words"), [
    ("import time; time.sleep(30)", 1.0, "did not finish within 1 s"),
    ("print('hello, not JSON')", 30.0, "printed no JSON report (it printed: hello, not JSON)"),
    ("import sys; sys.stderr.write('Segmentation fault\\n'); sys.exit(139)", 30.0,
     "exited with code 139: Segmentation fault"),
])
def test_probe_child_failures_become_a_failed_check(code: str, timeout: float, words: str) -> None:
    probe = run_probe([sys.executable, "-c", code], timeout_s=timeout)
    assert words in str(probe.failure) and probe.torch is None
    check = line(make_env(probe=probe), "GPU probe")
    assert check.status == "fail" and words in check.detail


def test_probe_json_after_stray_output_is_used() -> None:
    code = "print('loading…'); print('{\"torch\": {\"ok\": false, \"error\": \"boom\"}}')"
    probe = run_probe([sys.executable, "-c", code], timeout_s=30)
    assert probe.failure == "" and probe.torch == TorchInfo(ok=False, error="boom")


def test_engine_dist_from_pips_direct_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real .dist-info folder on sys.path, as pip leaves it for a git+ or an archive install."""
    info = tmp_path / "lightx2v-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lightx2v\nVersion: 0.1.0\n", encoding="utf-8")
    direct = info / "direct_url.json"
    direct.write_text(json.dumps({"url": "https://github.com/ModelTC/LightX2V.git", "vcs_info": {
        "vcs": "git", "commit_id": PINNED_COMMIT, "requested_revision": PINNED_COMMIT}}), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert read_engine_dist() == EngineDist(True, "0.1.0", PINNED_COMMIT, "https://github.com/ModelTC/LightX2V.git")
    archive = f"https://github.com/ModelTC/LightX2V/archive/{PINNED_COMMIT}.tar.gz"  # what launch.sh installs
    direct.write_text(json.dumps({"url": archive, "archive_info": {}}), encoding="utf-8")
    assert read_engine_dist() == EngineDist(True, "0.1.0", PINNED_COMMIT, archive)
    direct.write_text('{"url": "file:///src/LightX2V", "dir_info": {"editable": true}}', encoding="utf-8")
    assert read_engine_dist() == EngineDist(True, "0.1.0", "", "file:///src/LightX2V")
    direct.write_text("{not json", encoding="utf-8")
    assert "unreadable" in read_engine_dist().error
    direct.unlink()
    assert read_engine_dist() == EngineDist(True, "0.1.0")
    assert read_engine_dist("no-such-distribution-here") == EngineDist(installed=False)


# ---- the real thing on this machine ------------------------------------------------------------------
def test_real_gather_without_a_gpu(paths, capsys: pytest.CaptureFixture[str]) -> None:
    if NvmlSource().read().ok:
        pytest.skip("this machine has an NVIDIA GPU")
    studio = Studio(paths, CpuTestEngine(), preload=False)
    env = gather(gpu=NvmlSource().read(), host_ram_gib=None, preset=None, preset_error="", auto_preset=None,
                 low_ram=False, low_ram_setting="auto", weights_dir=paths.weights_dir)
    checks = {c.name: c for c in run_checks(env)}
    assert checks["GPU"].status == "fail" and "No NVIDIA GPU" in checks["GPU"].detail
    assert checks["Weights"].status == "fail" and env.weight_set == "fp8"
    assert env.free_disk_gb is not None and env.weights_dir == paths.weights_dir
    report = studio.run_doctor("auto")
    assert report.verdict == "no_gpu" and report.failed
    assert {c.name: c.status for c in report.checks}["Weights"] == "fail"
    assert app.run_doctor(studio, "auto") == 1
    out = capsys.readouterr().out
    assert out.startswith("Wan Studio") and "generation is unavailable on this computer" in out


def test_doctor_command_returns_zero_only_when_nothing_failed(paths, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    monkeypatch.setattr(doctor, "gather", lambda **readings: make_env())
    assert app.run_doctor(studio, "auto") == 0
    monkeypatch.setattr(doctor, "gather", lambda **readings: make_env(weights=MISSING))
    assert app.run_doctor(studio, "auto") == 1
    assert "[FAIL] Weights:" in capsys.readouterr().out
