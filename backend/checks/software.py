"""torch, Triton and CUDA as the probe child process found them, then LightX2V and the kernels."""

from __future__ import annotations

import re

from backend.checks.base import (
    Check,
    arch_support,
    engine_install,
    no_card,
    pip,
    python_cmd,
    sm,
    torch_reinstall,
    triton_install,
    triton_minor_for,
    version_tuple,
)
from backend.checks.environment import Environment
from backend.engine.dist import PINNED_COMMIT
from backend.install_plan import DRIVER_URL


# ---- torch, Triton and CUDA (from the probe child process) ----------------------------------------
def check_probe(env: Environment) -> Check:
    cmd = python_cmd(env, "-m backend.engine.kernels --json")
    if no_card(env) and not env.probe.failure:
        return Check("GPU probe", "skip", "no NVIDIA GPU to probe; only whether torch and LightX2V import was checked")
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
    if not dist.installed and no_card(env):  # the engine needs a card first: one problem, said once (GPU)
        return Check("LightX2V install", "skip", "not installed; not needed without an NVIDIA GPU")
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
