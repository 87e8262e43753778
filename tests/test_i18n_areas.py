"""Run-time page text in Chinese for the areas worded from the catalog: the doctor on the page, the VRAM
gauge, notices, the live preview, drafts and LoRAs; a widget's first value carries both languages."""

from __future__ import annotations

import re
import time
from pathlib import Path

from backend.background import RunState
from backend.checks import run_checks
from backend.doctor import DoctorReport
from backend.gpu import GpuReading, no_gpu_message
from backend.i18n import Message
from tests.test_i18n_doctor import broken_machines
from ui.areas import drafts, gauge, lora, notices, preview, system
from ui.context import ServerInfo
from ui.labels import LABELS

ENGLISH = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")
"""A lower-case English word (names and units are capitalised or short: GPU, MiB, LoRA, Wan Studio)."""


def visible_text(html: str) -> str:
    """What a Chinese page shows: tags, attributes and the English half of a two-language text left out."""
    html = re.sub(r'<span class="wan-en"[^>]*>.*?</span>', "", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_doctor_on_the_page_in_chinese() -> None:
    report = DoctorReport(tuple(run_checks(broken_machines()["small card"])))
    state = RunState(result=report, finished_at=time.time(), version=3)
    status, lines, text = system.view(state, lang="zh")
    assert status.startswith("❌ 尚未就绪") and "（检查于 " in status
    assert "<b>显存</b>: 12.0 GiB，其他程序占用 0.3 GiB：少于 16gb 预设所需的 16 GB。" in lines
    assert '<div class="wan-fix">修复：请选择 12gb 预设' in lines
    assert text == report.text_in("zh") and "环境检查报告" in text
    running = system.view(RunState(running=True, started_at=time.time() - 5, version=4), lang="zh")[0]
    assert running.startswith("⏳ 正在检查…（已用 ")
    english = system.view(state, lang="en")[1]
    assert "<b>VRAM</b>: 12.0 GiB, 0.3 GiB used by other programs" in english and "Fix: Choose the 12gb" in english


def test_gauge_in_chinese_and_both_languages_before_the_page_knows() -> None:
    off = GpuReading(ok=False, reason="x", said=no_gpu_message(ImportError("pynvml")))
    zh = gauge.gauge_html(off, [], None, "zh")
    assert "没有 GPU 读数。" in zh and "缺少 Python 的 NVIDIA 库" in zh and not ENGLISH.search(visible_text(zh))
    first = gauge.gauge_html(off, [], None, None)
    assert 'class="wan-en"' in first and 'class="wan-zh"' in first and not ENGLISH.search(visible_text(first))
    on = GpuReading(ok=True, name="NVIDIA GeForce RTX 4070", total_mib=12282, used_mib=1024, driver="580.00",
                    process_mib=900)
    card = gauge.gauge_html(on, [on, on], 2048.0, "zh")
    assert "驱动 580.00" in card and "本应用：900 MiB · 本任务峰值：2,048 MiB" in card
    assert "最近 2 次采样的显存占用" in card


def test_notices_preview_drafts_and_loras_in_chinese(tmp_path: Path) -> None:
    server = ServerInfo(local_url="http://127.0.0.1:7860/", port=7860, share_requested=True, listen=True,
                        user="Ann", generated_password="PW")
    html = notices.notices_html([], server, "zh")
    assert "无法创建公开链接" in html and "局域网可通过端口 7860 访问" in html
    assert "登录：用户名 <code>Ann</code>，密码 <code>PW</code>。" in html
    assert not ENGLISH.search(visible_text(html).replace("http://127.0.0.1:7860/", ""))
    assert "下一个视频的预览会显示在这里。" in preview.empty("zh")
    assert 'class="wan-zh"' in preview.empty(None)
    assert "还没有草稿。" in drafts.strip_html([], "zh") and 'class="wan-en"' in drafts.strip_html([], None)
    assert lora.folders_text(None, remote=True, lang="zh") == "LoRA 文件来自运行 Wan Studio 的电脑上的 LoRA 文件夹。"  # type: ignore[arg-type]


def test_a_message_value_is_worded_in_the_page_language() -> None:
    from ui.words import both, say

    said = Message.of("gpu.none_because", why=Message.of("gpu.why.no_card"))
    assert say("zh", said.key, **dict(said.values)) == "未找到 NVIDIA GPU（没有 NVIDIA 显卡）。"
    assert both("page.drafts.seed", seed=5) == ('<span class="wan-en" lang="en">seed 5</span>'
                                                '<span class="wan-zh" lang="zh">种子 5</span>')


def test_labels_have_both_languages_and_the_same_fields() -> None:
    import string

    for key, entry in LABELS.items():
        names = [{n for _, n, _, _ in string.Formatter().parse(entry[lang]) if n} for lang in ("en", "zh")]
        assert names[0] == names[1], key


def test_fit_badge_preset_description_and_engine_state_in_chinese(paths) -> None:
    from backend.jobs.worker import EngineState
    from backend.presets import fit_message, load_presets
    from backend.studio import Studio
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    presets = load_presets()
    fit, said = fit_message(presets["12gb"], 1280, 720, 81, 0.5)
    zh = said.text("zh")
    assert fit == "red" and zh.startswith("超出此预设的上限（") and "请减少帧数、缩小尺寸或选择更大的预设" in zh
    fit, said = fit_message(presets["16gb"], 832, 480, 81, 0.5)
    assert fit == "green" and said.text("zh").endswith("GiB。（LoRA 增加 0.5 GiB。）")
    assert said.text().endswith("GiB budget. (LoRAs add 0.5 GiB.)")
    assert presets["8gb"].description_in("zh").startswith("逐块加载 DiT") and \
        presets["8gb"].description_in("en") == presets["8gb"].description
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(total_mib=None), host_ram=64.0, preload=False)
    unknown = studio.predict_fit(presets["12gb"], 832, 480, 49, lang="zh")
    assert unknown == ("unknown", "未找到 NVIDIA GPU，因此无法判断是否放得下。")
    state = EngineState("ready", "Model loaded (8gb preset).", 0.0, Message.of("engine.loaded", preset="8gb"))
    assert state.detail_in("zh") == "模型已加载（8gb 预设）。" and EngineState("idle", "x").detail_in("zh") == "x"
