"""The doctor's report in Chinese: every check's name, verdict, reason and fix worded from the catalog on
every branch (a broken machine of each kind), with the values (sizes, versions, presets, commands) kept."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from backend.checks import Check, run_checks
from backend.doctor import EngineDist, Environment, KernelResult, ProbeResult, TorchInfo, TritonInfo, report_text
from backend.errors import PresetError
from backend.gpu import GpuReading, no_gpu_message
from backend.i18n import Message, text
from backend.presets import resolve
from tests.test_doctor import HEALTHY_PROBE, MISSING, PRESETS, make_env, with_torch

CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = re.compile(r"(?<![A-Za-z-])(--preset|torch\.cuda\.is_available|torch_sdpa|fp8-triton|int8-triton|nvidia-smi|"
                   r"GPU|"
                   r"NVIDIA|PyTorch|Python|Triton|LightX2V|CUDA|CPU|DiT|FP8|INT8|RTX|Blackwell|GiB|GB|MB|torch|"
                   r"JSON|RAM|VRAM|pip|auto|False)(?![A-Za-z])")
"""Names and code that read the same in both languages."""
RAW_OK = {"GPU", "System", "Triton"}
"""Lines whose ok detail is a bare value (the card's name, the platform, the version)."""


def broken_machines() -> dict[str, Environment]:
    """One environment per branch of the checks, each breaking one thing."""
    gpu = make_env().gpu
    no_card = with_torch(cuda_available=False, capability=None, tiny_op_ok=None, arch_list=())
    rtx50 = replace(gpu, capability=(12, 0), driver="566.36")
    with pytest.raises(PresetError) as raised:
        resolve(PRESETS, "99gb", None)
    preset_error = raised.value.said() or ""
    assert HEALTHY_PROBE.lightx2v is not None
    failed_kernel = (KernelResult("fp8-triton", "quant", True, "relative error 0.9%"),
                     KernelResult("sage_attn2", "attention", False, "TypeError: bad"),
                     KernelResult("torch_sdpa", "attention", True, "relative error 0.2%"))
    return {
        "healthy": make_env(),
        "no gpu": make_env(gpu=GpuReading(ok=False, reason="x", said=no_gpu_message(ImportError("pynvml"))),
                           probe=no_card, engine_dist=EngineDist(installed=False)),
        "nvml silent": make_env(gpu=GpuReading(ok=False, reason="x", said=Message.of("gpu.none"))),
        "old card": make_env(gpu=replace(gpu, capability=(7, 5)), probe=with_torch(capability=(7, 5))),
        "ampere": make_env(gpu=replace(gpu, capability=(8, 6)), probe=with_torch(capability=(8, 6))),
        "rtx 50 old driver": make_env(gpu=rtx50, probe=with_torch(capability=(12, 0), cuda="12.8")),
        "unreadable driver": make_env(gpu=replace(gpu, driver="?")),
        "old driver for torch": make_env(gpu=replace(gpu, driver="520.1")),
        "small card": make_env(preset=PRESETS["16gb"]),
        "busy card": make_env(gpu=replace(gpu, used_mib=5000)),
        "unknown preset": make_env(preset=None, preset_error=preset_error),
        "probe timeout": make_env(probe=ProbeResult(failure=Message.of("doctor.probe.timeout", seconds="180"))),
        "no torch": make_env(probe=ProbeResult(torch=TorchInfo(ok=False, error="No module named 'torch'"))),
        "cpu torch": make_env(probe=with_torch(version="2.7.0+cpu", cuda="", cuda_available=False)),
        "torch blind": make_env(probe=with_torch(cuda_available=False)),
        "no arch": make_env(gpu=rtx50, probe=with_torch(capability=(12, 0), arch_list=("sm_80", "sm_90"))),
        "ptx": make_env(probe=with_torch(arch_list=("sm_80", "compute_80"))),
        "cuda op": make_env(probe=with_torch(tiny_op_ok=False, error="CUDA error: unknown error")),
        "no triton": make_env(probe=replace(HEALTHY_PROBE, triton=TritonInfo(ok=False, error="x"))),
        "old triton": make_env(gpu=rtx50, probe=replace(with_torch(capability=(12, 0)),
                                                       triton=TritonInfo(ok=True, version="3.2.0"))),
        "triton mismatch": make_env(probe=replace(HEALTHY_PROBE, triton=TritonInfo(ok=True, version="3.3.0"))),
        "no engine": make_env(engine_dist=EngineDist(installed=False),
                              probe=replace(HEALTHY_PROBE, lightx2v=None, kernels=None)),
        "other commit": make_env(engine_dist=EngineDist(True, "0.1.0", "0123456789abcdef", "https://x.org/x.git")),
        "source tree": make_env(engine_dist=EngineDist(True, "0.1.0", "", "file:///src/LightX2V")),
        "engine import": make_env(probe=replace(HEALTHY_PROBE, lightx2v=replace(
            HEALTHY_PROBE.lightx2v, ok=False, error="No module named 'gguf'"))),
        "failed kernel": make_env(probe=replace(HEALTHY_PROBE, kernels=failed_kernel)),
        "no quant": make_env(probe=replace(HEALTHY_PROBE, chosen_quant="")),
        "no attention": make_env(probe=replace(HEALTHY_PROBE, chosen_attention="")),
        "lazy": make_env(host_ram_gib=23.5, low_ram=True),
        "ram off": make_env(host_ram_gib=23.5, low_ram_setting="off"),
        "tiny ram": make_env(host_ram_gib=11.7, low_ram=True),
        "no ram reading": make_env(host_ram_gib=None),
        "short disk": make_env(weights=MISSING, free_disk_gb=10.0),
        "no disk reading": make_env(free_disk_gb=None),
        "weights missing": make_env(weights=MISSING),
        "weights unreadable": make_env(weights=None, weights_error="PermissionError: denied"),
    }


def skeleton(value: Message | str, lang: str) -> str:
    """The words of a message without its values: what the catalog itself says in `lang`."""
    if not isinstance(value, Message):
        return ""
    return text(value.key, lang, **{k: skeleton(v, lang) for k, v in value.values})


def plain_values(value: Message | str) -> list[str]:
    if not isinstance(value, Message):
        return [value] if value else []
    found: list[str] = []
    for _, v in value.values:
        found.extend(plain_values(v) if isinstance(v, Message) else [str(v)] if str(v) else [])
    return found


ALL = [(name, check) for name, env in broken_machines().items() for check in run_checks(env)]


@pytest.mark.parametrize(("machine", "check"), ALL, ids=[f"{m}:{c.name}" for m, c in ALL])
def test_every_line_is_worded_in_chinese_with_its_values(machine: str, check: Check) -> None:
    parts: list[Message | str] = [check.said, check.fix_said]
    if not (check.status == "ok" and check.name in RAW_OK) and not check.name.startswith("Kernel "):
        assert isinstance(check.said, Message), f"{machine}: {check.name} is a bare sentence: {check.said!r}"
    for part in parts:
        if not isinstance(part, Message):
            continue
        words = NAMES.sub("", skeleton(part, "zh"))
        assert not re.search(r"[A-Za-z]{3,}", words), f"{machine}: {check.name}: {part.text('zh')!r}"
        for value in plain_values(part):
            assert value in part.text("zh") and value in part.text("en"), (machine, check.name, value)
    assert CJK.search(check.name_in("zh")) or NAMES.fullmatch(check.name_in("zh")), check.name_in("zh")


def test_the_report_in_chinese_keeps_numbers_and_commands() -> None:
    machines = broken_machines()
    small = report_text(run_checks(machines["small card"]), "zh")
    assert "[FAIL] 显存: 12.0 GiB，其他程序占用 0.3 GiB：少于 16gb 预设所需的 16 GB。" in small
    assert "修复: 请选择 12gb 预设" in small
    torch = report_text(run_checks(machines["cpu torch"]), "zh")
    assert "torch 2.7.0+cpu 是仅支持 CPU 的版本。" in torch and "--index-url https://download.pytorch.org/whl/" in torch
    preset = report_text(run_checks(machines["unknown preset"]), "zh")
    assert "没有名为“99gb”的预设。请从以下选择：auto, 8gb, 12gb, 16gb, 24gb。" in preset
    english = report_text(run_checks(machines["small card"]), "en")
    assert "[FAIL] VRAM: 12.0 GiB, 0.3 GiB used by other programs: less than the 16gb preset's 16 GB budget." in english


def test_no_gpu_reason_in_both_languages() -> None:
    said = no_gpu_message(ImportError("pynvml"))
    assert said.text() == "No NVIDIA GPU found (the NVIDIA library for Python is missing)."
    assert said.text("zh") == "未找到 NVIDIA GPU（缺少 Python 的 NVIDIA 库）。"
    gpu = next(c for c in run_checks(broken_machines()["no gpu"]) if c.name == "GPU")
    assert gpu.detail_in("zh").startswith("未找到 NVIDIA GPU（缺少 Python 的 NVIDIA 库）。无法生成视频")


def test_a_check_of_only_a_value_is_shown_as_it_is() -> None:
    check = Check("GPU", "ok", "NVIDIA GeForce RTX 4070")
    assert check.detail_in("zh") == check.detail == "NVIDIA GeForce RTX 4070" and check.name_in("zh") == "GPU"
    assert Check("Host RAM", "ok", "x").name_in("zh") == "系统内存"
