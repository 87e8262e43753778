"""The Models tab's entry for the optional TAEHV preview decoder: its line, its download through the one
downloader (against the local fake Hub), and a guest refused on the server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from backend.models import PREVIEW_DECODER_FILE, PREVIEW_DECODER_REPO_ID
from backend.settings import Paths
from tests.conftest import FakeGpu
from tests.support.fake_hub import FakeHub
from tests.support.sessions import call_event, guest_session, outputs, owner_session, refused
from tests.support.ui_app import LaunchOptions, eventually, running_app

pytestmark = pytest.mark.slow  # each test serves the page on a port


def test_models_tab_offers_the_decoder_and_says_what_previews_use(paths: Paths, tmp_path: Path,
                                                                  monkeypatch) -> None:
    held = threading.Event()
    with FakeHub(hold={PREVIEW_DECODER_FILE: held}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with running_app(paths, gpu=FakeGpu()) as app:
            client = app.client()
            owner = owner_session(app)
            _folder, _status, decoder = outputs(call_event(owner, app, "weights_on_load"))
            assert decoder == ("ℹ️ Previews use the quick colour map. Download the TAEHV preview decoder "
                               "(about 23 MB) for sharper ones.")
            message = client.predict("", api_name="/download_preview_decoder")
            assert "Downloading the preview decoder" in message
            assert "The TAEHV preview decoder is already downloading." in client.predict(
                "", api_name="/download_preview_decoder")
            held.set()
            done = eventually(lambda: (r := client.predict("fp8", api_name="/download_view"))
                              and "wan-download-done" in r[0] and r, timeout=30)
            folder = app.studio.weights_dir() / "taehv"
            assert "The TAEHV preview decoder is present in" in done[0]
            assert done[-1] == (f"✅ Sharper previews are on: the TAEHV preview decoder in {folder} decodes each "
                               "step's preview. The finished clip is always decoded by the full VAE.")
            assert (folder / PREVIEW_DECODER_FILE).read_bytes() == hub.others[PREVIEW_DECODER_REPO_ID][
                PREVIEW_DECODER_FILE]
            (folder / PREVIEW_DECODER_FILE).write_bytes(b"PK")  # damaged later: the line says so, in words
            assert outputs(call_event(owner, app, "decoder_status_view"))[0].startswith(
                f"⚠️ The TAEHV preview decoder in {folder} is damaged (2 bytes on disk, ")


def test_a_guest_cannot_start_the_decoder_download(paths: Paths, monkeypatch) -> None:
    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with running_app(paths, options=LaunchOptions(listen=True)) as app:
            guest = guest_session(app)
            assert refused(call_event(guest, app, "download_preview_decoder", [""]))
            assert app.studio.download_progress().state == "idle" and hub.seen == []
            assert refused(call_event(guest, app, "decoder_status_view", []))
