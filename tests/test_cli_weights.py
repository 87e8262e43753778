"""`app.py weights download|verify` against the local fake Hub, and `app.py generate` checking its arguments
before it looks for a GPU. Same exit codes as `generate`: 0 done, 1 with a one-line reason, 2 bad syntax."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from backend.download import PARTIAL_SUFFIX, WeightsDownloader
from backend.models import FILE_SETS, MANIFEST_FILE, PREVIEW_DECODER_FILE, required_files
from backend.settings import Paths
from backend.studio import Studio
from backend.weights_words import verify_notice
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.fake_hub import FakeHub

ROOT = Path(__file__).resolve().parent.parent
T5 = "distill_fp8/models_t5_umt5-xxl-enc-fp8.pth"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as h:
        yield h


def cli_studio(paths: Paths, hub: FakeHub, gpu: FakeGpu | None = None) -> Studio:
    return Studio(paths, CpuTestEngine(), gpu=gpu or FakeGpu(), host_ram=64.0, preload=False,
                  downloader=WeightsDownloader(hub.url, retry_wait=0.02))


def weights(studio: Studio, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = app.run_weights(studio, app.parse_args(["weights", *argv]), out)
    return code, out.getvalue()


def test_download_then_verify_into_a_chosen_folder(paths: Paths, hub: FakeHub, tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    studio = cli_studio(paths, hub)
    code, text = weights(studio, "download", "--folder", str(folder))
    assert code == 0, text
    assert "] 100% " in text and text.rstrip().splitlines()[-1].startswith(
        f"All {len(required_files('fp8'))} files of the FP8 set are present in {folder}. Downloaded ")
    assert studio.settings.weights_dir == str(folder)  # remembered, as the Models tab does
    for rel in required_files("fp8"):
        assert (folder / rel).read_bytes() == hub.files[rel], rel
    code, text = weights(studio, "verify")
    assert code == 0 and text.splitlines()[-1].startswith("All 48 files of the FP8 set are present and verified")


def test_download_resumes_what_is_missing(paths: Paths, hub: FakeHub, tmp_path: Path) -> None:
    studio = cli_studio(paths, hub)
    studio.use_weights_folder(tmp_path, confirmed=True)  # tmp_path also holds the data folder
    assert weights(studio, "download")[0] == 0
    (tmp_path / T5).unlink()
    (tmp_path / (T5 + PARTIAL_SUFFIX)).write_bytes(hub.files[T5][:5_000])
    hub.seen.clear()
    code, text = weights(studio, "download")
    assert code == 0, text
    assert [(s.path.rsplit("/", 1)[-1], s.range_start) for s in hub.seen if s.range_start is not None] == [
        (T5.rsplit("/", 1)[-1], 5_000)]
    assert (tmp_path / T5).read_bytes() == hub.files[T5]


def test_verify_names_a_damaged_file_and_exits_1(paths: Paths, hub: FakeHub, tmp_path: Path) -> None:
    studio = cli_studio(paths, hub)
    studio.use_weights_folder(tmp_path, confirmed=True)  # tmp_path also holds the data folder
    assert weights(studio, "download", "--set", "int8")[0] == 0
    vae = tmp_path / "distill_int8/Wan2.1_VAE.pth"
    data = bytearray(vae.read_bytes())
    data[0] ^= 0xFF  # same size: only the checksum can tell
    vae.write_bytes(bytes(data))
    code, text = weights(studio, "verify", "--set", "int8")
    assert code == 1
    assert text.splitlines()[-1].startswith("error: 1 file(s) are damaged: distill_int8/Wan2.1_VAE.pth: the content "
                                            "does not match the Hub's checksum.")
    other = weights(studio, "verify", "--set", "fp8")[1].splitlines()[-1]
    assert other.startswith("error: 43 of 48 files of the FP8 set are missing")


@pytest.mark.parametrize(("folder", "reason"), [
    ("relative/../models", "error: Give the full path of the folder, without '..'"),
    ("/no/such/folder", "error: The folder /no/such/folder does not exist. Create it first"),
])
def test_download_refuses_a_folder_the_models_tab_refuses(paths: Paths, hub: FakeHub, folder: str,
                                                          reason: str) -> None:
    studio = cli_studio(paths, hub)
    code, text = weights(studio, "download", "--folder", folder)
    assert code == 1 and text.startswith(reason) and text.count("\n") == 1
    assert hub.seen == [] and studio.settings.weights_dir == ""


def test_download_failure_is_one_line_and_exit_1(paths: Paths, hub: FakeHub, tmp_path: Path) -> None:
    hub.token = "hf_needed"
    studio = cli_studio(paths, hub)
    studio.use_weights_folder(tmp_path, confirmed=True)  # tmp_path also holds the data folder
    code, text = weights(studio, "download")
    assert code == 1
    assert text.splitlines()[-1] == ("error: The Hugging Face Hub refused access to "
                                     "lightx2v/Wan2.1-T2V-14B-StepDistill-CfgDistill-Lightx2v (HTTP 401). Enter a "
                                     "Hugging Face access token (or check the one given) and try again.")
    assert not (tmp_path / MANIFEST_FILE).exists()
    assert weights(studio, "download", "--token", "hf_needed")[0] == 0


def test_weights_command_line_syntax() -> None:
    args = app.parse_args(["--home", "/tmp/h", "weights", "download", "--set", "int8", "--folder", "/w"])
    assert (args.command, args.action, args.weight_set, args.folder) == ("weights", "download", "int8", Path("/w"))
    assert app.parse_args(["weights", "verify"]).weight_set is None
    with pytest.raises(SystemExit) as exit_info:
        app.parse_args(["weights", "download", "--set", "fp4"])
    assert exit_info.value.code == 2


def test_generate_names_a_bad_frame_count_before_looking_for_a_gpu(paths: Paths) -> None:
    engine = CpuTestEngine(unavailable="No NVIDIA GPU with CUDA was found.")
    studio = Studio(paths, engine, gpu=FakeGpu(total_mib=None), preload=False)
    out = io.StringIO()
    code = app.run_generate(studio, app.parse_args(["generate", "--prompt", "x", "--frames", "80"]), out)
    assert code == 1 and out.getvalue() == (
        "error: The frame count 80 is not allowed: use 4k+1 from 5 to 161 (for example 49, 81 or 121). "
        "At 16 fps, 81 frames is about 5 seconds.\n")
    out = io.StringIO()
    code = app.run_generate(studio, app.parse_args(["generate", "--prompt", "x", "--frames", "81"]), out)
    assert code == 1 and out.getvalue() == "error: No NVIDIA GPU with CUDA was found.\n"
    assert studio.jobs() == []


@pytest.mark.slow
def test_real_weights_command_exit_codes(tmp_path: Path, hub: FakeHub) -> None:
    """The real process: HF_ENDPOINT points the downloader at the fake Hub."""
    env = {"HF_ENDPOINT": hub.url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    folder = tmp_path / "w"
    folder.mkdir()
    done = subprocess.run([sys.executable, "app.py", "--home", str(tmp_path / "home"), "weights", "download",
                           "--folder", str(folder)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("All 48 files of the FP8 set are present")
    verify = subprocess.run([sys.executable, "app.py", "--home", str(tmp_path / "home"), "weights", "verify",
                             "--set", "int8"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert verify.returncode == 1 and verify.stdout.splitlines()[-1].startswith("error: 43 of 48 files of the INT8")


def test_the_verify_notice_follows_the_sets_size_on_disk(tmp_path: Path) -> None:
    """A 23 MB decoder reads in about a second, a 20 GB weight set in over a minute (sparse files: only the
    sizes count); nothing there yet, nothing to read."""
    weights_dir = tmp_path / "models"
    decoder = weights_dir / "taehv" / PREVIEW_DECODER_FILE
    decoder.parent.mkdir(parents=True)
    with decoder.open("wb") as fh:
        fh.truncate(23_000_000)
    said = verify_notice(FILE_SETS["taehv"], weights_dir)
    assert said.text() == "Checking every file of the TAEHV preview decoder (23.0 MB, read in full: about 1 s)…"
    assert said.text("zh") == "正在校验 TAEHV 预览解码器的每个文件（共 23.0 MB，需完整读取，约 1 s）…"
    assert verify_notice(FILE_SETS["fp8"], weights_dir).text() == "Looking for the files of the FP8 set…"
    for rel, size in ((T5, 6_000_000_000), ("distill_fp8/non_block.safetensors", 14_000_000_000)):
        (weights_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        with (weights_dir / rel).open("wb") as fh:
            fh.truncate(size)
    assert verify_notice(FILE_SETS["fp8"], weights_dir).text() == (
        "Checking every file of the FP8 set (20.0 GB, read in full: about 1 min 20 s)…")
