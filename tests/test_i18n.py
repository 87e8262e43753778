"""The run-time message catalog: both languages for every key, the same fields, every key used by the
code, every error class covered; the language choice; numbers spelt the same in both languages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path
from typing import get_args

import pytest

import backend
from backend.catalog import CATALOG
from backend.doctor import Verdict
from backend.download import DownloadState
from backend.errors import (
    Cancelled,
    GpuArchUnsupported,
    NoGpu,
    OutOfHostRam,
    OutOfVram,
    PresetError,
    StudioError,
    WeightsMissing,
    error_classes,
    stored_error_text,
)
from backend.i18n import LANGS, data_size, pick_language, progress_text, seconds, system_language, text
from backend.request import check_frames, check_seed, check_size, clean_prompt

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = re.compile(r"\b(GPU|PyTorch|Triton|LightX2V|NVIDIA|CUDA|LoRA|VRAM|RAM|ETA|Wan|Studio|English)\b")
"""Names that read the same in both languages (a text of only these needs no Chinese)."""


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def all_error_classes() -> dict[str, type[StudioError]]:
    """Every StudioError subclass in the backend (each module imported, so none hides)."""
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        importlib.import_module(info.name)
    return error_classes()


def code_strings() -> set[str]:
    """Every string constant in the product's code (f-strings' literal parts too), the catalog left out."""
    found: set[str] = set()
    files = [ROOT / "app.py", *(ROOT / "backend").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    for path in files:
        if path.name.startswith("catalog"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


FAMILIES: dict[str, tuple[str, ...]] = {
    "download.": get_args(DownloadState),
    "doctor.verdict.": get_args(Verdict),
}
"""Keys the code builds from a prefix and a Literal's value: each value must have its key."""


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_in_both_languages_with_the_same_fields(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == set(LANGS), f"{key} has {sorted(entry)}"
    assert all(entry[lang].strip() for lang in LANGS)
    assert fields(entry["en"]) == fields(entry["zh"]), key
    words = NAMES.sub("", re.sub(r"\{\w+\}", "", entry["en"]))
    if re.search(r"[A-Za-z]{3}", words):
        assert CJK.search(entry["zh"]), f"{key}'s Chinese text is not Chinese: {entry['zh']!r}"


FULL_WIDTH_BOLD_END = re.compile(r"[\u3000-\u303f\uff00-\uffef“”‘’]\*\*\S")
"""`**` right after a full-width punctuation mark and before a letter: CommonMark does not close the bold
there, so the page shows the asterisks (put the mark outside: "**生成已关闭**：…")."""


def test_chinese_bold_closes_before_full_width_punctuation() -> None:
    from markdown_it import MarkdownIt

    from ui.labels import LABELS

    chinese = {key: entry["zh"] for key, entry in (*CATALOG.items(), *LABELS.items())}
    assert FULL_WIDTH_BOLD_END.search("**生成已关闭：**未找到")
    assert not FULL_WIDTH_BOLD_END.search("**生成已关闭**：未找到")
    bad = sorted(key for key, zh in chinese.items() if FULL_WIDTH_BOLD_END.search(zh))
    assert bad == [], f"bold closed after full-width punctuation: {bad}"
    commonmark = MarkdownIt("commonmark")  # as the page renders Markdown: no bold left unclosed
    shown = {key: commonmark.render(re.sub(r"\{\w+\}", "未找到", zh)) for key, zh in chinese.items() if "**" in zh}
    assert shown and all("**" not in html for html in shown.values()), shown


def test_every_key_is_used_by_the_code() -> None:
    strings = code_strings()
    kinds = all_error_classes()
    prefixes = {s for s in strings if s.endswith(".")}
    built = {f"error.{kind}" for kind in kinds}
    for prefix, values in FAMILIES.items():
        assert prefix in prefixes, f"nothing in the code builds {prefix}…"
        built |= {prefix + value for value in values}
    unused = sorted(set(CATALOG) - strings - built)
    assert unused == [], f"keys no code uses: {unused}"
    missing = sorted(key for key in (strings & {k for k in strings if re.fullmatch(r"[a-z]+(\.[a-z_]+)+", k)})
                     if key.split(".")[0] in {"cli", "stage", "doctor", "error", "download"} and key not in CATALOG
                     and not key.endswith("."))
    assert missing == [], f"keys the code uses that the catalog lacks: {missing}"
    assert sorted(built - set(CATALOG)) == []


def test_every_error_class_has_its_own_id_and_a_message_in_both_languages() -> None:
    classes = all_error_classes()
    assert len(classes) >= 17  # every class found, the record reader's and the LoRA package's included
    for kind, cls in classes.items():
        assert "kind" in vars(cls), f"{cls.__name__} inherits its id"
        assert CJK.search(text(f"error.{kind}", "zh")) and text(f"error.{kind}", "en")


def test_errors_built_from_values_read_fully_in_chinese_and_unchanged_in_english() -> None:
    oom = OutOfVram("decoding the video", "8gb")
    assert oom.user_text() == "The GPU ran out of memory while decoding the video. Try the 8gb preset, fewer " \
                              "frames or a smaller size."
    assert oom.user_text("zh") == "GPU 显存不足（正在解码视频时）。请改用 8gb 预设、减少帧数或缩小尺寸。"
    assert NoGpu("PyTorch sees no CUDA device").user_text("zh").startswith("未找到支持 CUDA 的 NVIDIA GPU（PyTorch")
    assert str(NoGpu()) == "No NVIDIA GPU with CUDA was found."
    many = WeightsMissing([f"block_{i}.safetensors" for i in range(7)], "/models")
    assert many.message.endswith("block_4.safetensors and 2 more.")
    assert "另外 2 个文件" in many.user_text("zh") and "/models" in many.user_text("zh")
    assert "(killed)" in OutOfHostRam("killed").user_text() and "（killed）" in OutOfHostRam("killed").user_text("zh")
    assert "download.pytorch.org/whl/cu128" in GpuArchUnsupported("RTX 5090").user_text("zh")
    assert Cancelled().user_text("zh") == "已被用户取消。" and Cancelled().user_text() == "Cancelled by the user."
    for err in (OutOfVram("denoising", None), NoGpu(), OutOfHostRam(), Cancelled()):
        assert not re.search(r"\b[a-z]{4,}\b", err.user_text("zh").replace("denoising", "")), err.user_text("zh")


def test_a_free_sentence_error_keeps_its_detail_under_its_class_sentence() -> None:
    err = PresetError("Unknown preset 'huge'.", "Use 8gb, 12gb, 16gb or 24gb.")
    assert err.user_text() == "Unknown preset 'huge'. Use 8gb, 12gb, 16gb or 24gb."
    assert err.user_text("zh") == ("预设未知或预设文件格式有误。详情：Unknown preset 'huge'. "
                                   "Use 8gb, 12gb, 16gb or 24gb.")
    assert stored_error_text("out_of_vram", "The GPU ran out of memory while denoising.", "zh").startswith("GPU 显存")
    assert stored_error_text("no_such_kind", "Odd.", "zh") == "出现了问题。详情：Odd."
    assert stored_error_text("out_of_vram", "same", "en") == "same"
    assert stored_error_text("engine_unusable", NoGpu().user_text(), "zh") == NoGpu().user_text("zh")
    assert stored_error_text("cancelled", "Cancelled by the user.", "zh") == "已被用户取消。"


@pytest.mark.parametrize(("value", "lang"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"), ("zh-TW", "zh"),
    ("Chinese (Simplified)_China", "zh"), ("en", "en"), ("en-US", "en"), ("de_DE.UTF-8", "en"), ("", "en"),
    (None, "en"),
])
def test_pick_language(value: str | None, lang: str) -> None:
    assert pick_language(value) == lang


def test_system_language_reads_the_locale_variables_in_order() -> None:
    assert system_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert system_language({"LANGUAGE": "en_US:zh", "LANG": "zh_CN.UTF-8"}) == "en"
    assert system_language({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}) == "en"
    assert system_language({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"


def test_numbers_are_spelt_the_same_in_both_languages() -> None:
    for key, entry in CATALOG.items():
        values = {name: f"{1234.5 + i:,.1f}" for i, name in enumerate(sorted(fields(entry["en"])))}
        for value in values.values():
            assert value in text(key, "en", **values) and value in text(key, "zh", **values), key
    assert progress_text("denoising", 3, 8, "en") == "Step 3 of 8"
    assert progress_text("denoising", 3, 8, "zh") == "第 3/8 步"
    assert progress_text("decoding", 0, 8, "zh") == "正在解码视频"
    assert (seconds(185), seconds(3720), data_size(2_500_000_000)) == ("3 min 05 s", "1 h 02 min", "2.5 GB")


def test_unknown_language_falls_back_to_english_and_an_unknown_key_is_an_error() -> None:
    assert text("stage.done", "fr") == "done"
    with pytest.raises(KeyError):
        text("stage.nothing", "en")


def test_a_failed_job_keeps_its_message_and_values_in_chinese_across_a_restart(paths) -> None:
    """16gb runs out of memory, the retry on 12gb too: the job's error names 8gb and the stage in both
    languages, also when the queue is read back from disk by the next start."""
    from backend.jobs.queue import JobQueue
    from backend.studio import Studio
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    studio = Studio(paths, CpuTestEngine(oom_presets=("16gb", "12gb")), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (job,) = studio.submit("a lake", width=256, height=256, frames=9, seed=3, preset="16gb")
        failed = studio.queue.wait_for(job.id, ("done", "failed"), 60)
    finally:
        studio.stop()
    assert failed.status == "failed" and failed.error_kind == "out_of_vram"
    english = ("The GPU ran out of memory while denoising. Try the 8gb preset, fewer frames or a smaller size.")
    chinese = "GPU 显存不足（正在去噪时）。请改用 8gb 预设、减少帧数或缩小尺寸。"
    assert (failed.error, failed.error_text(), failed.error_text("zh")) == (english, english, chinese)
    restored = JobQueue(paths.queue_file)
    restored.restore()
    (again,) = restored.snapshot()
    assert again.error_text("zh") == chinese and again.error == english


def test_a_stored_message_from_another_version_falls_back_to_the_english_sentence() -> None:
    from backend.i18n import Message
    from backend.jobs.job import Job
    from backend.request import GenerationRequest

    said = Message.of("error.out_of_vram", stage=Message.of("stage.decoding"))
    assert Message.from_json(said.to_json()) == said
    assert Message.from_json({"key": "error.from_the_future", "values": {}}) is None
    assert Message.from_json({"key": "error.out_of_vram", "values": {}}) is None  # its field is missing
    assert Message.from_json({"key": "error.out_of_vram", "values": {"stage": ["odd"]}}) is None
    request = GenerationRequest(prompt="x", width=256, height=256, frames=9, seed=1, preset="8gb")
    data = Job.new(request).with_(status="failed", error="Odd.", error_kind="out_of_vram").to_dict()
    data["error_said"] = {"key": "error.from_the_future", "values": {}}
    job = Job.from_dict(data)
    assert job.error_said is None and job.error_text() == "Odd." and job.error_text("zh").endswith("详情：Odd.")


def test_a_value_free_sentence_kept_as_text_is_reworded() -> None:
    from backend.errors import reworded

    assert reworded(NoGpu().user_text(), "zh") == NoGpu().user_text("zh")
    assert reworded("Something else.", "zh") == "Something else."
    assert reworded(NoGpu().user_text(), "en") == NoGpu().user_text()


@pytest.mark.parametrize(("call", "english", "chinese"), [
    (lambda: check_size(840, 480),
     "The width 840 is not allowed: use a multiple of 16", "宽度 840 不允许：请使用 256 到 1280 之间 16 的倍数。"),
    (lambda: check_seed(-5), "The seed -5 is out of range",
     "种子 -5 超出范围：请使用 0 到 4294967295，或留空以随机。"),
    (lambda: clean_prompt("  "), "The prompt is empty.", "提示词是空的。"),
    (lambda: check_frames("8.5"), "The frame count must be a whole number, "
     "got 8.5.", "帧数必须是整数，收到的是 8.5。"),
])
def test_request_errors_keep_their_values_in_chinese(call, english: str, chinese: str) -> None:
    from backend.errors import BadRequest

    with pytest.raises(BadRequest) as raised:
        call()
    assert raised.value.user_text().startswith(english) and raised.value.user_text("zh").startswith(chinese)
    assert not re.search(r"\b[a-z]{3,}\b", raised.value.user_text("zh").replace("fps", ""))


def test_the_retry_note_reads_in_chinese_with_its_presets_also_after_a_restart(paths) -> None:
    from backend.jobs.queue import JobQueue
    from backend.studio import Studio
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    studio = Studio(paths, CpuTestEngine(oom_presets=("12gb",)), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (job,) = studio.submit("a lake", width=256, height=256, frames=9, seed=3, preset="12gb")
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
    finally:
        studio.stop()
    english = "Ran out of GPU memory on the 12gb preset while denoising; retried once on 8gb with the same seed."
    assert done.status == "done" and done.notes == (english,) and done.notes_in() == (english,)
    assert done.notes_in("zh") == ("12gb 预设正在去噪时显存不足；已用相同的种子在 8gb 上重试一次。",)
    restored = JobQueue(paths.queue_file)
    restored.restore()
    (again,) = restored.snapshot()
    assert again.notes_in("zh") == done.notes_in("zh")
