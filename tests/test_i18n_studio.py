"""The Studio tab's run-time text in Chinese and English: queue lines (status words, counts, buttons, outcomes),
the clips grid's captions, the player's details and messages, the frame count's line and the first values
drawn before the page knows its language. Prompts stay as typed; numbers are spelt the same in both."""

from __future__ import annotations

import re

from backend.i18n import text
from backend.jobs.job import Job
from backend.request import GenerationRequest
from backend.studio import Studio
from tests.conftest import SMALL
from tests.test_i18n_areas import ENGLISH, visible_text
from ui.areas import gallery, player, preset, queue, video
from ui.choices import STATUS_WORDS
from ui.words import both_drawn

PROMPT = "a fox in the snow, slow pan"


def job(status: str = "queued", **changes: object) -> Job:
    return Job.new(GenerationRequest(PROMPT, 832, 480, 81, 5, "auto")).with_(status=status, **changes)


def chinese_text(html: str) -> str:
    """What a Chinese page shows of `html`, the prompt (never translated) left out."""
    return visible_text(html).replace(PROMPT, "")


def test_queue_lines_in_chinese_and_english(studio: Studio) -> None:
    running, waiting = job("running", preset_used="12gb"), job("queued")
    failed, done = job("failed", error="It broke.", finished_at=1.0), job("done", finished_at=2.0)
    jobs = [running, waiting, failed, done]
    zh = queue.queue_html(studio, jobs, lang="zh")
    assert "1 个运行中 · 1 个等待中 · 2 个已结束" in zh
    assert "▶ 运行中" in zh and "⏳ 排队中" in zh and "❌ 失败" in zh and "✅ 完成" in zh
    assert "832×480 · 81 帧 · 种子 5 · 12gb" in zh and PROMPT in zh  # numbers as in English; the prompt as typed
    assert 'title="取消这个任务">取消</button>' in zh and 'title="重新排队这个任务">重新排队</button>' in zh
    # Left as they are: the preset's name, and an error stored without its id (an older app's record).
    assert not ENGLISH.search(chinese_text(zh).replace("12gb", "").replace("It broke.", "")), chinese_text(zh)
    en = queue.queue_html(studio, jobs, lang="en")
    assert "1 running · 1 waiting · 2 finished" in en and "▶ running" in en and "⏳ queued" in en
    assert "832×480 · 81 fr · seed 5 · 12gb" in en and ">Cancel</button>" in en and ">Re-queue</button>" in en
    many = queue.queue_html(studio, [job("queued") for _ in range(queue.WAITING_SHOWN + 2)], lang="zh")
    assert "还有 2 个在等待" in many


def test_every_job_status_has_words_in_both_languages() -> None:
    for status, (icon, key) in STATUS_WORDS.items():
        assert icon and text(key, "en") != text(key, "zh"), status
        assert re.search(r"[\u4e00-\u9fff]", text(key, "zh")), key


def test_queue_lines_hide_someone_elses_prompt_in_chinese(studio: Studio) -> None:
    from backend.access import OWN_ONLY, Viewer

    theirs = job("queued")
    seen = queue.queue_html(studio, [theirs], Viewer.guest("ann"), OWN_ONLY, lang="zh")
    assert "（其他人的任务）" in seen and PROMPT not in seen and "种子" not in seen


def test_queue_buttons_say_what_happened_in_the_viewers_language(studio: Studio) -> None:
    assert queue.cancel_job(studio, "", lang="zh") == "ℹ️ 请先选择一个任务。"
    assert queue.cancel_waiting(studio, "zh") == "ℹ️ 没有等待中的任务。"
    assert queue.clear_finished(studio, "zh") == "ℹ️ 没有可清除的已结束任务。"
    assert queue.clear_finished(studio, "en") == "ℹ️ No finished jobs to clear."
    assert text("studio.queue.cancelled_many", "zh", count=3) == "已取消 3 个等待中的任务。"
    assert text("studio.queue.cleared_one", "en") == "Cleared 1 finished job; its clip stays in the gallery."


def test_grid_caption_and_player_details_in_chinese(studio: Studio) -> None:
    (made,) = studio.submit(PROMPT, seed=11, **SMALL)
    finished = studio.queue.wait_for(made.id, ("done", "failed"), timeout=60)
    assert finished.status == "done", finished.error
    clip = studio.clip(finished.clip_id or "")
    assert gallery.caption(clip, "zh") == (PROMPT, "种子 11 · 256×256 · 0.3 s")
    assert gallery.caption(clip, "en") == (PROMPT, "seed 11 · 256×256 · 0.3 s")
    zh = player.details_lines(clip, lang="zh")
    assert zh[0] == f"提示词：{PROMPT}" and zh[1] == "尺寸 256×256 · 5 帧 · 种子 11"
    assert zh[2].startswith("预设 ") and " · 用时 " in zh[2] and " MiB" in zh[2]
    assert " · 引擎 cpu-test · " in zh[3] and zh[4].startswith("文件 ")
    assert player.details_lines(clip, lang="en")[1] == "Size 256×256 · 5 frames · seed 11"
    # A language switch redraws the grid: its change key names the language.
    html_en, _, key_en = gallery.refresh(studio, None, None, lang="en")
    html_zh, _, key_zh = gallery.refresh(studio, clip.id, key_en, lang="zh")
    assert key_zh != key_en and "种子 11" in str(html_zh) and "seed 11" in str(html_en)
    assert player.reuse(studio, clip.id, lang="zh")[-1] == "✅ 表单已填入这个视频的设置（种子已锁定）。"
    assert player.delete(studio, "", lang="zh") == "ℹ️ 没有删除任何内容。"


def test_first_values_carry_both_languages(studio: Studio) -> None:
    empty = player.empty_html()
    assert 'class="wan-en"' in empty and 'class="wan-zh"' in empty and not ENGLISH.search(visible_text(empty))
    summary = both_drawn(lambda lang: preset.describe(studio, "auto", "832x480", 81, lang=lang))
    zh, en = (preset.describe(studio, "auto", "832x480", 81, lang=lang) for lang in ("zh", "en"))
    assert f'<div class="wan-zh" lang="zh">{zh}</div>' in summary and f'<div class="wan-en" lang="en">{en}</div>' \
        in summary and zh != en
    assert player.empty_html("zh") == ('<div class="wan-details wan-dim">还没有视频。写好提示词并点击“生成”：'
                                       "视频生成后会在这里播放。</div>")
    assert "要永久删除这个视频吗？" in player.CONFIRM_DELETE and "Delete this clip for good?" in player.CONFIRM_DELETE


def test_frame_count_line_in_chinese() -> None:
    assert video.snapped(49, 81, "zh") == (49, "49 帧 = 3.06 秒（16 fps）")
    count, line = video.snapped(0, 81, "zh")
    assert count == 5 and line.startswith("⚠️ 这里的帧数范围是 5 到 81；已设为 5。")
    count, line = video.snapped("lots", 81, "zh")
    assert count == 81 and line.startswith("⚠️ 帧数必须是 5 到 81 之间的数字；已设为 81。")


def test_models_tab_in_chinese(studio: Studio) -> None:
    from backend.download import DownloadProgress, FileProgress
    from ui.areas import models

    status = models.status_text(studio, "fp8", "zh")
    assert "FP8 权重集尚未下载（共 48 个文件" in status and "FP8 权重集约 22 GB；所在磁盘还有 " in status
    assert models.decoder_text(studio, "zh") == ("ℹ️ 预览使用快速色彩映射。下载 TAEHV 预览解码器（约 23 MB）"
                                                 "可获得更清晰的预览。")
    assert models.decoder_text(studio, "en").startswith("ℹ️ Previews use the quick colour map. Download the TAEHV")
    files = (FileProgress("distill_fp8/models_t5.pth", 2_500_000_000, 6_700_000_000, "downloading"),)
    p = DownloadProgress("downloading", "Downloading 1 file(s).", files, 2_500_000_000, 6_700_000_000, 25e6, 168.0)
    html = models.progress_html(p, "zh")
    assert "2.5 GB / 6.7 GB（37%）· 25.0 MB/s · 剩余 2 min 48 s · 1 个文件中 0 个已就绪" in html
    assert "distill_fp8/models_t5.pth：下载中，2.5 GB / 6.7 GB" in html
    message, _folder, _status = models.choose_folder(studio, "  ", "fp8", lang="zh")
    assert message == "ℹ️ 请输入文件夹的路径。"


def test_a_guests_refusal_in_the_pages_language(studio: Studio) -> None:
    from backend.access import NotAllowed, Viewer
    from backend.i18n import Message

    assert NotAllowed().user_text() == "This is only for the person at the computer running Wan Studio."
    assert NotAllowed().user_text("zh") == "这项操作只有运行 Wan Studio 的那台电脑前的人才能使用。"
    assert NotAllowed(Message.of("access.what.requeue")).user_text("zh").startswith("重新排队任务只有")
    refused = queue.requeue_job(studio, "abc", Viewer.guest("ann"), "zh")
    assert refused == "⚠️ 重新排队任务只有运行 Wan Studio 的那台电脑前的人才能使用。"


def test_start_up_notes_in_the_pages_language(paths) -> None:
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine
    from ui.areas import notices
    from ui.context import ServerInfo

    paths.queue_file.parent.mkdir(parents=True, exist_ok=True)
    paths.queue_file.write_text("{not json", encoding="utf-8")
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text("[1, 2]", encoding="utf-8")
    paths.clips_dir.mkdir(parents=True, exist_ok=True)
    (paths.clips_dir / "20260101-000000-7.mp4").write_bytes(b"cut short")
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), preload=False)
    studio.start()
    try:
        notes = studio.notes
        assert any("was damaged and was skipped" in n for n in notes)  # English for the log, as before
        zh = notices.notices_html(notes, ServerInfo(), "zh")
        assert f"{paths.queue_file.name} 已损坏，已跳过；副本保存为 " in zh
        assert f"{paths.settings_file.name} 中没有设置，已忽略；副本保存为 " in zh
        assert "视频 20260101-000000-7 未列出：文件不完整（写入时电脑停止了运行）。其文件保存为 " in zh
        assert not ENGLISH.search(re.sub(r"[\w.-]+\.(json|mp4)[\w.-]*", "", visible_text(zh))), zh
        en = notices.notices_html(notes, ServerInfo(), "en")
        assert "The clip 20260101-000000-7 is not listed: it was cut short" in en
    finally:
        studio.stop()


def test_a_clips_notes_in_the_pages_language(paths) -> None:
    from tests.conftest import FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    studio = Studio(paths, CpuTestEngine(oom_presets=("12gb",)), gpu=FakeGpu(), preload=False)
    studio.start()
    try:
        (made,) = studio.submit(PROMPT, seed=3, preset="12gb", **SMALL)
        finished = studio.queue.wait_for(made.id, ("done", "failed"), timeout=60)
        assert finished.status == "done", finished.error
        english = "Ran out of GPU memory on the 12gb preset while denoising; retried once on 8gb"
        _video, zh, _download = player.show(studio, finished.clip_id, lang="zh")
        assert "显存不足" in zh and "8gb" in zh and english not in zh, zh
        assert english in player.show(studio, finished.clip_id, lang="en")[1]
        studio.clear_finished()  # the job gone: the record keeps the note's message, still worded in Chinese
        assert player.show(studio, finished.clip_id, lang="zh")[1] == zh
    finally:
        studio.stop()


def test_why_a_folder_was_not_shown_in_the_pages_language(tmp_path) -> None:
    from backend.i18n import words
    from ui import folders

    gone = tmp_path / "gone"
    why = folders.open_folder(gone)
    assert why == f"The folder {gone} does not exist." and words(why or "", "zh") == f"文件夹 {gone} 不存在。"


def test_generate_cancel_and_free_gpu_say_it_in_the_pages_language(studio: Studio) -> None:
    from ui.areas import generate

    message, _seed, queued = generate.generate(studio, PROMPT, "256x256", 5, "77", True, 2, "auto", lang="zh")
    assert message == "✅ 已排队 2 个视频（种子 77, 78）。关闭此页面后任务仍会继续运行。" and len(queued) == 2
    english, _seed, more = generate.generate(studio, PROMPT, "256x256", 5, "9", True, 1, "auto")
    assert english == "✅ Queued 1 clip (seed 9). Jobs keep running if you close this tab."
    for job_id in (*queued, *more):
        studio.queue.wait_for(job_id, ("done", "failed"), 60)
    assert generate.cancel_running(studio, lang="zh") == "ℹ️ 没有正在运行的任务。"
    freed = generate.free_gpu(studio, "zh")
    assert freed in ("✅ 正在卸载模型：释放其显存和内存。", "ℹ️ 模型未加载：没有可释放的内容。"), freed
    bad = generate.generate(studio, "", "256x256", 5, "1", True, 1, "auto", lang="zh")[0]
    assert bad.startswith("⚠️ ") and not ENGLISH.search(bad), bad


def test_the_queues_refusals_in_chinese(studio: Studio) -> None:
    from backend.errors import BadRequest, NotFound
    from ui.choices import parse_size

    (made,) = studio.submit(PROMPT, seed=1, **SMALL)
    studio.queue.wait_for(made.id, ("done", "failed"), timeout=60)
    for call, zh in ((lambda: studio.cancel(made.id), "这个任务的状态是“完成”，没有可取消的内容。"),
                     (lambda: studio.cancel("nope"), "没有 ID 为 'nope' 的任务。"),
                     (lambda: parse_size("big"), "尺寸 'big' 无效。请选择列出的尺寸之一，例如 832×480。")):
        try:
            call()
        except (BadRequest, NotFound) as err:
            assert err.user_text("zh") == zh, err.user_text("zh")
            assert not re.search(r"[\u4e00-\u9fff]", err.user_text())
        else:
            raise AssertionError("not refused")


def test_a_refused_weights_folder_in_chinese(studio: Studio, tmp_path) -> None:
    from ui.areas import models

    gone = tmp_path / "no-such-folder"
    message, _folder, _status = models.choose_folder(studio, str(gone), "fp8", lang="zh")
    assert message == f"ℹ️ 文件夹 {gone} 不存在。请先创建它，或选择一个已有权重的文件夹。"
    other = tmp_path / "other"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"x")
    message, _folder, _status = models.choose_folder(studio, str(other), "fp8", lang="zh")
    assert message.startswith(f"ℹ️ {other} 中已有其他文件，且不是 Wan Studio 创建的。如果其中确实是权重，请勾选确认")
    english = models.choose_folder(studio, str(gone), "fp8")[0]
    assert english == f"ℹ️ The folder {gone} does not exist. Create it first, or choose one that has the weights."
