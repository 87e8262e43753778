"""The errors built from values in Chinese: a LoRA file's, a LoRA choice's, the clip and draft counts', the
weights download's and the Hub's. Each keeps its message id and values (file names, numbers, checksums as
they are), reads in Chinese with no English sentence left, and is unchanged in English."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from backend.download import WeightsDownloader, _hub_error
from backend.errors import BadRequest, DownloadError, StudioError
from backend.lora import files, parse, vram
from backend.lora.folders import LoraLibrary
from backend.request import LoraUse, check_lora_name, check_lora_strength, check_loras
from tests.support.fake_hub import FakeHub, closed_port
from tests.support.lora_files import TINY, make_layers, write_file, write_lora

CJK = re.compile(r"[\u4e00-\u9fff]")
KEPT = re.compile(r"ValueError: shape mismatch|[\w.-]*\.(safetensors|ckpt)|sha256|LoRA|HTTP|Hugging Face Hub|Hub|"
                  r"HF_HUB_OFFLINE|Wan Studio|"
                  r"Wan2\.1 T2V 14B|F32|F16|BF16|GB|MB|alpha|zip|Python pickle|PyTorch|\.pt|\.bin|\.ckpt|"
                  r"safetensors|diffusion_model[\w.]*|lora_unet\w*|distill_fp8/[\w.]*|FP8|fp8|int8|taehv|[a-z]+_[a-z_]+|"
                  r"\w+Error|\bstr\b|/[\w/.-]+|'[^']*'")
"""Names, values and formats that stay as they are in Chinese."""


def assert_chinese(err: StudioError, english: str) -> str:
    """The error reads `english` in English (the sentence as before), fully in Chinese otherwise."""
    assert err.user_text() == english
    assert err.said() is not None, "a free sentence: shown under its class's heading as English details"
    zh = err.user_text("zh")
    assert CJK.search(zh) and "详情：" not in zh and "。 " not in zh, zh
    left = KEPT.sub("", zh)
    assert not re.search(r"[A-Za-z]{3,}", left), f"English left in {zh!r}"
    return zh


def raised(call: Callable[[], object]) -> StudioError:
    with pytest.raises(StudioError) as caught:
        call()
    return caught.value


def test_a_lora_files_errors_in_chinese_keep_the_file_name(tmp_path: Path) -> None:
    flux = {"lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight": np.zeros((2, 8), np.float32),
            "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight": np.zeros((24, 2), np.float32)}
    err = raised(lambda: parse.inspect(write_file(tmp_path / "flux.safetensors", flux), TINY))
    zh = assert_chinese(err, "flux.safetensors matches none of this model's layers (its layers look like: "
                             "lora_unet_double_blocks_0_img_attn_qkv). It is probably a LoRA for another model.")
    assert zh.startswith("flux.safetensors 与这个模型的任何层都不匹配")
    assert zh.endswith("它可能是为另一个模型制作的 LoRA。")
    other = make_layers(parse.DitLayout(dim=6, ffn_dim=16, blocks=3), 2, ("self_attn.q",))
    err = raised(lambda: parse.inspect(write_lora(tmp_path / "small.safetensors", other), TINY))
    assert "8×8" in assert_chinese(err, err.user_text()) and "Wan2.1 T2V 14B" in err.user_text("zh")
    gone = raised(lambda: parse.inspect(tmp_path / "gone.safetensors", TINY))
    assert assert_chinese(gone, "The LoRA file gone.safetensors is not there any more. Put it back in a LoRA "
                                "folder, or choose another LoRA.") == \
        "LoRA 文件 gone.safetensors 已不在原处。请把它放回 LoRA 文件夹，或选择其他 LoRA。"
    pickle = tmp_path / "renamed.safetensors"
    pickle.write_bytes(b"\x80\x02}q\x00" + b"\0" * 200)
    err = raised(lambda: parse.inspect(pickle, TINY))
    assert "pickle" in assert_chinese(err, "renamed.safetensors is not a safetensors file (it is a Python pickle, "
                                           "which can run code when opened, renamed to .safetensors). Use the "
                                           ".safetensors version of this LoRA.")
    huge = tmp_path / "huge.safetensors"
    with huge.open("wb") as fh:
        fh.truncate(files.MAX_BYTES + 1)
    assert "huge.safetensors 有 2.0 GB" in assert_chinese(raised(lambda: parse.inspect(huge, TINY)),
                                                         raised(lambda: parse.inspect(huge, TINY)).user_text())
    ckpt = tmp_path / "style.ckpt"
    ckpt.write_bytes(b"x")
    assert_chinese(raised(lambda: parse.inspect(ckpt, TINY)), "style.ckpt is not a .safetensors file. Only "
                   ".safetensors LoRA files are read: .pt, .ckpt and .bin files can run code when opened.")


def test_a_lora_choices_errors_in_chinese(tmp_path: Path) -> None:
    assert_chinese(raised(lambda: check_lora_strength("x", "a.safetensors")),
                   "The strength of a.safetensors must be a number, got 'x'.")
    assert "-2 到 2" in assert_chinese(raised(lambda: check_lora_strength(5, "a.safetensors")),
                                      "The strength of a.safetensors is 5: use a number from -2 to 2 (1 is the LoRA "
                                      "as trained, 0 turns it off).")
    assert_chinese(raised(lambda: check_lora_name("../x.safetensors")), "'../x.safetensors' is not a LoRA file "
                   "name. Choose a LoRA from the list.")
    assert "最多只能使用 3 个" in assert_chinese(raised(lambda: check_loras([("a.safetensors", 1)] * 4)),
                                         "4 LoRAs were chosen; a clip can use at most 3.")
    assert_chinese(raised(lambda: check_loras([("a.safetensors", 1)] * 2)),
                   "a.safetensors is chosen twice. Choose it once, with the strength you want.")
    assert_chinese(raised(lambda: check_loras("a")), "The LoRAs must be a list, got str.")
    assert_chinese(raised(lambda: vram.refuse_lazy_load({"lazy_load": True})), raised(
        lambda: vram.refuse_lazy_load({"lazy_load": True})).user_text())
    library = LoraLibrary(lambda: [tmp_path], TINY)
    assert_chinese(raised(lambda: library.find("none.safetensors")), "The LoRA file none.safetensors is not in any "
                   "LoRA folder. Put it in the LoRA folder (the LoRA area shows where), or choose another LoRA.")
    write_lora(tmp_path / "good.safetensors", make_layers(TINY, 2, ("self_attn.q",)))
    err = raised(lambda: library.check(LoraUse("good.safetensors", "0" * 16, 1.0)))
    assert "0000000000000000" in assert_chinese(err, err.user_text())


def test_the_clip_and_draft_counts_in_chinese(studio) -> None:
    assert_chinese(raised(lambda: studio.check_submission("a cat", count="many")),
                   "The number of clips must be a whole number, got 'many'.")
    assert "1 到" in assert_chinese(raised(lambda: studio.check_submission("a cat", count=99)),
                                   raised(lambda: studio.check_submission("a cat", count=99)).user_text())
    assert_chinese(raised(lambda: studio.submit_drafts("a cat", count="x")),
                   "The number of drafts must be a whole number, got 'x'.")
    assert_chinese(raised(lambda: studio.submit_drafts("a cat", count=99)),
                   raised(lambda: studio.submit_drafts("a cat", count=99)).user_text())
    assert_chinese(raised(lambda: studio.weights_report("huge")), "There is no weight set named 'huge'. Choose one "
                   "of: fp8, int8.")
    assert isinstance(raised(lambda: studio.add_lora_folder("")), BadRequest)
    assert raised(lambda: studio.add_lora_folder("")).user_text("zh") == \
        "这不是这台电脑上的文件夹。请填写文件夹的完整路径。"


def test_the_hubs_and_the_downloads_errors_in_chinese(tmp_path: Path) -> None:
    from huggingface_hub.errors import OfflineModeIsEnabled
    assert "HF_HUB_OFFLINE" in assert_chinese(_hub_error(OfflineModeIsEnabled("off"), "x"), "Cannot reach the "
                                              "Hugging Face Hub (offline mode is on: HF_HUB_OFFLINE is set). Check "
                                              "the connection or choose a folder that already has the weights.")
    with pytest.raises(DownloadError) as caught:
        WeightsDownloader("http://127.0.0.1:1").start(tmp_path, "huge")
    assert_chinese(caught.value, "Unknown weight set 'huge'; choose one of fp8, int8, taehv.")
    with FakeHub() as hub:
        hub.token = "hf_test_token"
        d = WeightsDownloader(hub.url, retry_wait=0.02)
        d.start(tmp_path, "fp8")
        progress = d.wait(20)
    assert progress.state == "failed" and "refused access" in progress.message
    assert "（HTTP 401）" in progress.message_in("zh") and "访问令牌" in progress.message_in("zh")


def test_a_failed_download_is_worded_in_chinese_on_the_page(tmp_path: Path) -> None:
    with FakeHub() as hub:
        hub.corrupt.add("distill_fp8/block_3.safetensors")
        d = WeightsDownloader(hub.url, retry_wait=0.02)
        d.start(tmp_path, "fp8")
        progress = d.wait(20)
    assert progress.state == "failed" and progress.said is not None
    zh = progress.message_in("zh")
    assert "distill_fp8/block_3.safetensors 下载后已损坏" in zh and "checksum" not in zh
    unreachable = WeightsDownloader(f"http://127.0.0.1:{closed_port()}", retry_wait=3600)
    unreachable.start(tmp_path / "other", "fp8")
    progress = unreachable.wait(20)
    assert progress.state == "failed" and progress.message_in("zh").startswith("无法连接 Hugging Face Hub（")


def test_a_presets_limits_a_clips_name_and_the_engines_failures_in_chinese(tmp_path: Path) -> None:
    from backend.engine.translate import translate
    from backend.gallery import Gallery
    from backend.presets import limit_problem, load_presets

    preset = load_presets()["8gb"]
    frames = limit_problem(preset, 832, 480, preset.max_frames + 4)
    assert frames is not None and "8gb 预设最多允许" in assert_chinese(
        frames, f"The 8gb preset allows at most {preset.max_frames} frames; {preset.max_frames + 4} were asked. "
                "Choose fewer frames or a bigger preset.")
    pixels = limit_problem(preset, 1280, 1280, 5, has_bigger=False)
    assert pixels is not None and assert_chinese(pixels, pixels.user_text()).endswith("请选择更小的尺寸。")
    missing = raised(lambda: Gallery(tmp_path).get("20260101-000000-1"))
    assert assert_chinese(missing, "There is no clip named '20260101-000000-1'.") == \
        "没有名为 '20260101-000000-1' 的视频。"
    failed = translate(ValueError("shape mismatch"), "decoding")
    assert assert_chinese(failed, "The engine failed while decoding the video: ValueError: shape mismatch. See the "
                                  "log file for details.") == \
        "引擎出错（正在解码视频时）：ValueError: shape mismatch。详情见日志文件。"


def test_why_generate_is_off_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from backend.engine import cuda_process
    from backend.engine.translate import ENGINE_FIX
    from backend.errors import reworded
    from backend.gpu import GpuReading

    card = GpuReading(ok=True, name="RTX 4090", total_mib=24564, used_mib=0, capability=(8, 9))
    monkeypatch.setattr(cuda_process, "_find_spec", lambda module: object())
    monkeypatch.delitem(sys.modules, "lightx2v", raising=False)
    weights = cuda_process.why_unavailable(card, tmp_path)
    assert weights is not None and weights.endswith(" Open the Models tab to download them or to choose their folder.")
    from backend.models import check_weights
    assert weights == f"{check_weights(tmp_path, 'fp8').summary()} Open the Models tab to download them or to choose " \
                      "their folder."  # worded as before
    assert reworded(weights, "en") == weights
    assert reworded(weights, "zh").endswith("请打开“模型”页下载，或选择存放它们的文件夹。") and str(tmp_path) in \
        reworded(weights, "zh") and "Models" not in reworded(weights, "zh")
    monkeypatch.setattr(cuda_process, "_find_spec", lambda module: None if module == "lightx2v" else object())
    missing = cuda_process.why_unavailable(card, tmp_path)
    assert missing == f"The LightX2V engine is not installed. {ENGINE_FIX}"
    assert reworded(missing or "", "zh") == ("LightX2V 引擎未安装。请在联网时再次运行 launch.sh / launch.bat 来安装它，"
                                             "或在“系统”页查看缺少什么。")
