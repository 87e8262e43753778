"""The LoRA area: listing with size and rank, the matched-layers report before a job runs, owner-only
folders, and a clip's LoRAs back in the form; plus one page run where a picked LoRA reaches the clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.lora import parse
from backend.settings import Paths
from backend.studio import Studio
from tests.conftest import SMALL
from tests.support.lora_files import make_layers, write_lora
from tests.support.ui_app import running_app
from ui.areas import generate, lora, player
from ui.context import ServerInfo, UiContext

REAL = parse.WAN21_14B


def add(studio: Studio, name: str = "style.safetensors", rank: int = 2) -> Path:
    layers = make_layers(REAL, rank, ("self_attn.v",), blocks=(0, 1))
    return write_lora(studio.paths.lora_dir / name, layers, "peft", "BF16")


def test_listing_and_report(studio: Studio) -> None:
    add(studio)
    (studio.paths.lora_dir / "broken.safetensors").write_bytes(b"PK\x03\x04 not tensors")
    labels = dict((v, k) for k, v in lora.name_choices(studio))
    assert labels["style.safetensors"].endswith("MiB · rank 2")
    assert labels["broken.safetensors"].endswith("⚠️ cannot be used")
    chosen = lora.chosen_value("style.safetensors", None, "broken.safetensors", 0.5, 1.0, -1.0)
    assert chosen == [["style.safetensors", 0.5], ["broken.safetensors", -1.0]]
    text = lora.report_text(studio, chosen)
    assert "✅ **style.safetensors** × 0.5 · matched 2 of 2 layers · rank 2" in text
    assert "⚠️ **broken.safetensors**: broken.safetensors is not a safetensors file (it is a zip archive" in text
    assert lora.report_text(studio, []) == lora.EMPTY


def test_folders_are_shown_to_the_owner_and_added_by_the_owner_only(studio: Studio, tmp_path: Path) -> None:
    ctx = UiContext(studio)
    assert str(studio.paths.lora_dir) in lora.folders_text(studio, remote=False)
    assert str(studio.paths.lora_dir) not in lora.folders_text(studio, remote=True)
    extra = tmp_path / "more"
    extra.mkdir()
    message, folders = lora.add_folder(ctx, str(extra))
    assert "Added" in message and str(extra) in folders
    ctx.set_server(ServerInfo(listen=True))
    other = tmp_path / "other"
    other.mkdir()
    message, _ = lora.add_folder(ctx, str(other))
    assert "Only the owner" in message and other not in studio.lora_folders()
    message, _ = lora.add_folder(UiContext(studio), "not/absolute")
    assert "not a folder" in message


def test_reuse_puts_a_clips_loras_back(studio: Studio) -> None:
    add(studio)
    (job,) = studio.submit("a boat", seed=2, loras=[("style.safetensors", -0.5)], **SMALL)
    done = studio.queue.wait_for(job.id, ("done", "failed"), timeout=60)
    assert done.status == "done", done.error
    values = lora.restore(studio, done.clip_id)
    names = [v["value"] for v in values[:3]]  # type: ignore[index]
    assert names == ["style.safetensors", None, None] and values[3:6] == (-0.5, 1.0, 1.0)
    assert values[6] == [["style.safetensors", -0.5]] and "matched 2 of 2 layers" in str(values[7])
    info = player.details_html(studio.clip(done.clip_id))  # type: ignore[arg-type]
    assert "LoRA style.safetensors × -0.5" in info and "applied to 2 layers" in info


def test_generate_sends_the_picked_loras(studio: Studio) -> None:
    add(studio)
    message, seed, _ = generate.generate(studio, "a boat", "256x256", 5, 3, True, 1, "auto",
                                         [["style.safetensors", 0.7]])
    assert "Queued 1 clip" in message and seed == "3"
    (job,) = studio.jobs()
    assert [(u.name, u.strength) for u in job.request.loras] == [("style.safetensors", 0.7)]
    message, _, _ = generate.generate(studio, "a boat", "256x256", 5, 3, True, 1, "auto",
                                      [["style.safetensors", 9]])
    assert "strength of style.safetensors is 9" in message and len(studio.jobs()) == 1


@pytest.mark.slow
def test_lora_endpoints_on_the_served_page(paths: Paths) -> None:
    with running_app(paths) as app:
        add(app.studio)
        client = app.client()
        listed = client.predict("", "", "", 1.0, 1.0, 1.0, api_name="/lora_list")
        assert "style.safetensors" in str(listed)
        message, _ = client.predict(str(paths.data_dir), api_name="/add_lora_folder")
        assert "Added" in message and paths.data_dir in app.studio.lora_folders()
