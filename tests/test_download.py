"""The weights downloader against a local fake Hub: full runs, resume, damage, disk, cancel, offline, auth."""

from __future__ import annotations

import logging
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import backend.download
from backend.download import PARTIAL_SUFFIX, DownloadProgress, WeightsDownloader
from backend.errors import DownloadError
from backend.models import MANIFEST_FILE, check_weights, required_files
from tests.support.fake_hub import FakeHub, closed_port, write_set

T5 = "distill_fp8/models_t5_umt5-xxl-enc-fp8.pth"
WAIT_S = 20


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as h:
        yield h


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "weights"


def downloader(hub: FakeHub, **kw) -> WeightsDownloader:
    return WeightsDownloader(hub.url, retry_wait=0.02, **kw)


def run(d: WeightsDownloader, root: Path, weight_set="fp8", token=None) -> DownloadProgress:
    d.start(root, weight_set, token)
    progress = d.wait(WAIT_S)
    assert progress.state not in ("checking", "downloading", "verifying"), "the download did not finish in time"
    return progress


def wait_until(condition, timeout: float = WAIT_S) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.01)


def assert_same_bytes(hub: FakeHub, root: Path, paths) -> None:
    for rel in paths:
        assert (root / rel).read_bytes() == hub.files[rel], rel


def test_full_download_fetches_only_the_set_and_checks_complete(hub, root, caplog, monkeypatch):
    # A clock that stands still: every chunk arrives at the same moment, however slow this machine is.
    monkeypatch.setattr(backend.download, "time", types.SimpleNamespace(monotonic=lambda: 1_000.0))
    with caplog.at_level(logging.INFO, logger="backend.download"):
        progress = run(downloader(hub), root)
    assert progress.state == "done", progress.message
    # Byte progress reaches the console, but at a rate (one line per LOG_EVERY_S), not once per chunk.
    assert len([r for r in caplog.records if r.getMessage().startswith("Downloading weights:")]) == 1
    assert progress.message.startswith(f"All 48 files of the FP8 set are present in {root}.")
    wanted = required_files("fp8")
    assert_same_bytes(hub, root, wanted)
    assert progress.total_bytes == progress.done_bytes == sum(len(hub.files[p]) for p in wanted)
    assert {f.path for f in progress.files} == set(wanted)
    assert all(f.state == "done" and f.done_bytes == f.total_bytes for f in progress.files)
    fetched = {s.path.rsplit("/resolve/", 1)[1].split("/", 1)[1] for s in hub.file_requests()}
    assert fetched == set(wanted)  # not distill_int8/, distill_models/, loras/, README.md
    assert not list(root.rglob("*" + PARTIAL_SUFFIX))
    assert (root / MANIFEST_FILE).is_file()
    assert check_weights(root, "fp8", verify_hashes=True).complete


def test_second_run_downloads_nothing_and_a_copied_folder_is_verified_not_refetched(hub, root):
    assert run(downloader(hub), root).state == "done"
    hub.seen.clear()
    again = run(downloader(hub), root)
    assert again.state == "done" and all(f.state == "present" for f in again.files)
    assert hub.file_requests() == []

    (root / MANIFEST_FILE).unlink()  # as if the folder had been copied from elsewhere
    block = root / "distill_fp8" / "block_9.safetensors"
    damaged = bytes(b ^ 0xFF for b in block.read_bytes())
    block.write_bytes(damaged)
    copied = run(downloader(hub), root)  # a file it did not write is never replaced, even a damaged one
    assert copied.state == "failed" and "block_9.safetensors" in copied.message and "not written by" in copied.message
    assert block.read_bytes() == damaged and hub.file_requests() == []
    block.unlink()  # moved away by the owner: now the download fills the gap
    refetched = run(downloader(hub), root)
    assert refetched.state == "done", refetched.message
    assert [s.path.split("/")[-1] for s in hub.file_requests()] == ["block_9.safetensors"]
    assert_same_bytes(hub, root, ["distill_fp8/block_9.safetensors"])


def test_connection_cut_mid_file_resumes_from_the_partial_bytes(hub, root):
    hub.cut_after[T5] = 24_000
    progress = run(downloader(hub), root)
    assert progress.state == "done", progress.message
    starts = [s.range_start for s in hub.file_requests(T5)]
    assert starts == [None, 24_000]
    assert_same_bytes(hub, root, [T5])


def test_server_ignoring_the_range_restarts_the_file_cleanly(hub, root):
    hub.cut_after[T5] = 10_000
    hub.ignore_range = True
    progress = run(downloader(hub), root)
    assert progress.state == "done", progress.message
    assert [s.range_start for s in hub.file_requests(T5)] == [None, 10_000]
    assert_same_bytes(hub, root, [T5])


def test_cancel_keeps_partial_bytes_and_the_next_start_resumes(hub, root):
    hub.hold_after[T5] = 8_000  # the hub stands still after 8,000 bytes of T5 until the test releases it
    d = downloader(hub)
    d.start(root, "fp8")
    assert hub.held.wait(WAIT_S), "the download never reached T5"
    snapshots: list[DownloadProgress] = []

    def t5_held() -> bool:  # the download thread has written every byte the hub sent before it stopped
        snapshots.append(d.progress())
        return any(f.path == T5 and f.done_bytes == 8_000 for f in snapshots[-1].files)

    wait_until(t5_held)
    moving = snapshots[-1]
    assert moving.state == "downloading" and moving.speed_bps > 0 and moving.eta_s is not None
    for asked in ("fp8", "taehv"):  # whatever is asked, the refusal names what is downloading
        with pytest.raises(DownloadError) as busy:
            d.start(root, asked)
        assert busy.value.user_text() == "The FP8 set is already downloading. Wait for it or cancel it first."
        said = busy.value.user_text("zh")
        assert said.startswith("FP8 权重集正在下载中。") and said.endswith("请等它完成，或先取消它。")
    d.cancel()
    hub.release.set()  # the next chunk arrives, and the download stops before writing it
    stopped = d.wait(WAIT_S)
    assert stopped.state == "cancelled", stopped.message
    assert "resumes" in stopped.message
    assert not any(f.state == "done" for f in stopped.files if f.path in (T5, "distill_fp8/Wan2.1_VAE.pth"))
    report = check_weights(root, "fp8")
    assert not report.complete and T5 in report.missing
    kept = (root / (T5 + PARTIAL_SUFFIX)).stat().st_size
    assert kept == 8_000

    hub.seen.clear()
    resumed = run(downloader(hub), root)
    assert resumed.state == "done", resumed.message
    assert [s.range_start for s in hub.file_requests(T5)] == [kept]
    assert not any(s.path.endswith("block_0.safetensors") for s in hub.file_requests())
    assert_same_bytes(hub, root, required_files("fp8"))


def test_corrupted_file_is_detected_and_named(hub, root):
    hub.corrupt.add("distill_fp8/block_3.safetensors")
    progress = run(downloader(hub), root)
    assert progress.state == "failed"
    assert "distill_fp8/block_3.safetensors" in progress.message and "checksum" in progress.message
    assert not (root / "distill_fp8" / "block_3.safetensors").exists()
    assert not (root / "distill_fp8" / ("block_3.safetensors" + PARTIAL_SUFFIX)).exists()
    assert "distill_fp8/block_3.safetensors" in check_weights(root, "fp8").missing


def test_too_little_disk_is_refused_before_downloading(hub, root):
    progress = run(downloader(hub, disk_free=lambda path: 50_000_000), root)
    assert progress.state == "failed"
    assert "Not enough free disk space" in progress.message
    assert "only 0.05 MB is free" not in progress.message and "50.00 MB is free" in progress.message
    assert "GB" in progress.message  # the reserve is named in GB next to the weights' size
    assert hub.file_requests() == []
    assert not root.exists() or not any(root.rglob("*"))


def test_unreachable_hub_fails_fast_with_a_clear_message(root):
    # Any retry would first wait an hour: finishing at all means it failed at once, not after retries.
    d = WeightsDownloader(f"http://127.0.0.1:{closed_port()}", retry_wait=3600)
    progress = run(d, root)
    assert progress.state == "failed"
    assert "Cannot reach the Hugging Face Hub" in progress.message
    assert "choose a folder that already has the weights" in progress.message


def test_offline_mode_fails_without_touching_the_network(hub, root, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    progress = run(downloader(hub), root)
    assert progress.state == "failed"
    assert "Cannot reach the Hugging Face Hub" in progress.message and "HF_HUB_OFFLINE" in progress.message
    assert hub.seen == []


def test_layout_change_on_the_hub_is_named_and_nothing_is_fetched(hub, root):
    del hub.files["distill_fp8/block_7.safetensors"]
    progress = run(downloader(hub), root)
    assert progress.state == "failed"
    assert "distill_fp8/block_7.safetensors" in progress.message and "layout has changed" in progress.message
    assert hub.file_requests() == []


def test_token_is_asked_for_and_then_used(hub, root):
    hub.token = "hf_test_token"
    refused = run(downloader(hub), root)
    assert refused.state == "failed"
    assert "refused access" in refused.message and "token" in refused.message
    progress = run(downloader(hub), root, token="hf_test_token")
    assert progress.state == "done", progress.message
    assert {s.authorization for s in hub.file_requests()} == {"Bearer hf_test_token"}


def test_int8_set_uses_its_own_folder(hub, root):
    write_set(root, hub.files, "fp8")  # a root can hold both sets: the shared files are not fetched again
    hub.seen.clear()
    progress = run(downloader(hub), root, weight_set="int8")
    assert progress.state == "done", progress.message
    assert all("/distill_int8/" in s.path for s in hub.file_requests())
    assert check_weights(root, "int8").complete and check_weights(root, "fp8").complete


def test_idle_downloader_reports_idle(hub):
    d = downloader(hub)
    assert d.progress().state == "idle"
    assert d.wait(0).state == "idle"
    with pytest.raises(DownloadError, match="Unknown weight set"):
        d.start(Path("x"), "bf16")  # type: ignore[arg-type]


def test_an_unsafe_name_in_the_hub_listing_stops_the_download_before_any_write(hub, root, tmp_path):
    hub.files["google/umt5-xxl/../../escaped.txt"] = b"written outside"
    progress = run(downloader(hub), root)
    assert progress.state == "failed" and "outside the weights folder" in progress.message
    assert hub.file_requests() == [] and not (tmp_path / "escaped.txt").exists()
    assert not root.exists() or not any(root.rglob("*"))


def test_a_network_folder_is_refused_before_the_hub_is_asked(hub):
    with pytest.raises(DownloadError, match="on another computer"):
        downloader(hub).start(Path("//nas/share/models"), "fp8")
    assert hub.seen == []
