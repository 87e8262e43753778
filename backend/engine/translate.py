"""Turn LightX2V's and torch's exceptions into the product's errors, at the engine boundary."""

from __future__ import annotations

import traceback

from backend.engine.base import STAGE_WORDS
from backend.errors import (
    Cancelled,
    EngineFailed,
    EngineUnavailable,
    GpuArchUnsupported,
    OutOfHostRam,
    OutOfVram,
    StudioError,
    WeightsMissing,
)
from backend.i18n import Message, stage_message

ENGINE_FIX = (
    "Run launch.sh / launch.bat again with an internet connection to install it, "
    "or see the System tab for what is missing."
)


def is_stop_signal(err: BaseException) -> bool:
    """LightX2V stops at a step boundary by raising a plain Exception that names its `stop_signal`."""
    return "stop_signal" in str(err)


def translate(err: BaseException, stage: str, gpu: str = "this GPU") -> StudioError:
    """Map an exception from inside the engine to one StudioError (the original stays as __cause__)."""
    if isinstance(err, StudioError):
        return err
    text = f"{type(err).__name__}: {err}"
    tb = "".join(traceback.format_exception(err)).lower()
    where = STAGE_WORDS.get(stage, stage)
    if is_stop_signal(err):
        return Cancelled()
    if isinstance(err, MemoryError) or "cudahostalloc" in tb or "pin_memory" in tb or "pinned memory" in tb:
        return OutOfHostRam(str(err)[:120])
    if type(err).__name__ == "OutOfMemoryError" or "out of memory" in text.lower():
        return OutOfVram(where, None)  # the worker knows the next lower preset
    if "no kernel image is available" in text:
        return GpuArchUnsupported(gpu)
    if isinstance(err, FileNotFoundError):
        missing = err.filename if isinstance(getattr(err, "filename", None), str) else str(err)
        return WeightsMissing([str(missing)], "the weights folder")
    if isinstance(err, ImportError):
        name = getattr(err, "name", None) or str(err)
        return EngineUnavailable(Message.of("engine.import_missing", name=str(name)), Message.of("engine.install_hint"))
    return EngineFailed(Message.of("engine.failed_while", stage=stage_message(where), detail=text[:300]),
                        Message.of("error.see_log"))
