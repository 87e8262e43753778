"""The doctor's checks: pure functions over an Environment of readings, one Check per report line,
each either ok or saying what is wrong and the exact fix. No I/O here, so tests inject any machine."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from backend.engine.dist import PINNED_ARCHIVE, PINNED_COMMIT
from backend.presets import CARD_TOLERANCE_GIB, DESKTOP_HEADROOM_GIB, RAM_TOLERANCE_GIB

if TYPE_CHECKING:  # the readings live with their gathering; only their types are needed here
    from backend.doctor import Environment

Status = Literal["ok", "warn", "fail", "skip"]
KernelKind = Literal["quant", "attention", "other"]
ArchSupport = Literal["native", "ptx", "none"]

TORCH_CU128_INDEX = "https://download.pytorch.org/whl/cu128"
DRIVER_URL = "https://www.nvidia.com/Download/index.aspx"
WEIGHTS_DOWNLOAD_GB = 22.0
"""The FP8 (or INT8) set on disk: DiT ~15 GB, T5 ~6.7 GB, VAE 0.5 GB, tokenizer."""
CLIPS_MIN_FREE_GB = 2.0
TRITON_FOR_TORCH = {(2, 6): 2, (2, 7): 3, (2, 8): 4, (2, 9): 5, (2, 10): 6, (2, 11): 6}
"""Triton 3.x minor release that each torch release was built against (triton-windows must match)."""


@dataclass(frozen=True)
class Check:
    """One line of the report. `fix` is what to do (an exact command where there is one)."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def sm(cap: tuple[int, int]) -> str:
    return f"sm_{cap[0]}{cap[1]}"


def python_cmd(env: Environment, args: str) -> str:
    """A command for the app's own Python, so installs land in the right environment."""
    exe = f'"{env.python_exe}"' if " " in env.python_exe else env.python_exe
    return f"{exe} {args}"


def pip(env: Environment, args: str) -> str:
    return python_cmd(env, f"-m pip {args}")


def torch_reinstall(env: Environment) -> str:
    return pip(env, f"install --force-reinstall torch torchvision torchaudio --index-url {TORCH_CU128_INDEX}")


def engine_install(env: Environment) -> str:
    return pip(env, f'install --force-reinstall --no-deps "lightx2v @ {PINNED_ARCHIVE}"')


def version_tuple(text: str, parts: int = 2) -> tuple[int, ...] | None:
    found = re.match(r"(\d+(?:\.\d+)*)", text.strip())
    if not found:
        return None
    numbers = tuple(int(n) for n in found.group(1).split("."))
    return (numbers + (0,) * parts)[:parts]


def triton_minor_for(env: Environment) -> int | None:
    torch = env.probe.torch
    version = version_tuple(torch.version) if torch and torch.version else None
    return TRITON_FOR_TORCH.get((version[0], version[1])) if version else None


def triton_install(env: Environment) -> str:
    """triton-windows on Windows (Triton has no Windows wheels), pinned to the torch release."""
    minor = triton_minor_for(env)
    if env.windows:
        spec = f'"triton-windows<3.{minor + 1}"' if minor is not None else '"triton-windows>=3.3"'
    else:
        spec = f'"triton==3.{minor}.*"' if minor is not None else "triton"
    return pip(env, f"install -U {spec}")


def arch_support(arch_list: Sequence[str], cap: tuple[int, int]) -> ArchSupport:
    """Whether torch ships machine code for this GPU. Code for sm_XY runs on any X.Z with Z >= Y (the
    'a'/'f' variants only on their exact chip); PTX (compute_XY) can be compiled on the spot instead."""
    ptx = False
    for arch in arch_list:
        found = re.fullmatch(r"(sm|compute)_(\d+)(\d)([af]?)", arch)
        if not found:
            continue
        kind, major, minor, suffix = found.group(1), int(found.group(2)), int(found.group(3)), found.group(4)
        if kind == "sm" and major == cap[0] and (minor == cap[1] or (not suffix and minor <= cap[1])):
            return "native"
        ptx = ptx or (kind == "compute" and (major, minor) <= cap)
    return "ptx" if ptx else "none"


# ---- the GPU as the driver sees it (NVML) ----------------------------------------------------------
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
        return Check("Driver", "fail", f"driver {env.gpu.driver} is too old for {why} (needs {need} or newer).",
                     f"Install NVIDIA driver {need} or newer from {DRIVER_URL}, then restart the computer.")
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
    auto = env.gpu.ok and env.auto_preset is not None and env.auto_preset.name == env.preset.name
    how = " (what auto picks for this card)" if auto else ""
    lazy = "; low RAM: model blocks are read from disk (lazy loading)" if env.low_ram else ""
    return Check("Preset", "ok", f"{env.preset.label}{how}{lazy}")


# ---- torch, Triton and CUDA (from the probe child process) ----------------------------------------
def check_probe(env: Environment) -> Check:
    cmd = python_cmd(env, "-m backend.engine.kernels --json")
    if env.probe.failure:
        return Check("GPU probe", "fail", env.probe.failure + ".",
                     f"Run `{cmd}` in the app folder to see the whole error; include it when reporting a bug.")
    return Check("GPU probe", "ok", f"finished in {env.probe.seconds:.0f} s")


def _not_probed(env: Environment) -> str:
    return "the GPU probe failed (see above)" if env.probe.failure else "torch does not import"


def check_torch(env: Environment) -> Check:
    torch = env.probe.torch
    if torch is None:
        return Check("PyTorch", "skip", f"not checked: {_not_probed(env)}")
    if not torch.ok:
        return Check("PyTorch", "fail", f"torch does not import ({torch.error}).", torch_reinstall(env))
    if not torch.cuda:
        return Check("PyTorch", "fail", f"torch {torch.version} is a CPU-only build.", torch_reinstall(env))
    text = f"torch {torch.version}, CUDA {torch.cuda} build"
    if torch.cuda_available:
        return Check("PyTorch", "ok", f"{text}, sees {torch.device or 'the GPU'}")
    if not env.gpu.ok:
        return Check("PyTorch", "ok", f"{text} (no GPU to use)")
    return Check("PyTorch", "fail", f"{text} cannot reach the GPU (torch.cuda.is_available() is False).",
                 f"Update the NVIDIA driver ({DRIVER_URL}) and restart; if that does not help: {torch_reinstall(env)}")


def check_torch_arch(env: Environment) -> Check:
    torch, cap = env.probe.torch, env.capability
    if torch is None or not torch.ok or not torch.cuda_available or cap is None:
        return Check("PyTorch GPU support", "skip", "not checked: torch cannot use a GPU here")
    support = arch_support(torch.arch_list, cap)
    archs = ", ".join(torch.arch_list) or "none"
    if support == "native":
        return Check("PyTorch GPU support", "ok", f"torch has kernels for {sm(cap)}")
    rtx50 = " (RTX 50 cards need a CUDA 12.8+ build)" if cap[0] == 12 else ""
    if support == "ptx":
        return Check("PyTorch GPU support", "warn", f"torch has no {sm(cap)} kernels ({archs}), only code compiled "
                     f"on first use: slow to start and not tested{rtx50}.", torch_reinstall(env))
    return Check("PyTorch GPU support", "fail", f"torch {torch.version} has kernels for {archs}, not for this "
                 f"GPU's {sm(cap)}{rtx50}.", torch_reinstall(env))


def check_cuda_op(env: Environment) -> Check:
    torch = env.probe.torch
    if torch is None or torch.tiny_op_ok is None:
        return Check("CUDA test", "skip", "not run: torch cannot use a GPU here")
    if torch.tiny_op_ok:
        return Check("CUDA test", "ok", f"a small operation ran on {torch.device or 'the GPU'}")
    if "no kernel image" in torch.error:
        fix = torch_reinstall(env)
    else:
        fix = f"Update the NVIDIA driver ({DRIVER_URL}) and restart; if it persists: {torch_reinstall(env)}"
    return Check("CUDA test", "fail", f"a small operation failed on the GPU ({torch.error or 'wrong result'}).", fix)


def check_triton(env: Environment) -> Check:
    triton = env.probe.triton
    if triton is None:
        return Check("Triton", "skip", f"not checked: {_not_probed(env)}")
    package = "triton-windows" if env.windows else "triton"
    if not triton.ok:
        return Check("Triton", "fail", f"{package} does not import ({triton.error}); LightX2V's kernels need it.",
                     triton_install(env))
    version = version_tuple(triton.version) or (0, 0)
    cap = env.capability
    if cap is not None and cap[0] == 12 and version < (3, 3):
        return Check("Triton", "fail", f"Triton {triton.version} is too old for RTX 50 cards (needs 3.3+).",
                     triton_install(env))
    minor = triton_minor_for(env)
    torch_version = env.probe.torch.version if env.probe.torch else ""
    if minor is not None and version != (3, minor):
        return Check("Triton", "warn", f"Triton {triton.version} does not match torch {torch_version} "
                     f"(built with Triton 3.{minor}); kernels may fail to compile.", triton_install(env))
    return Check("Triton", "ok", f"Triton {triton.version}")


# ---- LightX2V and the kernels ---------------------------------------------------------------------
def check_engine_install(env: Environment) -> Check:
    dist, imported = env.engine_dist, env.probe.lightx2v
    if not dist.installed and imported is not None and imported.ok:
        return Check("LightX2V install", "warn", "LightX2V imports from a folder that pip did not install, so its "
                     f"commit cannot be checked against the tested {PINNED_COMMIT[:7]}.", engine_install(env))
    if not dist.installed:
        return Check("LightX2V install", "fail", "LightX2V is not installed.",
                     f"Run the launch script again, or: {engine_install(env)}")
    if dist.commit == PINNED_COMMIT:
        return Check("LightX2V install", "ok", f"LightX2V {dist.version} at the tested commit {PINNED_COMMIT[:7]}")
    if dist.commit:
        where = f"at commit {dist.commit[:7]}"
    else:
        where = f"from {dist.source or 'an unknown source'} (commit unknown{'; ' + dist.error if dist.error else ''})"
    return Check("LightX2V install", "warn", f"LightX2V {dist.version} {where}, not the tested commit "
                 f"{PINNED_COMMIT[:7]}; the app's workarounds target that commit.", engine_install(env))


def check_engine_import(env: Environment) -> Check:
    engine = env.probe.lightx2v
    if engine is None:
        return Check("LightX2V import", "skip", f"not tried: {_not_probed(env)}")
    if engine.ok:
        took = f" in {engine.import_s:.0f} s" if engine.import_s is not None else ""
        return Check("LightX2V import", "ok", f"imports{took}")
    missing = re.search(r"No module named '([\w.]+)'", engine.error)
    if missing and missing.group(1).split(".")[0] == "lightx2v":
        fix = f"Run the launch script again, or: {engine_install(env)}"
    else:
        fix = f"Run the launch script again, or (in the app folder): {pip(env, 'install -r requirements-lightx2v.txt')}"
    return Check("LightX2V import", "fail", f"LightX2V does not import ({engine.error}).", fix)


def check_kernels(env: Environment) -> list[Check]:
    """One line per probed candidate, then the choice. A failed candidate only matters when nothing of
    its kind works, so it is a warning."""
    probe = env.probe
    if probe.kernels is None:
        return [Check("Kernels", "skip", "not probed: needs torch with a working GPU and LightX2V (see above)")]
    checks = []
    chosen = {"quant": probe.chosen_quant, "attention": probe.chosen_attention}
    for kernel in probe.kernels:
        name = f"Kernel {kernel.name} ({kernel.kind})"
        if kernel.ok:
            checks.append(Check(name, "ok", kernel.detail or "works"))
        else:
            instead = chosen.get(kernel.kind) or ""
            fix = f"Nothing to do: {instead} is used instead." if instead else "See the 'Kernels chosen' line."
            checks.append(Check(name, "warn", f"does not work here ({kernel.detail or 'no detail'}).", fix))
    if not probe.chosen_quant:
        checks.append(Check("Kernels chosen", "fail", "no 8-bit matmul scheme works on this GPU.",
                            "Fix the Triton line first (the 8-bit kernels are Triton kernels), then run the "
                            "doctor again."))
    elif not probe.chosen_attention:
        checks.append(Check("Kernels chosen", "fail", "no attention kernel works, not even torch_sdpa.",
                            torch_reinstall(env)))
    else:
        checks.append(Check("Kernels chosen", "ok", f"matmul {probe.chosen_quant}, attention {probe.chosen_attention}"))
    return checks


# ---- host RAM, disk and weights -------------------------------------------------------------------
def check_host_ram(env: Environment) -> Check:
    preset, ram = env.preset, env.host_ram_gib
    if preset is None:
        return Check("Host RAM", "skip", "no preset chosen")
    if ram is None:
        return Check("Host RAM", "warn", "could not read the amount of system RAM.")
    need = preset.low_ram_min_host_ram_gib if env.low_ram else preset.min_host_ram_gib
    text = f"{ram:.1f} GiB"
    if ram + RAM_TOLERANCE_GIB < need:
        if not env.low_ram and ram + RAM_TOLERANCE_GIB >= preset.low_ram_min_host_ram_gib:
            fix = (f"Set 'Low-RAM mode' to Automatic or On in Settings: with lazy loading the {preset.name} preset "
                   f"needs {preset.low_ram_min_host_ram_gib:g} GiB.")
        else:
            fix = "Close other programs, or add RAM."
        mode = " even with lazy loading" if env.low_ram else ""
        return Check("Host RAM", "fail", f"{text}: the {preset.name} preset needs {need:g} GiB{mode}.", fix)
    if env.low_ram and env.low_ram_setting != "on":
        return Check("Host RAM", "warn", f"{text}: below the {preset.min_host_ram_gib:g} GiB that keeps the model "
                     "in memory, so DiT blocks are read from disk (lazy loading): it works, at about 1.6 × the time "
                     "a clip.", f"With {preset.min_host_ram_gib:g} GB of RAM or more the model stays loaded.")
    return Check("Host RAM", "ok", f"{text}; the {preset.name} preset needs {need:g} GiB"
                 + (" with lazy loading" if env.low_ram else ""))


def check_disk(env: Environment) -> Check:
    free, folder = env.free_disk_gb, env.weights_dir
    if free is None:
        return Check("Free disk", "warn", f"could not read the free space at {folder}.")
    text = f"{free:.1f} GB free at {folder}"
    if env.weights is not None and env.weights.complete:
        if free < CLIPS_MIN_FREE_GB:
            return Check("Free disk", "warn", f"{text}: finished clips need room too.",
                         "Free some disk space.")
        return Check("Free disk", "ok", text)
    if free < WEIGHTS_DOWNLOAD_GB:
        return Check("Free disk", "fail", f"{text}: the {env.weight_set.upper()} weights need about "
                     f"{WEIGHTS_DOWNLOAD_GB:.0f} GB.", "Free disk space, or choose a folder on a bigger drive "
                     "in the Models tab.")
    return Check("Free disk", "ok", f"{text}, enough for the {env.weight_set.upper()} weights "
                 f"(about {WEIGHTS_DOWNLOAD_GB:.0f} GB)")


def check_weights(env: Environment) -> Check:
    if env.weights is None:
        return Check("Weights", "fail", f"could not check {env.weights_dir} ({env.weights_error}).",
                     "Choose a readable folder in the Models tab.")
    if env.weights.complete:
        return Check("Weights", "ok", env.weights.summary())
    return Check("Weights", "fail", env.weights.summary(), f"Open the Models tab to download the "
                 f"{env.weight_set.upper()} set (about {WEIGHTS_DOWNLOAD_GB:.0f} GB), or choose a folder that has it.")


def check_system(env: Environment) -> Check:
    return Check("System", "ok", f"{env.platform}, Python {env.python}")


CHECKS: tuple[Callable[[Environment], Check | list[Check]], ...] = (
    check_system, check_gpu, check_capability, check_driver, check_vram, check_preset, check_probe,
    check_torch, check_torch_arch, check_cuda_op, check_triton, check_engine_install, check_engine_import,
    check_kernels, check_host_ram, check_disk, check_weights,
)


def run_checks(env: Environment) -> list[Check]:
    """Every check in report order: machine, GPU software, engine, kernels, then memory, disk and weights."""
    checks: list[Check] = []
    for check in CHECKS:
        result = check(env)
        checks.extend(result if isinstance(result, list) else [result])
    return checks
