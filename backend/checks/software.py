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
from backend.i18n import Message
from backend.install_plan import DRIVER_URL

M = Message.of
KIND_KEYS = {"quant": "doctor.kernels.kind.quant", "attention": "doctor.kernels.kind.attention",
             "other": "doctor.kernels.kind.other"}


# ---- torch, Triton and CUDA (from the probe child process) ----------------------------------------
def check_probe(env: Environment) -> Check:
    cmd = python_cmd(env, "-m backend.engine.kernels --json")
    if no_card(env) and not env.probe.failure:
        return Check("GPU probe", "skip", M("doctor.probe.no_card"))
    if env.probe.failure:
        return Check("GPU probe", "fail", M("doctor.sentence", text=env.probe.failure),
                     M("doctor.probe.fix", command=cmd))
    return Check("GPU probe", "ok", M("doctor.probe.ok", seconds=f"{env.probe.seconds:.0f}"))


def _not_probed(env: Environment) -> Message:
    return M("doctor.probe.failed_above") if env.probe.failure else M("doctor.torch.no_import_short")


def check_torch(env: Environment) -> Check:
    torch = env.probe.torch
    if torch is None:
        return Check("PyTorch", "skip", M("doctor.not_checked", why=_not_probed(env)))
    if (not torch.ok or not torch.cuda) and no_card(env):  # the launch scripts install torch only with a GPU
        return Check("PyTorch", "skip", M("doctor.not_checked", why=M("doctor.torch.not_needed")))
    if not torch.ok:
        return Check("PyTorch", "fail", M("doctor.torch.no_import", error=torch.error), torch_reinstall(env))
    if not torch.cuda:
        return Check("PyTorch", "fail", M("doctor.torch.cpu_only", version=torch.version), torch_reinstall(env))
    text = M("doctor.torch.build", version=torch.version, cuda=torch.cuda)
    if torch.cuda_available:
        return Check("PyTorch", "ok", M("doctor.torch.sees", build=text, device=torch.device or M("doctor.the_gpu")))
    if not env.gpu.ok:
        return Check("PyTorch", "ok", M("doctor.torch.no_gpu", build=text))
    return Check("PyTorch", "fail", M("doctor.torch.no_cuda", build=text),
                 M("doctor.update_driver", url=DRIVER_URL, command=torch_reinstall(env)))


def check_torch_arch(env: Environment) -> Check:
    torch, cap = env.probe.torch, env.capability
    if torch is None or not torch.ok or not torch.cuda_available or cap is None:
        return Check("PyTorch GPU support", "skip", M("doctor.not_checked", why=M("doctor.torch.no_gpu_here")))
    support = arch_support(torch.arch_list, cap)
    archs = ", ".join(torch.arch_list) or "—"
    if support == "native":
        return Check("PyTorch GPU support", "ok", M("doctor.arch.ok", sm=sm(cap)))
    rtx50 = M("doctor.arch.rtx50") if cap[0] == 12 else ""
    if support == "ptx":
        return Check("PyTorch GPU support", "warn", M("doctor.arch.ptx", sm=sm(cap), archs=archs, rtx50=rtx50),
                     torch_reinstall(env))
    return Check("PyTorch GPU support", "fail", M("doctor.arch.none", version=torch.version, archs=archs, sm=sm(cap),
                                                  rtx50=rtx50), torch_reinstall(env))


def check_cuda_op(env: Environment) -> Check:
    torch = env.probe.torch
    if torch is None or torch.tiny_op_ok is None:
        return Check("CUDA test", "skip", M("doctor.not_run", why=M("doctor.torch.no_gpu_here")))
    if torch.tiny_op_ok:
        return Check("CUDA test", "ok", M("doctor.cuda_op.ok", device=torch.device or M("doctor.the_gpu")))
    fix: Message | str
    if "no kernel image" in torch.error:
        fix = torch_reinstall(env)
    else:
        fix = M("doctor.update_driver", url=DRIVER_URL, command=torch_reinstall(env))
    return Check("CUDA test", "fail", M("doctor.cuda_op.failed", error=torch.error or M("doctor.cuda_op.wrong")),
                 fix)


def check_triton(env: Environment) -> Check:
    triton = env.probe.triton
    if triton is None:
        return Check("Triton", "skip", M("doctor.not_checked", why=_not_probed(env)))
    package = "triton-windows" if env.windows else "triton"
    if not triton.ok:
        return Check("Triton", "fail", M("doctor.triton.no_import", package=package, error=triton.error),
                     triton_install(env))
    version = version_tuple(triton.version) or (0, 0)
    cap = env.capability
    if cap is not None and cap[0] == 12 and version < (3, 3):
        return Check("Triton", "fail", M("doctor.triton.old", version=triton.version), triton_install(env))
    minor = triton_minor_for(env)
    torch_version = env.probe.torch.version if env.probe.torch else ""
    if minor is not None and version != (3, minor):
        return Check("Triton", "warn", M("doctor.triton.mismatch", version=triton.version, torch=torch_version,
                                         built=f"3.{minor}"), triton_install(env))
    return Check("Triton", "ok", f"Triton {triton.version}")


# ---- LightX2V and the kernels ---------------------------------------------------------------------
def check_engine_install(env: Environment) -> Check:
    dist, imported = env.engine_dist, env.probe.lightx2v
    if not dist.installed and imported is not None and imported.ok:
        return Check("LightX2V install", "warn", M("doctor.engine.from_folder", commit=PINNED_COMMIT[:7]),
                     engine_install(env))
    if not dist.installed and no_card(env):  # the engine needs a card first: one problem, said once (GPU)
        return Check("LightX2V install", "skip", M("doctor.engine.not_needed"))
    if not dist.installed:
        return Check("LightX2V install", "fail", M("doctor.engine.missing"),
                     M("doctor.engine.run_launcher", command=engine_install(env)))
    if dist.commit == PINNED_COMMIT:
        return Check("LightX2V install", "ok", M("doctor.engine.pinned", version=dist.version,
                                                 commit=PINNED_COMMIT[:7]))
    if dist.commit:
        where = M("doctor.engine.at_commit", commit=dist.commit[:7])
    else:
        extra = "; " + dist.error if dist.error else ""
        where = M("doctor.engine.from_source", source=dist.source or M("doctor.engine.unknown_source"), error=extra)
    return Check("LightX2V install", "warn", M("doctor.engine.other_commit", version=dist.version, where=where,
                                               commit=PINNED_COMMIT[:7]), engine_install(env))


def check_engine_import(env: Environment) -> Check:
    engine = env.probe.lightx2v
    if engine is None:
        return Check("LightX2V import", "skip", M("doctor.not_tried", why=_not_probed(env)))
    if engine.ok:
        if engine.import_s is None:
            return Check("LightX2V import", "ok", M("doctor.import.ok"))
        return Check("LightX2V import", "ok", M("doctor.import.ok_in", seconds=f"{engine.import_s:.0f}"))
    missing = re.search(r"No module named '([\w.]+)'", engine.error)
    if missing and missing.group(1).split(".")[0] == "lightx2v":
        fix = M("doctor.engine.run_launcher", command=engine_install(env))
    else:
        fix = M("doctor.import.run_launcher", command=pip(env, "install -r requirements-lightx2v.txt"))
    return Check("LightX2V import", "fail", M("doctor.import.failed", error=engine.error), fix)


def check_kernels(env: Environment) -> list[Check]:
    """One line per probed candidate, then the choice. A failed candidate only matters when nothing of
    its kind works, so it is a warning."""
    probe = env.probe
    if probe.kernels is None:
        return [Check("Kernels", "skip", M("doctor.kernels.not_probed"))]
    checks = []
    chosen = {"quant": probe.chosen_quant, "attention": probe.chosen_attention}
    for kernel in probe.kernels:
        name = M("doctor.kernels.name", name=kernel.name, kind=M(KIND_KEYS[kernel.kind]))
        if kernel.ok:
            checks.append(Check(name.text(), "ok", kernel.detail or M("doctor.kernels.works"), name_said=name))
        else:
            instead = chosen.get(kernel.kind) or ""
            fix = M("doctor.kernels.instead", kernel=instead) if instead else M("doctor.kernels.see_chosen")
            checks.append(Check(name.text(), "warn", M("doctor.kernels.failed",
                                                      detail=kernel.detail or M("doctor.kernels.no_detail")),
                                fix, name_said=name))
    if not probe.chosen_quant:
        checks.append(Check("Kernels chosen", "fail", M("doctor.kernels.no_quant"), M("doctor.kernels.no_quant_fix")))
    elif not probe.chosen_attention:
        checks.append(Check("Kernels chosen", "fail", M("doctor.kernels.no_attention"), torch_reinstall(env)))
    else:
        checks.append(Check("Kernels chosen", "ok", M("doctor.kernels.chosen", quant=probe.chosen_quant,
                                                      attention=probe.chosen_attention)))
    return checks
