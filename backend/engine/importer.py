"""Imports LightX2V's pipeline class without the model families the studio never runs.

`from lightx2v import LightX2VPipeline` executes lightx2v/pipeline.py, which imports ~30 runners
(Flux, Qwen-Image, LTX-2, HunyuanVideo, world models, ...) only so that each registers itself; their own
imports (transformers models, codecs, extra kernels) are most of the import's time. Wan text-to-video
needs two of them. Each other runner module pipeline.py names gets an empty stand-in, so its
`from ... import XRunner` binds a placeholder class instead of importing that family. If the lean import
fails in any way, everything is forgotten and the full import runs: slower, never wrong.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MODEL_CLS = "wan2.1_distill"
NEEDED_RUNNERS = frozenset({"lightx2v.models.runners.wan.wan_runner",
                            "lightx2v.models.runners.wan.wan_distill_runner"})
RUNNER_IMPORT = re.compile(r"^from (lightx2v\.models\.runners\.[\w.]+) import ([\w ,]+)", re.MULTILINE)
STANDIN_MARK = "__wan_studio_standin__"


_first_failure: str | None = None  # why the import failed, once: a second attempt cannot tell the truth


def import_pipeline_class(lean: bool = True) -> Any:
    """LightX2VPipeline, imported once; raises what the import raised when LightX2V is broken.

    The import runs on a short-lived thread of its own. Some module of LightX2V keeps a frame of its
    import alive, and a frame keeps every caller's frame (and its last locals) alive with it: imported
    from the worker's build, the first pipeline and its 19 GB of pinned memory outlived "Free GPU
    memory" (H200 run, 2026-12-02). Here the only frames kept are this thread's.
    A failed import is not tried again in the same process: LightX2V registers its metrics when its
    modules load, so a second import fails with "Duplicated timeseries" and hides the real cause.
    """
    if "lightx2v" in sys.modules:  # already imported (by us, or by a test's fake)
        return sys.modules["lightx2v"].LightX2VPipeline
    if _first_failure is not None:
        raise ImportError(f"{_first_failure} (restart Wan Studio once it is fixed)")
    outcome: list[Any] = []

    def attempt() -> None:
        try:
            outcome.append(_import(lean))
        except BaseException as err:  # handed to the caller's thread below
            outcome.append(err)

    thread = threading.Thread(target=attempt, name="lightx2v-import", daemon=True)
    thread.start()
    thread.join()
    result = outcome.pop()
    if isinstance(result, BaseException):
        _remember(result)
        raise result
    return result


def _remember(err: BaseException) -> None:
    global _first_failure
    _first_failure = str(err) if isinstance(err, ImportError) else f"{type(err).__name__}: {err}"
    forget_lightx2v()


def _import(lean: bool) -> Any:
    started = time.monotonic()
    standins = install_standins() if lean else []
    try:
        from lightx2v import LightX2VPipeline
        from lightx2v.utils.registry_factory import RUNNER_REGISTER

        if MODEL_CLS not in RUNNER_REGISTER:
            raise ImportError(f"{MODEL_CLS} is not registered after the lean import")
    except Exception as err:
        if not standins:
            raise
        logger.info("Lean import of LightX2V failed (%s: %s); importing every model family", type(err).__name__, err)
        forget_lightx2v()
        try:
            from lightx2v import LightX2VPipeline
        except Exception as full:  # often only an echo of the first failure (metrics registered twice)
            raise ImportError(f"{err}; importing every model family then failed too: "
                              f"{type(full).__name__}: {full}") from err
    else:
        logger.info("LightX2V imported in %.1f s (%d unused model families skipped)",
                    time.monotonic() - started, len(standins))
    return LightX2VPipeline


def install_standins() -> list[str]:
    """Register placeholder modules for the runners pipeline.py imports but Wan T2V never uses."""
    source = _pipeline_source()
    if source is None:
        return []
    installed = []
    for module_name, names in RUNNER_IMPORT.findall(source):
        if module_name in NEEDED_RUNNERS or module_name in sys.modules:
            continue
        module = types.ModuleType(module_name, "Stand-in: this model family is not loaded by Wan Studio.")
        setattr(module, STANDIN_MARK, True)
        for name in (n.strip() for n in names.split(",")):
            if name:
                setattr(module, name, _placeholder(name, module_name))
        sys.modules[module_name] = module
        installed.append(module_name)
    return installed


def forget_lightx2v() -> None:
    """Drop every lightx2v module (and stand-in) so that the next import starts from scratch."""
    for name in [n for n in sys.modules if n == "lightx2v" or n.startswith("lightx2v.")]:
        del sys.modules[name]


def _pipeline_source() -> str | None:
    try:
        spec = importlib.util.find_spec("lightx2v")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pipeline.py"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _placeholder(name: str, module_name: str) -> type:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"{name} ({module_name}) is not loaded: Wan Studio imports only the Wan runners")

    return type(name, (), {"__init__": refuse, "__module__": module_name})
