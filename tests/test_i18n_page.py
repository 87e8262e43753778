"""The page's static labels: both languages for every key, every key used by the page, and the launch
options carry them to Gradio's own translation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ui.labels import LABELS, ZH_LOCALES, label, translations
from ui.server import Access, LaunchOptions, launch_kwargs

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def label_calls() -> set[str]:
    """The keys of every `label("…")` call under ui/, and label keys the code names as strings (a choice's
    words picked from a few keys: ui/choices.py)."""
    keys: set[str] = set()
    for path in (ROOT / "ui").rglob("*.py"):
        if path.name == "labels.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "label"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                keys.add(str(node.args[0].value))
            elif isinstance(node, ast.Constant) and node.value in LABELS:
                keys.add(str(node.value))
    return keys


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_in_both_languages(key: str) -> None:
    entry = LABELS[key]
    assert set(entry) == {"en", "zh"} and entry["en"].strip() and CJK.search(entry["zh"]), key


def test_every_label_is_used_and_every_used_label_exists() -> None:
    used = label_calls()
    assert sorted(set(LABELS) - used) == [] and sorted(used - set(LABELS)) == []
    with pytest.raises(KeyError):
        label("no.such.label")


def test_launch_passes_english_and_simplified_chinese(tmp_path: Path) -> None:
    options = LaunchOptions(port=7860, listen=False, share=False, no_browser=True)
    i18n = launch_kwargs(options, Access(host="127.0.0.1", credentials=None, generated=False), tmp_path)["i18n"]
    assert i18n is not None and translations().translations_dict == i18n.translations_dict
    table = i18n.translations_dict
    assert table["en"]["generate.button"] == "Generate"
    assert all(table[tag]["generate.button"] == "生成" for tag in ZH_LOCALES)
    assert str(label("generate.button")).startswith("__i18n__")
