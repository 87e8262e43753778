"""The doctor's checks: pure functions over an Environment of readings, one Check per report line,
each either ok or saying what is wrong and the exact fix. No I/O here, so tests inject any machine."""

from __future__ import annotations

from collections.abc import Callable

from backend.checks.base import ArchSupport, Check, Status, arch_support
from backend.checks.card import check_capability, check_driver, check_gpu, check_preset, check_vram
from backend.checks.environment import Environment, KernelKind
from backend.checks.resources import check_disk, check_host_ram, check_system, check_weights
from backend.checks.software import (
    check_cuda_op,
    check_engine_import,
    check_engine_install,
    check_kernels,
    check_probe,
    check_torch,
    check_torch_arch,
    check_triton,
)

__all__ = ["ArchSupport", "Check", "KernelKind", "Status", "arch_support", "run_checks"]

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
