"""The optional TAEHV preview decoder's files: the downloader's second file set (another Hub repository, its
own folder and manifest) against the local fake Hub, the check that decides whether previews may use it, and
`app.py weights download|verify --set taehv`."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from backend.download import PARTIAL_SUFFIX, WeightsDownloader
from backend.i18n import Said, data_size
from backend.models import (
    MANIFEST_FILE,
    PREVIEW_DECODER,
    PREVIEW_DECODER_FILE,
    PREVIEW_DECODER_REPO_ID,
    check_weights,
    required_files,
    write_manifest,
)
from backend.preview.decoder import decoder_status
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.fake_hub import FakeHub, hub_facts

WAIT_S = 20


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as h:
        yield h


def decoder_bytes(hub: FakeHub) -> bytes:
    return hub.others[PREVIEW_DECODER_REPO_ID][PREVIEW_DECODER_FILE]


def fetch_decoder(hub: FakeHub, weights: Path):
    d = WeightsDownloader(hub.url, retry_wait=0.02)
    d.start(weights, PREVIEW_DECODER)
    progress = d.wait(WAIT_S)
    assert progress.state not in ("checking", "downloading", "verifying"), "the download did not finish in time"
    return progress


def test_the_decoder_comes_from_its_own_repository_into_its_own_folder(hub: FakeHub, tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    progress = fetch_decoder(hub, weights)
    assert progress.state == "done", progress.message
    folder = weights / "taehv"
    assert progress.message.startswith(f"The TAEHV preview decoder is present in {folder}. Downloaded ")
    assert (folder / PREVIEW_DECODER_FILE).read_bytes() == decoder_bytes(hub)
    fetched = [s.path for s in hub.file_requests()]
    assert fetched == [f"/{PREVIEW_DECODER_REPO_ID}/resolve/{fetched[0].split('/')[4]}/{PREVIEW_DECODER_FILE}"]
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["repo_id"] == PREVIEW_DECODER_REPO_ID and list(manifest["files"]) == [PREVIEW_DECODER_FILE]
    assert not (weights / MANIFEST_FILE).exists()  # the model's manifest (another repository) is not touched
    assert decoder_status(weights, verify=True).usable
    assert not check_weights(weights, "fp8").complete  # the decoder is no part of the model's set


def test_a_cut_connection_resumes_and_a_corrupted_decoder_is_named(hub: FakeHub, tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    size = len(decoder_bytes(hub))
    hub.cut_after[PREVIEW_DECODER_FILE] = size // 2
    assert fetch_decoder(hub, weights).state == "done"
    assert [s.range_start for s in hub.file_requests(PREVIEW_DECODER_FILE)][-1] >= size // 2 - 4096
    (weights / "taehv" / PREVIEW_DECODER_FILE).unlink()
    hub.corrupt.add(PREVIEW_DECODER_FILE)
    progress = fetch_decoder(hub, weights)
    assert progress.state == "failed" and PREVIEW_DECODER_FILE in progress.message and "checksum" in progress.message
    assert not (weights / "taehv" / PREVIEW_DECODER_FILE).exists()
    assert not list(weights.rglob("*" + PARTIAL_SUFFIX))


def test_status_absent_ready_damaged_in_the_apps_words(tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    absent = decoder_status(weights)
    assert absent.state == "absent" and not absent.usable and absent.job_note() is None
    assert absent.summary() == ("Previews use the quick colour map. Download the TAEHV preview decoder "
                                "(about 23 MB) for sharper ones.")
    folder = weights / "taehv"
    folder.mkdir(parents=True)
    data = b"PK\x03\x04" + bytes(range(200))
    (folder / PREVIEW_DECODER_FILE).write_bytes(data)  # copied by hand: no manifest, so any non-empty file
    assert decoder_status(weights).usable
    write_manifest(folder, "rev", hub_facts({PREVIEW_DECODER_FILE: data}).values(), PREVIEW_DECODER_REPO_ID)
    ready = decoder_status(weights, verify=True)
    assert ready.usable and "decodes each step's preview" in ready.summary() and "full VAE" in ready.summary()
    (folder / PREVIEW_DECODER_FILE).write_bytes(data[:100])  # cut short
    damaged = decoder_status(weights)
    assert damaged.state == "damaged" and not damaged.usable
    assert damaged.summary() == (f"The TAEHV preview decoder in {folder} is damaged (100 bytes on disk, 204 "
                                 "expected), so previews use the quick colour map. Download it again in the "
                                 "Models tab (it resumes).")
    assert damaged.job_note() == ("Previews used the quick colour map: the TAEHV preview decoder is damaged "
                                  "(100 bytes on disk, 204 expected). Download it again in the Models tab "
                                  "(it resumes).")
    note = damaged.job_note()
    assert isinstance(note, Said)
    assert note.said.text("zh") == ("预览使用了快速色彩映射：TAEHV 预览解码器已损坏（100 bytes on disk, 204 "
                                    "expected）。请在“模型”页重新下载（会断点续传）。")
    assert (folder / PREVIEW_DECODER_FILE).read_bytes() == data[:100]  # nothing is removed by looking
    (folder / PREVIEW_DECODER_FILE).write_bytes(bytes(204))  # right size, wrong content
    assert decoder_status(weights).usable and not decoder_status(weights, verify=True).usable


def test_cli_downloads_and_verifies_the_decoder(paths: Paths, hub: FakeHub, tmp_path: Path) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False,
                    downloader=WeightsDownloader(hub.url, retry_wait=0.02))
    folder = tmp_path / "models"
    folder.mkdir()

    def weights(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return app.run_weights(studio, app.parse_args(["weights", *argv]), out), out.getvalue()

    code, text = weights("verify", "--set", "taehv", "--folder", str(folder))
    assert text.startswith("Looking for the files of the TAEHV preview decoder…\n")
    assert code == 1 and f"The TAEHV preview decoder ({PREVIEW_DECODER_FILE}) is not in {folder / 'taehv'}" in text
    code, text = weights("download", "--set", "taehv", "--folder", str(folder))
    assert code == 0, text
    assert text.rstrip().splitlines()[-1].startswith(f"The TAEHV preview decoder is present in {folder / 'taehv'}.")
    assert all("/resolve/" not in s.path or PREVIEW_DECODER_REPO_ID in s.path for s in hub.seen)
    assert not any((folder / rel).exists() for rel in required_files("fp8"))  # only the decoder came
    code, text = weights("verify", "--set", "taehv")
    assert code == 0
    size = data_size((folder / "taehv" / PREVIEW_DECODER_FILE).stat().st_size)
    assert text.splitlines()[0] == (f"Checking every file of the TAEHV preview decoder ({size}, read in full: "
                                    "about 1 s)…")
    assert text.splitlines()[-1] == f"The TAEHV preview decoder is present and verified in {folder / 'taehv'}."
    assert studio.preview_decoder_status().usable
