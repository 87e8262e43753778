"""Where things live (platformdirs, overridable) and the user's last-used form values."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs

from backend.errors import BadRequest
from backend.i18n import say
from backend.request import FRAMES_DEFAULT
from backend.storage import quarantine, read_json, write_json_atomic

logger = logging.getLogger(__name__)

APP_NAME = "WanStudio"
HOME_ENV = "WAN_STUDIO_HOME"
"""Set to a folder to keep all data, config, logs and weights under it (portable installs, tests)."""
SETTINGS_VERSION = 1

LowRam = Literal["auto", "on", "off"]
LOW_RAM_CHOICES: tuple[LowRam, ...] = get_args(LowRam)


@dataclass(frozen=True)
class Paths:
    """Every folder the app writes to. Nothing is ever written to the working directory."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    weights_dir: Path

    @property
    def clips_dir(self) -> Path:
        return self.data_dir / "clips"

    @property
    def lora_dir(self) -> Path:
        """The data folder's own LoRA folder (the owner can add others in settings)."""
        return self.data_dir / "loras"

    @property
    def queue_file(self) -> Path:
        return self.data_dir / "queue.json"

    @property
    def previews_dir(self) -> Path:
        return self.data_dir / "previews"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @classmethod
    def default(cls, home: Path | None = None) -> Paths:
        home = home or (Path(os.environ[HOME_ENV]) if os.environ.get(HOME_ENV) else None)
        if home is not None:
            home = home.expanduser().resolve()
            return cls(home / "data", home / "config", home / "logs", home / "models")
        data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
        return cls(
            data_dir=data,
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            weights_dir=data / "models",
        )

    def create(self) -> None:
        for folder in (self.data_dir, self.clips_dir, self.lora_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class UserSettings:
    """The form as the user left it, plus choices that outlive a session. Stored versioned."""

    prompt: str = ""
    negative_prompt: str = ""
    width: int = 832
    height: int = 480
    frames: int = FRAMES_DEFAULT
    seed: int = -1
    seed_locked: bool = False
    preset: str = "auto"
    low_ram: LowRam = "auto"
    weights_dir: str = ""
    quant_scheme: str = "auto"
    """Matmul kernel override (fp8-triton, fp8-torchao, int8-triton); 'auto' probes the GPU."""
    attention: str = "auto"
    """Attention override (sage_attn2, torch_sdpa); 'auto' probes the GPU."""
    lora_folders: str = ""
    """More LoRA folders the owner added, one per line (the data folder's own is always searched first)."""
    previews: bool = True
    """A preview of the clip after each denoising step (drafts always make theirs)."""
    guests_see_prompts: bool = False
    """Whether people logged in with the shared password see other people's prompts in the queue."""
    guests_see_all_clips: bool = False
    """Whether they see every clip in the gallery, not only the ones they made."""

    def merged(self, **changes: Any) -> UserSettings:
        """These settings with `changes`; an unknown name, a value of the wrong type or a low-RAM choice
        that does not exist is refused (BadRequest), never dropped."""
        known = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise BadRequest(f"There is no setting named {name!r}.")
            if type(value) is not type(known[name]):
                raise BadRequest(f"The setting {name} must be {type(known[name]).__name__}, not "
                                 f"{type(value).__name__}.")
        if "low_ram" in changes and changes["low_ram"] not in LOW_RAM_CHOICES:
            raise BadRequest(f"Low-RAM mode {changes['low_ram']!r} does not exist: use {', '.join(LOW_RAM_CHOICES)}.")
        return replace(self, **changes)


def load_user_settings(path: Path) -> tuple[UserSettings, str | None]:
    """Last-used values; unknown or mistyped entries fall back to defaults, a damaged file is set aside."""
    data, note = read_json(path)
    if not isinstance(data, dict):
        if data is not None:  # kept aside: the next save would otherwise overwrite it
            kept = quarantine(path, "not a settings object")
            note = say("notes.not_settings", file=path.name, kept=kept.name)
        return UserSettings(), note
    defaults = UserSettings()
    values: dict[str, Any] = {}
    for f in fields(UserSettings):
        if f.name in data:
            value, default = data[f.name], getattr(defaults, f.name)
            if type(value) is type(default):
                values[f.name] = value
            else:
                logger.warning("Setting %s has the wrong type in %s; using the default", f.name, path)
    settings = replace(defaults, **values)
    if settings.low_ram not in LOW_RAM_CHOICES:
        settings = replace(settings, low_ram="auto")
    return settings, note


def save_user_settings(path: Path, settings: UserSettings) -> None:
    write_json_atomic(path, {"version": SETTINGS_VERSION, **asdict(settings)})
