"""The page's static labels, info texts and button values in English and Simplified Chinese, through
Gradio's own translation (`gr.I18n`, given to `launch(i18n=...)`): the browser's language picks one.

Run-time text (status, errors, the doctor's report) comes from the backend's catalog instead."""

from __future__ import annotations

import gradio as gr

LABELS: dict[str, dict[str, str]] = {
    "generate.button": {"en": "Generate", "zh": "生成"},
    "prompt.label": {"en": "Prompt", "zh": "提示词"},
    "prompt.placeholder": {"en": "Describe the video: subject, action, place, light, camera. One or two sentences "
                                 "work well.",
                           "zh": "描述视频：主体、动作、地点、光线、镜头。一两句话效果最好。"},
    "prompt.examples": {"en": "Example prompts", "zh": "示例提示词"},
    "language.label": {"en": "Language", "zh": "语言"},
}
"""Key → {"en", "zh"}; tests/test_i18n_page.py checks both languages and that every key is used."""

ZH_LOCALES = ("zh", "zh-CN", "zh-Hans", "zh-SG")
"""Browser languages that get the Simplified Chinese labels (Gradio matches the full tag, then its language)."""


def translations() -> gr.I18n:
    """The `gr.I18n` for launch: English, and Chinese under each Simplified Chinese tag."""
    zh = {key: entry["zh"] for key, entry in LABELS.items()}
    return gr.I18n(en={key: entry["en"] for key, entry in LABELS.items()}, **dict.fromkeys(ZH_LOCALES, zh))


def label(key: str) -> gr.i18n.I18nData:
    """A label the browser shows in its language (an unknown key is a programming error)."""
    if key not in LABELS:
        raise KeyError(key)
    return gr.i18n.I18nData(key)
