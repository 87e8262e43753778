"""The engine process's CUDA side: why the engine cannot run here (cheaply, without importing it), environment
defaults set before torch starts, what a remembered kernel choice depends on, and the memory the CUDA
context holds outside torch's allocator."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from backend.engine.dist import read_engine_dist
from backend.errors import NoGpu
from backend.gpu import GpuReading
from backend.i18n import Message, Said, say
from backend.models import check_weights, default_weight_set
from backend.weights_words import weights_message

MIB = 1024 * 1024


def lightx2v_version() -> str:
    return read_engine_dist().describe()


ALLOC_CONF = "expandable_segments:True" + (
    ",pinned_use_cuda_host_register:True,pinned_num_register_threads:8" if sys.platform.startswith("linux") else "")
"""Expandable segments keep the capped allocator from fragmenting: without them the 8 GB preset ran out of
memory at a 7.3 GiB cap on a 6 GiB peak. On Linux, pinned memory is malloc'ed, touched on 8 threads, then
registered: pinning 14.5 GB took 2.0 s instead of 16 s on an H200 box, and cudaHostAlloc stalled the
LightX2V import on the other thread all the while (import 12.4 s instead of 27.4 s; bench/README.md,
"Start-up"). Such pages are copied into any fork()ed child: pinned.keep_out_of_forks and video.py's
vfork-friendly ffmpeg start keep that from happening."""


def set_engine_environment() -> None:
    """Defaults that must be in place before torch initialises CUDA (call at process start); users'
    own values win (ALLOC_CONF says why these)."""
    os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", ALLOC_CONF)
    os.environ.setdefault("PROFILING_DEBUG_LEVEL", "1")  # level 2 adds device syncs to every phase
    os.environ.setdefault("DTYPE", "BF16")
    # Triton re-times every candidate tile config of LightX2V's FP8/INT8 GEMMs for each new shape in
    # each process (~4 s of the first clip); cached on disk, later starts reuse the winners.
    os.environ.setdefault("TRITON_CACHE_AUTOTUNING", "1")


def kernel_key(torch: Any, reading: GpuReading) -> dict[str, str]:
    """What a remembered kernel choice depends on."""
    versions = {}
    for package in ("triton", "triton-windows", "sageattention"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = ""
    return {"gpu": torch.cuda.get_device_name(0), "driver": reading.driver, "torch": torch.__version__,
            "lightx2v": lightx2v_version(), **versions}


def context_mib(torch: Any, reading: GpuReading) -> float | None:
    """GPU memory this process holds beyond torch's allocator: the CUDA context and kernels."""
    if not reading.ok or reading.process_mib is None:
        return None
    return round(reading.process_mib - torch.cuda.memory_reserved() / MIB, 1)


def _find_spec(name: str) -> Any:
    try:
        return importlib.util.find_spec(name)
    except (ValueError, ImportError):  # already imported without a spec (tests) or a broken parent
        return None


def why_unavailable(reading: GpuReading, weights_dir: Path) -> str | Said | None:
    """Why generation cannot run here (no GPU, torch or LightX2V missing, weights incomplete), or None: English
    text that keeps its message (Said), so a page words it in its own language."""
    if not reading.ok:
        return NoGpu().user_text()  # the gauge shows NVML's own words
    for module, what in (("torch", "PyTorch"), ("lightx2v", "The LightX2V engine")):
        if module not in sys.modules and _find_spec(module) is None:
            return say("engine.not_installed", what=what if module == "torch" else Message.of("engine.lightx2v"),
                       hint=Message.of("engine.install_hint"))
    report = check_weights(weights_dir, default_weight_set(reading.capability))
    if not report.complete:
        return say("engine.weights_incomplete", summary=weights_message(report))
    return None
