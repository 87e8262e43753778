"""Host RAM, free disk, the weights and the system line."""

from __future__ import annotations

from backend.checks.base import CLIPS_MIN_FREE_GB, WEIGHTS_DOWNLOAD_GB, Check
from backend.checks.environment import Environment
from backend.presets import RAM_TOLERANCE_GIB


def check_host_ram(env: Environment) -> Check:
    preset, ram = env.preset, env.host_ram_gib
    if preset is None:
        return Check("Host RAM", "skip", "no preset chosen")
    if ram is None:
        return Check("Host RAM", "warn", "could not read the amount of system RAM.")
    need = preset.low_ram_min_host_ram_gib if env.low_ram else preset.min_host_ram_gib
    text = f"{ram:.1f} GiB"
    if ram + RAM_TOLERANCE_GIB < need:
        if not env.low_ram and ram + RAM_TOLERANCE_GIB >= preset.low_ram_min_host_ram_gib:
            fix = (f"Set 'Low-RAM mode' to Automatic or On in Settings: with lazy loading the {preset.name} preset "
                   f"needs {preset.low_ram_min_host_ram_gib:g} GiB.")
        else:
            fix = "Close other programs, or add RAM."
        mode = " even with lazy loading" if env.low_ram else ""
        return Check("Host RAM", "fail", f"{text}: the {preset.name} preset needs {need:g} GiB{mode}.", fix)
    if env.low_ram and env.low_ram_setting != "on":
        return Check("Host RAM", "warn", f"{text}: below the {preset.min_host_ram_gib:g} GiB that keeps the model "
                     "in memory, so DiT blocks are read from disk (lazy loading): it works, at about 1.6 × the time "
                     "a clip.", f"With {preset.min_host_ram_gib:g} GB of RAM or more the model stays loaded.")
    return Check("Host RAM", "ok", f"{text}; the {preset.name} preset needs {need:g} GiB"
                 + (" with lazy loading" if env.low_ram else ""))


def check_disk(env: Environment) -> Check:
    free, folder = env.free_disk_gb, env.weights_dir
    if free is None:
        return Check("Free disk", "warn", f"could not read the free space at {folder}.")
    text = f"{free:.1f} GB free at {folder}"
    if env.weights is not None and env.weights.complete:
        if free < CLIPS_MIN_FREE_GB:
            return Check("Free disk", "warn", f"{text}: finished clips need room too.",
                         "Free some disk space.")
        return Check("Free disk", "ok", text)
    if free < WEIGHTS_DOWNLOAD_GB:
        return Check("Free disk", "fail", f"{text}: the {env.weight_set.upper()} weights need about "
                     f"{WEIGHTS_DOWNLOAD_GB:.0f} GB.", "Free disk space, or choose a folder on a bigger drive "
                     "in the Models tab.")
    return Check("Free disk", "ok", f"{text}, enough for the {env.weight_set.upper()} weights "
                 f"(about {WEIGHTS_DOWNLOAD_GB:.0f} GB)")


def check_weights(env: Environment) -> Check:
    if env.weights is None:
        return Check("Weights", "fail", f"could not check {env.weights_dir} ({env.weights_error}).",
                     "Choose a readable folder in the Models tab.")
    if env.weights.complete:
        return Check("Weights", "ok", env.weights.summary())
    return Check("Weights", "fail", env.weights.summary(), f"Open the Models tab to download the "
                 f"{env.weight_set.upper()} set (about {WEIGHTS_DOWNLOAD_GB:.0f} GB), or choose a folder that has it.")


def check_system(env: Environment) -> Check:
    return Check("System", "ok", f"{env.platform}, Python {env.python}")
