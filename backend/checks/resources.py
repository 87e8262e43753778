"""Host RAM, free disk, the weights and the system line."""

from __future__ import annotations

from backend.checks.base import CLIPS_MIN_FREE_GB, WEIGHTS_DOWNLOAD_GB, Check
from backend.checks.environment import Environment
from backend.i18n import Message
from backend.presets import RAM_TOLERANCE_GIB
from backend.weights_words import weights_message

M = Message.of


def check_host_ram(env: Environment) -> Check:
    preset, ram = env.preset, env.host_ram_gib
    if preset is None:
        return Check("Host RAM", "skip", M("doctor.ram.no_preset"))
    if ram is None:
        return Check("Host RAM", "warn", M("doctor.ram.unreadable"))
    need = preset.low_ram_min_host_ram_gib if env.low_ram else preset.min_host_ram_gib
    text = f"{ram:.1f} GiB"
    if ram + RAM_TOLERANCE_GIB < need:
        if not env.low_ram and ram + RAM_TOLERANCE_GIB >= preset.low_ram_min_host_ram_gib:
            fix = M("doctor.ram.use_low_ram", preset=preset.name, need=f"{preset.low_ram_min_host_ram_gib:g}")
        else:
            fix = M("doctor.ram.add")
        key = "doctor.ram.short_lazy" if env.low_ram else "doctor.ram.short"
        return Check("Host RAM", "fail", M(key, ram=text, preset=preset.name, need=f"{need:g}"), fix)
    if env.low_ram and env.low_ram_setting != "on":
        return Check("Host RAM", "warn", M("doctor.ram.lazy", ram=text, keep=f"{preset.min_host_ram_gib:g}"),
                     M("doctor.ram.lazy_fix", keep=f"{preset.min_host_ram_gib:g}"))
    key = "doctor.ram.ok_lazy" if env.low_ram else "doctor.ram.ok"
    return Check("Host RAM", "ok", M(key, ram=text, preset=preset.name, need=f"{need:g}"))


def check_disk(env: Environment) -> Check:
    free, folder = env.free_disk_gb, str(env.weights_dir)
    if free is None:
        return Check("Free disk", "warn", M("doctor.disk.unreadable", folder=folder))
    text = M("doctor.disk.free", free=f"{free:.1f}", folder=folder)
    if env.weights is not None and env.weights.complete:
        if free < CLIPS_MIN_FREE_GB:
            return Check("Free disk", "warn", M("doctor.disk.low_for_clips", free=text), M("doctor.disk.free_some"))
        return Check("Free disk", "ok", text)
    size = f"{WEIGHTS_DOWNLOAD_GB:.0f}"
    if free < WEIGHTS_DOWNLOAD_GB:
        return Check("Free disk", "fail", M("doctor.disk.short", free=text, set=env.weight_set.upper(), size=size),
                     M("doctor.disk.short_fix"))
    return Check("Free disk", "ok", M("doctor.disk.ok", free=text, set=env.weight_set.upper(), size=size))


def check_weights(env: Environment) -> Check:
    if env.weights is None:
        return Check("Weights", "fail", M("doctor.weights.unreadable", folder=str(env.weights_dir),
                                          error=env.weights_error), M("doctor.weights.unreadable_fix"))
    if env.weights.complete:
        return Check("Weights", "ok", weights_message(env.weights))
    return Check("Weights", "fail", weights_message(env.weights),
                 M("doctor.weights.fix", set=env.weight_set.upper(), size=f"{WEIGHTS_DOWNLOAD_GB:.0f}"))


def check_system(env: Environment) -> Check:
    return Check("System", "ok", f"{env.platform}, Python {env.python}")
