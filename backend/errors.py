"""The one error hierarchy: every failure a user can meet, each with a plain sentence and what to do."""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the product raises on purpose.

    `str(err)` is one human sentence; `hint` says what to do about it. The UI shows both and never a
    stack trace.
    """

    kind = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_text(self) -> str:
        """One line for a person: the problem, then what to do."""
        return f"{self.message} {self.hint}".strip()


class BadRequest(StudioError):
    """A request value is outside what the product accepts; nothing ran."""

    kind = "bad_request"


class LoraError(BadRequest):
    """A LoRA file cannot be used (missing, damaged, for another model, or a bad strength); nothing ran."""

    kind = "lora"


class PresetError(StudioError):
    """A preset file is malformed or a preset name is unknown."""

    kind = "preset"


class Cancelled(StudioError):
    """The user cancelled the job. Recorded as `cancelled`, never as `failed`."""

    kind = "cancelled"

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)


class OutOfVram(StudioError):
    """CUDA ran out of GPU memory during a stage."""

    kind = "out_of_vram"

    def __init__(self, stage: str, lower_preset: str | None) -> None:
        hint = (
            f"Try the {lower_preset} preset, fewer frames or a smaller size."
            if lower_preset
            else "Try fewer frames or a smaller size, and close other programs that use the GPU."
        )
        super().__init__(f"The GPU ran out of memory while {stage}.", hint)
        self.stage = stage
        self.lower_preset = lower_preset


class OutOfHostRam(StudioError):
    """Host (system) RAM or pinned memory could not be allocated."""

    kind = "out_of_host_ram"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The computer ran out of system memory (RAM) for the model." + (f" ({detail})" if detail else ""),
            "Close other programs, or choose a preset with 'low RAM' (lazy loading) in Settings.",
        )


class WeightsMissing(StudioError):
    """Model files the engine needs are not on disk."""

    kind = "weights_missing"

    def __init__(self, missing: list[str], folder: str) -> None:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        super().__init__(
            f"Model weights are missing in {folder}: {shown}.",
            "Open the Models tab to download them or to choose a folder that has them.",
        )
        self.missing = missing
        self.folder = folder


class EngineUnusable(StudioError):
    """The engine itself cannot run on this computer (not one job's problem): the page shows it as the
    engine's state."""


class EngineUnavailable(EngineUnusable):
    """The LightX2V engine cannot be imported or started."""

    kind = "engine_unavailable"


class NoGpu(EngineUnusable):
    """There is no usable NVIDIA GPU."""

    kind = "no_gpu"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "No NVIDIA GPU with CUDA was found" + (f" ({detail})." if detail else "."),
            "Generation needs an NVIDIA card with 8 GB or more; the gallery and settings still work.",
        )


class GpuArchUnsupported(EngineUnusable):
    """The installed torch has no kernels for this GPU ('no kernel image is available')."""

    kind = "gpu_arch"

    def __init__(self, gpu: str = "this GPU") -> None:
        super().__init__(
            f"The installed PyTorch has no kernels for {gpu}.",
            "Reinstall torch built for CUDA 12.8 or newer (needed for RTX 50 cards): "
            "pip install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu128",
        )


class SaveFailed(StudioError):
    """The finished clip could not be written (disk full, folder not writable)."""

    kind = "save_failed"


class EngineFailed(StudioError):
    """The engine failed for a reason we do not recognise; the log has the details."""

    kind = "engine_failed"


class DownloadError(StudioError):
    """A weight download failed or was refused before it started."""

    kind = "download"


class NotFound(StudioError):
    """A job or clip that was asked for does not exist (or is outside the data folder)."""

    kind = "not_found"
