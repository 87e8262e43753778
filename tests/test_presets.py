"""Preset files: data validated by code, auto-pick from the card, fit prediction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.errors import PresetError
from backend.presets import load_presets, lower_preset, needs_low_ram, pick_preset, predict_fit, resolve

SHIPPED = Path(__file__).resolve().parent.parent / "presets"


def copy_presets(tmp_path: Path) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir()
    for f in SHIPPED.glob("*.json"):
        (folder / f.name).write_text(f.read_text())
    return folder


def edit(folder: Path, name: str, change) -> None:
    path = folder / f"{name}.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_shipped_presets_load_in_budget_order() -> None:
    presets = load_presets()
    assert list(presets) == ["8gb", "12gb", "16gb", "24gb"]
    assert presets["8gb"].engine_config(low_ram=True)["lazy_load"] is True
    assert "lazy_load" not in presets["8gb"].engine_config(low_ram=False)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d.update(turbo=True), "8gb.json: unknown key 'turbo'"),
        (lambda d: d["engine"].update(cpu_ofload=True), "8gb.json engine: unknown key 'cpu_ofload'"),
        (lambda d: d.update(vram_budget_gib="8"), "8gb.json: key 'vram_budget_gib' must be"),
        (lambda d: d["engine"].update(cpu_offload=1), "key 'cpu_offload' must be bool"),
        (lambda d: d.update(max_frames=True), "key 'max_frames' must be int"),
        (lambda d: d.pop("label"), "8gb.json: missing key(s) label"),
        (lambda d: d["engine"].update(offload_granularity="blocks"), "offload_granularity must be"),
        (lambda d: d.update(name="eight"), "is named '8gb'"),
        (lambda d: d["measured"].append({"width": 1}), "8gb.json measured[1]: missing key"),
    ],
)
def test_bad_preset_files_name_file_and_key(tmp_path: Path, change, needle: str) -> None:
    folder = copy_presets(tmp_path)
    edit(folder, "8gb", change)
    with pytest.raises(PresetError) as info:
        load_presets(folder)
    assert needle in info.value.user_text()


def test_unreadable_json(tmp_path: Path) -> None:
    folder = copy_presets(tmp_path)
    (folder / "12gb.json").write_text("{not json")
    with pytest.raises(PresetError, match=r"12gb\.json: not readable JSON"):
        load_presets(folder)


@pytest.mark.parametrize(
    ("total_gib", "expected"),
    [(7.996, "8gb"), (7.6, "8gb"), (10.0, "8gb"), (11.99, "12gb"), (15.99, "16gb"), (23.99, "24gb"),
     (80.0, "24gb"), (4.0, "8gb"), (None, "8gb")],
)
def test_auto_pick_from_card(total_gib: float | None, expected: str) -> None:
    assert pick_preset(load_presets(), total_gib).name == expected


def test_low_ram_decision_and_lower_preset() -> None:
    presets = load_presets()
    assert needs_low_ram(presets["12gb"], 16.0) is True
    assert needs_low_ram(presets["12gb"], 23.4) is True  # a "24 GB" computer: the pinned model keeps ~25 GiB
    assert needs_low_ram(presets["12gb"], 31.3) is False  # a "32 GB" computer
    assert needs_low_ram(presets["12gb"], None) is False
    assert lower_preset(presets, "12gb").name == "8gb"
    assert lower_preset(presets, "8gb") is None


def test_resolve_unknown_name() -> None:
    with pytest.raises(PresetError, match="no preset named 'huge'"):
        resolve(load_presets(), "huge", 12.0)


def test_fit_prediction(tmp_path: Path) -> None:
    folder = copy_presets(tmp_path)

    def measured(d):
        d["max_pixels"] = 1280 * 720  # the shipped 12gb preset stops at 480p; the interpolation is what is tested
        d["measured"] = [
            {"width": 832, "height": 480, "frames": 81, "peak_vram_gib": 10.0, "peak_host_ram_gib": 30.0,
             "warm_clip_s": 15.0, "source": "test"},
            {"width": 1280, "height": 720, "frames": 81, "peak_vram_gib": 11.8, "peak_host_ram_gib": 30.0,
             "warm_clip_s": 50.0, "source": "test"},
        ]

    edit(folder, "12gb", measured)
    p = load_presets(folder)["12gb"]
    assert predict_fit(p, 832, 480, 81)[0] == "green"
    assert predict_fit(p, 1280, 720, 81)[0] == "amber"
    assert predict_fit(p, 1280, 720, 121)[0] == "red"  # above max_frames
    assert predict_fit(p, 832, 480, 41)[0] == "green"
    edit(folder, "12gb", lambda d: d.update(measured=[]))
    assert predict_fit(load_presets(folder)["12gb"], 832, 480, 81)[0] == "unknown"
