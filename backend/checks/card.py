"""The card as the driver sees it (NVML): presence, compute capability, driver, VRAM, and the preset."""

from __future__ import annotations

from backend.checks.base import Check, no_card, sm, torch_reinstall, version_tuple
from backend.checks.environment import Environment
from backend.install_plan import DRIVER_URL, torch_build_for
from backend.presets import CARD_TOLERANCE_GIB, DESKTOP_HEADROOM_GIB

NO_GPU_FIX = (f"Generation needs an NVIDIA card with 8 GB or more: install its current driver ({DRIVER_URL}) "
              "and check that `nvidia-smi` lists it.")
DRIVER_FOR_CUDA = {12: 525, 13: 580}
"""Oldest driver branch that runs any torch build of that CUDA major (minor-version compatibility)."""
BLACKWELL_DRIVER = 570


def check_gpu(env: Environment) -> Check:
    torch = env.probe.torch
    if not env.gpu.ok and torch is not None and torch.cuda_available:
        return Check("GPU", "warn", f"{torch.device or 'A GPU'} works through torch, but the driver's "
                     f"management library does not answer ({env.gpu.reason}): the VRAM gauge stays empty.",
                     f"Reinstall the current NVIDIA driver ({DRIVER_URL}).")
    if not env.gpu.ok:
        return Check("GPU", "fail", f"{env.gpu.reason or 'No NVIDIA GPU found.'} Generation is unavailable; the "
                     "gallery, settings and model downloads still work.", NO_GPU_FIX)
    return Check("GPU", "ok", env.gpu.name)


def check_capability(env: Environment) -> Check:
    cap = env.capability
    if cap is None:
        return Check("Compute capability", "skip", "unknown (no GPU reading)")
    text = f"{cap[0]}.{cap[1]} ({sm(cap)})"
    if cap < (8, 0):
        return Check("Compute capability", "fail", f"{text} is older than the RTX 30 series: the 8-bit kernels "
                     "need 8.0 or newer.", "Use an NVIDIA RTX 30, 40 or 50 series card (or newer).")
    if cap < (8, 9):
        return Check("Compute capability", "ok", f"{text}: no FP8 on this card, so the INT8 weights and "
                     "int8-triton are used.")
    extra = "; RTX 50 needs a CUDA 12.8+ torch and Triton 3.3+" if cap[0] == 12 else ""
    return Check("Compute capability", "ok", f"{text}: FP8 weights with fp8-triton{extra}.")


def check_driver(env: Environment) -> Check:
    if not env.gpu.ok:
        return Check("Driver", "skip", "no NVIDIA GPU")
    version = version_tuple(env.gpu.driver, 1)
    if version is None:
        return Check("Driver", "warn", f"could not read the driver version ({env.gpu.driver!r}).")
    needs: list[tuple[int, str]] = []
    torch = env.probe.torch
    cuda = version_tuple(torch.cuda, 1) if torch and torch.cuda else None
    if torch and cuda and cuda[0] in DRIVER_FOR_CUDA:
        needs.append((DRIVER_FOR_CUDA[cuda[0]], f"torch's CUDA {torch.cuda} build"))
    if env.capability and env.capability >= (10, 0):
        needs.append((BLACKWELL_DRIVER, "RTX 50 (Blackwell) cards"))
    short = [(need, why) for need, why in needs if version[0] < need]
    if short:
        need = max(n for n, _ in short)
        why = " and ".join(w for _, w in short)
        fix = f"Install NVIDIA driver {need} or newer from {DRIVER_URL}, then restart the computer."
        only_torch = all(reason.startswith("torch") for _, reason in short)
        if only_torch and torch_build_for(env.gpu.driver, env.system) is not None:
            fix += f" Or keep this driver and install the PyTorch build it runs: {torch_reinstall(env)}"
        return Check("Driver", "fail", f"driver {env.gpu.driver} is too old for {why} (needs {need} or newer).", fix)
    return Check("Driver", "ok", f"driver {env.gpu.driver}")


def check_vram(env: Environment) -> Check:
    """Card size against the preset's budget, and what other programs hold now. The app's own use
    (a warm model when the page asks) is not counted against it."""
    if not env.gpu.ok:
        return Check("VRAM", "skip", "no NVIDIA GPU")
    total = env.gpu.total_mib / 1024
    others = max(0.0, env.gpu.used_mib - (env.gpu.process_mib or 0.0)) / 1024
    text = f"{total:.1f} GiB, {others:.1f} GiB used by other programs"
    preset, auto = env.preset, env.auto_preset
    if preset is None:
        return Check("VRAM", "ok", text)
    if total + CARD_TOLERANCE_GIB < preset.vram_budget_gib:
        if auto is not None and auto.name != preset.name:
            fix = f"Choose the {auto.name} preset (what auto picks for this card)."
        else:
            fix = "Generation needs a card with 8 GB or more; smaller sizes and fewer frames may still fit."
        return Check("VRAM", "fail", f"{text}: less than the {preset.name} preset's "
                     f"{preset.vram_budget_gib:g} GB budget.", fix)
    smallest = min(preset.measured, key=lambda m: m.tokens, default=None)
    if smallest:
        need = smallest.peak_vram_gib
        uses = f"peaks at {need:.1f} GiB at {smallest.width}×{smallest.height}, {smallest.frames} frames"
    else:
        need = preset.vram_budget_gib - DESKTOP_HEADROOM_GIB
        uses = f"may use up to {need:.1f} GiB (not measured yet)"
    if total - others < need:
        return Check("VRAM", "warn", f"{text}: {total - others:.1f} GiB left, and the {preset.name} preset {uses}.",
                     "Close other programs that use the GPU (games, other AI apps, video players, browsers with "
                     "many tabs) before generating.")
    return Check("VRAM", "ok", f"{text}; the {preset.name} preset {uses}.")


def check_preset(env: Environment) -> Check:
    if env.preset is None:
        return Check("Preset", "fail", env.preset_error, "Use --preset auto, or a name from the Preset menu.")
    if no_card(env):
        return Check("Preset", "skip", f"not checked against a card (no NVIDIA GPU); {env.preset.label} is chosen")
    auto = env.gpu.ok and env.auto_preset is not None and env.auto_preset.name == env.preset.name
    how = " (what auto picks for this card)" if auto else ""
    lazy = "; low RAM: model blocks are read from disk (lazy loading)" if env.low_ram else ""
    return Check("Preset", "ok", f"{env.preset.label}{how}{lazy}")
