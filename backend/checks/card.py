"""The card as the driver sees it (NVML): presence, compute capability, driver, VRAM, and the preset.
Every sentence is a catalog message (backend/catalog_doctor.py) with its values."""

from __future__ import annotations

from backend.checks.base import Check, no_card, sm, torch_reinstall, version_tuple
from backend.checks.environment import Environment
from backend.i18n import Message
from backend.install_plan import DRIVER_URL, torch_build_for
from backend.presets import CARD_TOLERANCE_GIB, DESKTOP_HEADROOM_GIB

M = Message.of
NO_GPU_FIX = M("doctor.gpu.no_gpu_fix", url=DRIVER_URL)
DRIVER_FOR_CUDA = {12: 525, 13: 580}
"""Oldest driver branch that runs any torch build of that CUDA major (minor-version compatibility)."""
BLACKWELL_DRIVER = 570


def check_gpu(env: Environment) -> Check:
    torch = env.probe.torch
    reason = env.gpu.said or env.gpu.reason
    if not env.gpu.ok and torch is not None and torch.cuda_available:
        return Check("GPU", "warn", M("doctor.gpu.no_nvml", device=torch.device or M("doctor.a_gpu"), reason=reason),
                     M("doctor.gpu.reinstall_driver", url=DRIVER_URL))
    if not env.gpu.ok:
        return Check("GPU", "fail", M("doctor.gpu.none", reason=reason or M("gpu.none")), NO_GPU_FIX)
    return Check("GPU", "ok", env.gpu.name)


def check_capability(env: Environment) -> Check:
    cap = env.capability
    if cap is None:
        return Check("Compute capability", "skip", M("doctor.capability.unknown"))
    text = f"{cap[0]}.{cap[1]} ({sm(cap)})"
    if cap < (8, 0):
        return Check("Compute capability", "fail", M("doctor.capability.old", cap=text),
                     M("doctor.capability.old_fix"))
    if cap < (8, 9):
        return Check("Compute capability", "ok", M("doctor.capability.int8", cap=text))
    extra = M("doctor.capability.rtx50") if cap[0] == 12 else ""
    return Check("Compute capability", "ok", M("doctor.capability.fp8", cap=text, extra=extra))


def check_driver(env: Environment) -> Check:
    if not env.gpu.ok:
        return Check("Driver", "skip", M("doctor.no_gpu"))
    version = version_tuple(env.gpu.driver, 1)
    if version is None:
        return Check("Driver", "warn", M("doctor.driver.unreadable", driver=repr(env.gpu.driver)))
    needs: list[tuple[int, Message]] = []
    torch = env.probe.torch
    cuda = version_tuple(torch.cuda, 1) if torch and torch.cuda else None
    if torch and cuda and cuda[0] in DRIVER_FOR_CUDA:
        needs.append((DRIVER_FOR_CUDA[cuda[0]], M("doctor.driver.for_torch", cuda=torch.cuda)))
    if env.capability and env.capability >= (10, 0):
        needs.append((BLACKWELL_DRIVER, M("doctor.driver.for_rtx50")))
    short = [(need, why) for need, why in needs if version[0] < need]
    if short:
        need = max(n for n, _ in short)
        why: Message = short[0][1] if len(short) == 1 else M("doctor.and", first=short[0][1], second=short[1][1])
        fix = M("doctor.driver.install", need=need, url=DRIVER_URL)
        only_torch = all(reason.key == "doctor.driver.for_torch" for _, reason in short)
        if only_torch and torch_build_for(env.gpu.driver, env.system) is not None:
            fix = M("doctor.driver.install_or_torch", need=need, url=DRIVER_URL, command=torch_reinstall(env))
        return Check("Driver", "fail", M("doctor.driver.old", driver=env.gpu.driver, why=why, need=need), fix)
    return Check("Driver", "ok", M("doctor.driver.ok", driver=env.gpu.driver))


def check_vram(env: Environment) -> Check:
    """Card size against the preset's budget, and what other programs hold now. The app's own use
    (a warm model when the page asks) is not counted against it."""
    if not env.gpu.ok:
        return Check("VRAM", "skip", M("doctor.no_gpu"))
    total = env.gpu.total_mib / 1024
    others = max(0.0, env.gpu.used_mib - (env.gpu.process_mib or 0.0)) / 1024
    text = M("doctor.vram.card", total=f"{total:.1f}", others=f"{others:.1f}")
    preset, auto = env.preset, env.auto_preset
    if preset is None:
        return Check("VRAM", "ok", text)
    if total + CARD_TOLERANCE_GIB < preset.vram_budget_gib:
        if auto is not None and auto.name != preset.name:
            fix = M("doctor.vram.choose", preset=auto.name)
        else:
            fix = M("doctor.vram.too_small_fix")
        return Check("VRAM", "fail", M("doctor.vram.too_small", card=text, preset=preset.name,
                                       budget=f"{preset.vram_budget_gib:g}"), fix)
    smallest = min(preset.measured, key=lambda m: m.tokens, default=None)
    if smallest:
        need = smallest.peak_vram_gib
        uses = M("doctor.vram.peaks", peak=f"{need:.1f}", width=smallest.width, height=smallest.height,
                 frames=smallest.frames)
    else:
        need = preset.vram_budget_gib - DESKTOP_HEADROOM_GIB
        uses = M("doctor.vram.may_use", peak=f"{need:.1f}")
    if total - others < need:
        return Check("VRAM", "warn", M("doctor.vram.tight", card=text, left=f"{total - others:.1f}",
                                       preset=preset.name, uses=uses), M("doctor.vram.close_programs"))
    return Check("VRAM", "ok", M("doctor.vram.ok", card=text, preset=preset.name, uses=uses))


def check_preset(env: Environment) -> Check:
    if env.preset is None:
        return Check("Preset", "fail", env.preset_error, M("doctor.preset.fix"))
    if no_card(env):
        return Check("Preset", "skip", M("doctor.preset.no_card", preset=env.preset.label))
    auto = env.gpu.ok and env.auto_preset is not None and env.auto_preset.name == env.preset.name
    how = M("doctor.preset.auto") if auto else ""
    lazy = M("doctor.preset.lazy") if env.low_ram else ""
    return Check("Preset", "ok", M("doctor.preset.ok", preset=env.preset.label, how=how, lazy=lazy))
