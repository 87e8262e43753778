"""A job's notes the app words itself (the OOM retry, previews that fell back to the colour map) kept with
the clip's record as messages: a Chinese page words them in Chinese also once the job has left the queue
and after a restart; English reads as before."""

from __future__ import annotations

import re
from pathlib import Path

from backend.gallery import Gallery
from backend.i18n import Said
from backend.preview.decoder import decode_failed_note, decoder_status, load_failed_note
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from ui.areas.player import clip_notes, details_lines

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_preview_decoders_notes_keep_their_message_and_read_in_chinese(tmp_path: Path) -> None:
    failed = load_failed_note(tmp_path / "taew2_1.pth", RuntimeError("bad magic"))
    assert failed == ("Previews used the quick colour map: the TAEHV preview decoder taew2_1.pth could not be loaded "
                      "(RuntimeError: bad magic). Download it again in the Models tab (it resumes).")
    assert isinstance(failed, Said)
    assert failed.said.text("zh") == ("预览使用了快速色彩映射：无法加载 TAEHV 预览解码器 taew2_1.pth（RuntimeError: "
                                      "bad magic）。请在“模型”页重新下载（会断点续传）。")
    decode = decode_failed_note(MemoryError("out of memory"))
    assert decode == ("Previews switched to the quick colour map after the TAEHV preview decoder failed "
                      "(MemoryError: out of memory). The clip is not affected.")
    assert isinstance(decode, Said) and decode.said.text("zh").endswith("视频本身不受影响。")
    assert decoder_status(tmp_path).job_note() is None  # absent: nothing to say (damaged: test_preview_decoder_files)


def test_the_retry_note_reads_in_chinese_after_its_job_is_cleared_and_after_a_restart(paths) -> None:
    studio = Studio(paths, CpuTestEngine(oom_presets=("12gb",)), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    try:
        (job,) = studio.submit("a lake", width=256, height=256, frames=9, seed=3, preset="12gb")
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done", done.error
        studio.queue.wait_for(job.id, ("done",), 60)
        assert studio.clear_finished() >= 1
        (clip,) = studio.clips()
        english = "Ran out of GPU memory on the 12gb preset while denoising; retried once on 8gb with the same seed."
        assert clip.record.notes == (english,)
        chinese = "12gb 预设正在去噪时显存不足；已用相同的种子在 8gb 上重试一次。"
        assert clip_notes(studio, clip, "zh") == (chinese,)
        assert clip_notes(studio, clip, "en") == (english,)
        assert chinese in details_lines(clip, lang="zh", notes=clip_notes(studio, clip, "zh"))
    finally:
        studio.stop()
    restarted = Gallery(paths.clips_dir)
    restarted.rebuild()  # the record read back from disk
    (again,) = restarted.list()
    assert again.record.notes_said and again.record.notes_said[0].text("zh") == chinese
