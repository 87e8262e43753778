"""`app.py --lang zh|en`: the console's language for generate, doctor and weights (the system's by default);
prompts pass through untouched."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import app
from backend.errors import NoGpu
from backend.gpu import NvmlSource
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine

ROOT = Path(__file__).resolve().parent.parent


def test_generate_in_chinese_draws_chinese_progress_and_keeps_the_prompt(paths) -> None:
    studio = Studio(paths, CpuTestEngine(step_delay=0.3), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    out = io.StringIO()
    try:
        args = app.parse_args(["--lang", "zh", "generate", "--prompt", "a boat on a lake", "--width", "256",
                               "--height", "256", "--frames", "9", "--seed", "12"])
        code = app.run_generate(studio, args, out)
        (job,) = studio.jobs()
    finally:
        studio.stop()
    text = out.getvalue()
    assert code == 0, text
    assert "种子 12，256x256，9 帧" in text and "第 2/4 步" in text and "已保存 " in text
    assert "seed" not in text and "Step" not in text
    assert job.request.prompt == "a boat on a lake"


def test_generate_bad_input_in_chinese(paths) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.start()
    out = io.StringIO()
    try:
        code = app.run_generate(studio, app.parse_args(["generate", "--lang", "zh", "--prompt", "x",
                                                        "--frames", "80"]), out)
    finally:
        studio.stop()
    assert code == 1 and out.getvalue() == ("错误：帧数 80 不允许：请使用 5 到 161 之间的 4k+1（例如 49、81 或 121）。"
                                           "在 16 fps 下，81 帧约为 5 秒。\n")


def test_language_defaults_to_the_system_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert app.parse_args(["doctor"]).lang == "zh"
    assert app.parse_args(["doctor", "--lang", "en"]).lang == "en"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert app.parse_args(["weights", "verify"]).lang == "en"
    assert app.parse_args(["--lang", "zh", "weights", "verify"]).lang == "zh"


def test_doctor_report_frame_in_chinese(paths, capsys: pytest.CaptureFixture[str]) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    out = io.StringIO()
    app.run_doctor(studio, "auto", out, lang="zh")
    report = out.getvalue()
    assert report.splitlines()[0].endswith("环境检查报告") and "项失败" in report
    assert "正在检查 GPU" in capsys.readouterr().err


@pytest.mark.slow
def test_real_command_with_lang_zh_prints_chinese(tmp_path: Path) -> None:
    if NvmlSource().read().ok:
        pytest.skip("this machine has an NVIDIA GPU")
    proc = subprocess.run([sys.executable, "app.py", "--lang", "zh", "--home", str(tmp_path), "generate",
                           "--prompt", "x"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          encoding="utf-8")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == f"错误：{NoGpu().user_text('zh')}\n"
    assert "未找到支持 CUDA 的 NVIDIA GPU" in proc.stdout


def test_chinese_readme_matches_the_english_one() -> None:
    """The same commands and options as README.md, and the sections the issue asks for."""
    zh = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("./launch.sh", "launch.bat", "bash tests/run.sh", "python app.py doctor"):
        assert command in zh and command in en, command
    for option in sorted(set(re.findall(r"`(--[a-z-]+)", zh))):
        assert f"`{option}" in en, f"{option} is in README.zh-CN.md only"
    assert [h for h in re.findall(r"^## (.+)$", zh, re.M)] == ["运行要求", "启动", "测试", "分享", "常见问题"]
    assert "README.zh-CN.md" in en


def test_weights_download_and_verify_in_chinese(paths, tmp_path: Path) -> None:
    from tests.support.fake_hub import FakeHub
    from tests.test_cli_weights import cli_studio

    folder = tmp_path / "models"
    folder.mkdir()
    with FakeHub() as hub:
        studio = cli_studio(paths, hub)
        out = io.StringIO()
        code = app.run_weights(studio, app.parse_args(["--lang", "zh", "weights", "download", "--folder",
                                                        str(folder)]), out)
        assert code == 0, out.getvalue()
        last = out.getvalue().rstrip().splitlines()[-1]
        assert last.startswith(f"FP8 权重集的全部 48 个文件都在 {folder} 中。用时 ") and " 下载了 " in last
        (folder / "config.json").unlink()
        out = io.StringIO()
        code = app.run_weights(studio, app.parse_args(["--lang", "zh", "weights", "verify"]), out)
    line = out.getvalue().splitlines()[-1]
    assert code == 1 and line.startswith(f"错误：{folder} 中 FP8 权重集的 48 个文件缺少 1 个（config.json）。")
    assert not re.search(r"\b(of|the|are|missing)\b", line.replace(str(folder), ""))


def test_server_lines_and_a_busy_folder_in_chinese(tmp_path: Path) -> None:
    from backend.data_lock import DataFolderLock
    from backend.errors import FolderInUse
    from ui.context import ServerInfo
    from ui.server import announce

    out = io.StringIO()
    announce(ServerInfo(local_url="http://127.0.0.1:7860/", port=7860, share_requested=True, user="studio",
                        generated_password="pw123"), out, "http://127.0.0.1:7860/?owner=k", "zh")
    lines = out.getvalue().splitlines()
    # The owner's own link first; the address that asks for the password is the guests'.
    assert lines[0] == "Wan Studio 正在运行。请用你自己的链接打开（以所有者身份打开页面；请勿分享）：http://127.0.0.1:7860/?owner=k"
    assert lines[1] == "访客地址：http://127.0.0.1:7860/，需要下面的密码（在那里登录即为访客）。"
    assert lines[-1] == "按 Ctrl+C 停止。"
    assert "登录：用户名“studio”，密码“pw123”（页面上也会显示）。" in lines and "无法创建公开链接" in lines[2]
    first = DataFolderLock(tmp_path / "data", "serve")
    first.acquire()
    try:
        with pytest.raises(FolderInUse) as busy:
            DataFolderLock(tmp_path / "data", "generate").acquire()
    finally:
        first.release()
    said = busy.value.user_text("zh")
    assert said.startswith(f"数据文件夹 {tmp_path / 'data'} 正被Wan Studio（进程 ") and "--home" in said
    assert busy.value.user_text().startswith(f"The data folder {tmp_path / 'data'} is in use by Wan Studio (process ")
