"""The one error hierarchy: every failure a user can meet, each with a plain sentence and what to do."""

from __future__ import annotations

from backend.i18n import Message, Said, fields, stage_message, text


class StudioError(Exception):
    """Base of every error the product raises on purpose.

    `str(err)` is one human sentence; `hint` says what to do about it. The UI shows both and never a
    stack trace. `kind` is the error's id (each class its own): the catalog has `error.<kind>` in every
    language, and tests match kinds, not sentences. An error built from catalog messages (a `Message` for
    the sentence and the hint) is worded in any language with its values; one built from a free sentence
    shows its class's sentence plus that detail outside English.
    """

    kind = "error"

    def __init__(self, message: str | Message, hint: str | Message = "") -> None:
        said = message if isinstance(message, Message) else None
        hint_said = hint if isinstance(hint, Message) else None
        super().__init__(str(message))
        self.message = str(message)
        self.hint = str(hint)
        self._said: Message | None = said
        self._hint_said: Message | None = hint_said

    def _localize(self, key: str, hint_key: str, **values: object) -> None:
        """Word the message and hint from the catalog (English here, any language in user_text)."""
        values = {k: stage_message(v) if k == "stage" and isinstance(v, str) else v for k, v in values.items()}
        self._said = Message.of(key, **{k: v for k, v in values.items() if k in fields(key)})  # type: ignore[arg-type]
        self._hint_said = Message.of(hint_key, **{k: v for k, v in values.items()  # type: ignore[arg-type]
                                                  if k in fields(hint_key)}) if hint_key else None
        self.message = self._said.text("en")
        self.hint = self._hint_said.text("en") if self._hint_said else ""
        self.args = (self.message,)

    def parts(self) -> tuple[Message | str, Message | str]:
        """The sentence and the hint as they were given (messages kept), to raise them as another error."""
        return (self._said if self._said is not None else self.message,
                self._hint_said if self._hint_said is not None else self.hint)

    def said(self) -> Message | None:
        """The whole line (sentence and hint) as a message any language can word; None for a free sentence."""
        if self._said is None:
            return None
        if self._hint_said is None and not self.hint:
            return self._said
        hint: Message | str = self._hint_said if self._hint_said is not None else self.hint
        return Message.of("error.line", text=self._said, hint=hint)

    def user_text(self, lang: str = "en") -> str:
        """One line for a person in `lang`: the problem, then what to do."""
        if lang == "en":
            return f"{self.message} {self.hint}".strip()
        said = self.said()
        if said is not None:
            return said.text(lang).strip()
        detail = f"{self.message} {self.hint}".strip()
        for fixed in _fixed_errors():  # a sentence of the app's own without values, carried by another error
            if detail == fixed.user_text():
                return fixed.user_text(lang)
        title = text(f"error.{self.kind}", lang)
        return title if not detail or detail == text(f"error.{self.kind}", "en") else \
            text("error.details", lang, title=title, detail=detail)


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

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        if not message:
            self._localize("error.cancelled", "")


class OutOfVram(StudioError):
    """CUDA ran out of GPU memory during a stage."""

    kind = "out_of_vram"

    def __init__(self, stage: str, lower_preset: str | None) -> None:
        super().__init__("")
        if lower_preset:
            self._localize("error.out_of_vram", "error.out_of_vram.lower", stage=stage, preset=lower_preset)
        else:
            self._localize("error.out_of_vram", "error.out_of_vram.hint", stage=stage)
        self.stage = stage
        self.lower_preset = lower_preset


class OutOfHostRam(StudioError):
    """Host (system) RAM or pinned memory could not be allocated."""

    kind = "out_of_host_ram"

    def __init__(self, detail: str = "") -> None:
        super().__init__("")
        if detail:  # the system's own words stay as they are, in every language
            self._localize("error.out_of_host_ram.detail", "error.out_of_host_ram.hint", detail=detail)
        else:
            self._localize("error.out_of_host_ram", "error.out_of_host_ram.hint")


class WeightsMissing(StudioError):
    """Model files the engine needs are not on disk."""

    kind = "weights_missing"

    def __init__(self, missing: list[str], folder: str) -> None:
        super().__init__("")
        key = "error.weights_missing.more" if len(missing) > 5 else "error.weights_missing"
        self._localize(key, "error.weights_missing.hint", folder=folder, files=", ".join(missing[:5]),
                       more=len(missing) - 5)
        self.missing = missing
        self.folder = folder


class EngineUnusable(StudioError):
    """The engine itself cannot run on this computer (not one job's problem): the page shows it as the
    engine's state."""

    kind = "engine_unusable"


class EngineUnavailable(EngineUnusable):
    """The LightX2V engine cannot be imported or started."""

    kind = "engine_unavailable"


class NoGpu(EngineUnusable):
    """There is no usable NVIDIA GPU."""

    kind = "no_gpu"

    def __init__(self, detail: str = "") -> None:
        super().__init__("")
        if detail:
            self._localize("error.no_gpu.detail", "error.no_gpu.hint", detail=detail)
        else:
            self._localize("error.no_gpu", "error.no_gpu.hint")


class GpuArchUnsupported(EngineUnusable):
    """The installed torch has no kernels for this GPU ('no kernel image is available')."""

    kind = "gpu_arch"

    def __init__(self, gpu: str = "this GPU") -> None:
        super().__init__("")
        self._localize("error.gpu_arch", "error.gpu_arch.hint", gpu=gpu, command=TORCH_CU128)


TORCH_CU128 = "pip install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu128"


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


def error_classes() -> dict[str, type[StudioError]]:
    """Every error class by its kind (each class has its own)."""
    found: dict[str, type[StudioError]] = {}
    todo: list[type[StudioError]] = [StudioError]
    while todo:
        cls = todo.pop()
        found[cls.kind] = cls
        todo.extend(cls.__subclasses__())
    return found


def stored_error_text(kind: str, sentence: str, lang: str = "en") -> str:
    """A recorded failure (its kind and English sentence, as a job keeps it) in `lang`: English as it was;
    in another language a sentence of its own without values is reworded whole, any other one shown as
    its kind's sentence with the English detail."""
    if lang == "en":
        return sentence
    cls = error_classes().get(kind, StudioError)
    err = StudioError(sentence)
    err.kind = cls.kind
    return err.user_text(lang)
class FolderInUse(StudioError):
    """Another process owns the data folder (backend/data_lock.py); nothing in it was touched."""

    kind = "folder_in_use"

    def __init__(self, folder: object, who: Message | str, owner: object = None) -> None:
        super().__init__(Message.of("error.folder_in_use.detail", folder=str(folder), who=who),
                         Message.of("error.folder_in_use.hint"))
        self.folder = folder
        self.owner = owner


def reworded(sentence: str, lang: str) -> str:
    """A sentence of the app's own that carries no values (an engine's "no GPU" reason, kept as text) in
    `lang`; any other sentence as it is."""
    if lang != "en" and isinstance(sentence, Said):
        return sentence.said.text(lang)
    if lang != "en":
        for fixed in _fixed_errors():
            if sentence == fixed.user_text():
                return fixed.user_text(lang)
    return sentence


def _fixed_errors() -> tuple[StudioError, ...]:
    """The errors whose sentence has no values: recognised whole when another error carries it."""
    return NoGpu(), OutOfHostRam(), Cancelled(), GpuArchUnsupported()
