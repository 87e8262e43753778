"""Gradio's own words on a Chinese page: the keys its Simplified Chinese table lacks are given to its translation,
and the fixed English accessibility labels its components write are swapped by the page's head script."""

from __future__ import annotations

import re
from pathlib import Path

import gradio

from ui.gradio_zh import FIXED_LABELS_ZH, GRADIO_GAPS_ZH, HEAD
from ui.labels import ZH_LOCALES, translations
from ui.language import STORAGE_KEY

ASSETS = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_fixed_label_is_one_gradio_writes_and_each_has_chinese() -> None:
    bundle = "".join(path.read_text(encoding="utf-8", errors="replace") for path in ASSETS.glob("*.js"))
    stale = [label for label in FIXED_LABELS_ZH if f'aria-label="{label}"' not in bundle
             and f'title="{label}"' not in bundle]
    assert stale == [], f"labels this Gradio no longer writes: {stale}"
    assert all(CJK.search(zh) for zh in FIXED_LABELS_ZH.values())
    assert len(set(FIXED_LABELS_ZH.values())) >= len(FIXED_LABELS_ZH) - 2  # Close/Dismiss, the two uploads
    assert "恢复默认值" in HEAD and STORAGE_KEY in HEAD and HEAD.startswith("<script>")


def test_gradios_missing_keys_are_in_english_and_absent_from_its_chinese_table() -> None:
    (zh_file,) = ASSETS.glob("zh-CN-*.js")
    zh_table = zh_file.read_text(encoding="utf-8")
    bundle = "".join(path.read_text(encoding="utf-8", errors="replace") for path in ASSETS.glob("core-*.js"))
    for key, words in GRADIO_GAPS_ZH.items():
        leaf = key.rsplit(".", 1)[1]
        assert re.search(rf"[{{,]{leaf}:", bundle), f"{key}: not a key of Gradio's English"
        assert CJK.search(words), key
    for key in ("common.download_all", "common.runs_description", "dataframe.clear_filter", "status.queue_position"):
        assert f"{key.rsplit('.', 1)[1]}:" not in zh_table, f"Gradio's own Chinese now has {key}: drop ours"
    given = translations()
    for locale in ZH_LOCALES:
        table = given.translations[locale]
        assert all(table[key] == words for key, words in GRADIO_GAPS_ZH.items())
