"""The Studio's LoRA services: the folders, what a file matches, checking a job's LoRAs, the command
line's files, a clip's LoRAs for "Reuse settings", and the fit badge with the LoRAs' VRAM. A part of
`Studio` (a base class), kept apart so each module stays small: nothing else uses it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.errors import BadRequest, LoraError
from backend.gallery import Clip
from backend.i18n import Message
from backend.lora.folders import LoraEntry, LoraLibrary
from backend.lora.parse import LoraReport, inspect
from backend.lora.vram import lora_vram_gib, refuse_lazy_load
from backend.presets import Fit, Preset, fit_message, has_bigger_preset
from backend.request import LoraUse, check_lora_strength, check_loras, latent_tokens
from backend.settings import Paths, UserSettings


class LoraDesk:
    """LoRA folders and checks, for `Studio` (which provides the attributes below)."""

    if TYPE_CHECKING:
        paths: Paths
        settings: UserSettings
        loras: LoraLibrary
        presets: dict[str, Preset]

        def low_ram_for(self, preset: Preset) -> bool: ...
        def clip(self, clip_id: str) -> Clip: ...
        def update_settings(self, **changes: Any) -> UserSettings: ...
        def _known_fit(self, fit: Fit, said: Message) -> tuple[Fit, Message]: ...

    def lora_folders(self) -> list[Path]:
        """The data folder's LoRA folder, then those the owner added."""
        extra = [Path(line) for line in self.settings.lora_folders.splitlines() if line.strip()]
        return [self.paths.lora_dir, *extra]

    def lora_entries(self) -> list[LoraEntry]:
        return self.loras.entries()

    def lora_report(self, name: str) -> LoraReport:
        """What a LoRA matches ("matched N of M layers"); raises LoraError when it cannot be used."""
        return self.loras.check(check_loras([(name, 1.0)])[0])[1]

    def check_loras(self, uses: tuple[LoraUse, ...], preset: Preset) -> tuple[LoraUse, ...]:
        """Each chosen LoRA checked (file, keys, shapes, low-RAM mode), its sha256 filled in."""
        if uses:
            refuse_lazy_load(preset.engine_config(self.low_ram_for(preset)))
        return tuple(self.loras.check(use)[0] for use in uses)

    def use_lora_file(self, path: Path, strength: object) -> tuple[str, float]:
        """The command line's `--lora FILE[:STRENGTH]`: check the file and strength, search its folder
        first; returns (name, strength) for submit."""
        value = check_lora_strength(strength, path.name)
        if not path.is_file():
            raise LoraError(Message.of("lora.no_such_file", path=str(path)))
        inspect(path, self.loras.layout)
        self.loras.add_session_folder(path.resolve().parent)
        return path.name, value

    def clip_loras(self, clip_id: str) -> tuple[LoraUse, ...]:
        """The LoRAs a clip was made with, for "Reuse settings"."""
        request = self.clip(clip_id).request
        return request.loras if request is not None else ()

    def add_lora_folder(self, folder: object) -> list[Path]:
        """Owner only: search one more folder for LoRAs (kept in the settings)."""
        text = str(folder or "").strip()
        path = Path(text).expanduser()
        if not text or not path.is_absolute() or not path.is_dir():
            said = Message.of("lora.not_folder", path=text) if text else Message.of("lora.that_not_folder")
            raise BadRequest(said, Message.of("lora.folder_hint"))
        if path not in self.lora_folders():
            kept = [line for line in self.settings.lora_folders.splitlines() if line.strip()]
            self.update_settings(lora_folders="\n".join([*kept, str(path)]))
        return self.lora_folders()

    def predict_fit(self, preset: Preset, width: int, height: int, frames: int,
                    lora_names: Sequence[str] = (), lang: str = "en") -> tuple[Fit, str]:
        """The fit badge in `lang`: measured peaks, plus what the chosen LoRAs add."""
        reports = [e.report for e in self.lora_entries() if e.name in lora_names and e.report is not None]
        tokens = latent_tokens(width, height, frames)
        extra = lora_vram_gib(reports, self.loras.layout, tokens, bool(preset.engine.get("cpu_offload")))
        fit, said = self._known_fit(*fit_message(preset, width, height, frames, extra,
                                                 has_bigger=has_bigger_preset(self.presets, preset)))
        return fit, said.text(lang)
