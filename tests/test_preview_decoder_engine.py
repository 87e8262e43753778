"""Which decoder makes the previews, in the adapter against the recording LightX2V fake: the TAEHV preview
decoder when its file is there and sound (previews only: the clip is the full VAE's), else the colour map,
with a note in the job's record when the file was there but could not be used. Nothing is lost either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend.engine.base import CancelToken, RenderExtras
from backend.engine.lightx2v import LightX2VEngine
from backend.engine.lightx2v_tiny import shrink_decoded, shrink_factor
from backend.models import PREVIEW_DECODER_FILE, PREVIEW_DECODER_REPO_ID, write_manifest
from backend.preview.latent_rgb import decoded_to_rgb
from backend.request import build_request
from tests.support.fake_hub import TORCH_ZIP_MAGIC, hub_facts
from tests.support.fake_lightx2v import OutOfMemoryError, Recorder, tiny_vae_class
from tests.test_lightx2v_adapter import config, kwargs_of, rec, weights
from tests.test_lightx2v_preview import Taken

__all__ = ["rec", "weights"]  # fixtures

DECODER = TORCH_ZIP_MAGIC + bytes(range(256)) * 8


def place_decoder(weights: Path, data: bytes = DECODER, manifest: bytes | None = DECODER) -> Path:
    """The decoder's file as a download leaves it; `manifest` is what the Hub said the file was."""
    folder = weights / "taehv"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PREVIEW_DECODER_FILE).write_bytes(data)
    if manifest is not None:
        write_manifest(folder, "rev", hub_facts({PREVIEW_DECODER_FILE: manifest}).values(), PREVIEW_DECODER_REPO_ID)
    return folder / PREVIEW_DECODER_FILE


def render(engine: LightX2VEngine, weights: Path, taken: Taken | None, **extras: object):
    request = build_request("a cat", 256, 256, 9, seed=5)
    return engine.render(request, config(weights), lambda e: None, CancelToken(),
                         extras=RenderExtras(previews=taken, **extras))  # type: ignore[arg-type]


def test_the_decoder_makes_sharper_previews_and_the_clip_stays_the_full_vaes(rec: Recorder, weights: Path) -> None:
    path = place_decoder(weights)
    engine = LightX2VEngine()
    taken = Taken()
    out = render(engine, weights, taken)
    assert kwargs_of(rec, "WanVAE_tiny") == [{"vae_path": str(path), "need_scaled": False}]
    assert kwargs_of(rec, "tiny_vae_to") == ["cuda"]
    assert [o[0] for o in taken.offers] == [1, 2, 3, 4] and all(o[3] for o in taken.offers)
    assert kwargs_of(rec, "tiny_vae_decode") == [(16, 3, 32, 32)] * 4
    clean = rec.pipelines[-1].runner.model.scheduler.clean
    expected = decoded_to_rgb(np.repeat(np.repeat(np.tanh(clean[:3]), 4, axis=2), 4, axis=3))
    for _, _, fetch, _ in taken.offers:
        frames = fetch()  # one frame per latent frame, half the clip's size
        assert frames.shape == (3, 128, 128, 3) and frames.dtype == np.uint8
        np.testing.assert_allclose(frames, expected, atol=1)
    # The clip: the runner's own (full) VAE, and nothing of the tiny one in the runner's or pipeline's config.
    assert kwargs_of(rec, "run_vae_decoder") == [False] and len(out.rgb()) == 9
    runner = rec.pipelines[-1].runner
    assert not {"use_tae", "tae_path", "need_scaled"} & (set(runner.config) | set(rec.pipelines[-1]._attrs))
    assert out.info.notes == ()
    # Warm: the next job keeps the decoder; a draft's one preview is a sharp one too.
    draft = Taken()
    render(engine, weights, draft, stop_after_step=1)
    assert len(kwargs_of(rec, "WanVAE_tiny")) == 1 and [(o[0], o[3]) for o in draft.offers] == [(1, True)]


def test_previews_draw_no_progress_bar_on_the_console(rec: Recorder, weights: Path, capfd) -> None:
    """TAEHV's tqdm bar, on by default in WanVAE_tiny.decode, would be drawn at every preview, into
    `app.py generate`'s own bar: the decoder is built with it off, and decodes the same frames."""
    path = place_decoder(weights)
    as_built = tiny_vae_class(Recorder())(vae_path=str(path))  # upstream's default, as the fake draws it
    assert as_built.decode(np.zeros((16, 3, 4, 4), dtype=np.float32)).shape == (1, 3, 9, 32, 32)
    assert "100%|" in capfd.readouterr().err
    taken = Taken()
    render(LightX2VEngine(), weights, taken)
    assert len(taken.offers) == 4 and all(o[3] for o in taken.offers)
    assert kwargs_of(rec, "taehv_decode_video") == [{"parallel": False, "show_progress_bar": False}] * 4
    assert not kwargs_of(rec, "taehv_bar") and "100%|" not in capfd.readouterr().err


def test_without_the_file_previews_use_the_colour_map_and_say_nothing(rec: Recorder, weights: Path) -> None:
    taken = Taken()
    out = render(LightX2VEngine(), weights, taken)
    assert [o[3] for o in taken.offers] == [False] * 4 and taken.offers[0][2]().shape == (16, 3, 32, 32)
    assert not kwargs_of(rec, "WanVAE_tiny") and out.info.notes == ()


def test_no_previews_asked_no_decoder_built(rec: Recorder, weights: Path) -> None:
    place_decoder(weights)
    render(LightX2VEngine(), weights, None)
    assert not kwargs_of(rec, "WanVAE_tiny") and not kwargs_of(rec, "tiny_vae_decode")


@pytest.mark.parametrize(("data", "manifest", "says"), [
    (DECODER[:100], DECODER, "is damaged (100 bytes on disk, 2,052 expected)"),
    (bytes(len(DECODER)), DECODER, "is damaged (the content does not match the Hub's checksum)"),
    (b"not a torch file", None, "taew2_1.pth could not be loaded (RuntimeError: PytorchStreamReader failed"),
], ids=["cut short", "wrong content", "unreadable"])
def test_a_damaged_file_falls_back_to_the_colour_map_with_a_note(rec: Recorder, weights: Path, data: bytes,
                                                                 manifest: bytes | None, says: str) -> None:
    path = place_decoder(weights, data, manifest)
    engine = LightX2VEngine()
    taken = Taken()
    out = render(engine, weights, taken)
    assert [o[3] for o in taken.offers] == [False] * 4 and len(out.rgb()) == 9  # previews and the clip go on
    (note,) = out.info.notes
    assert note.startswith("Previews used the quick colour map: the TAEHV preview decoder") and says in note
    assert note.endswith("Download it again in the Models tab (it resumes).")
    assert path.read_bytes() == data  # nothing removed
    built = len(kwargs_of(rec, "WanVAE_tiny"))
    assert render(engine, weights, Taken()).info.notes == (note,)  # said again, the file is not read again
    assert len(kwargs_of(rec, "WanVAE_tiny")) == built
    place_decoder(weights)  # downloaded again: used from the next job on
    again = Taken()
    assert render(engine, weights, again).info.notes == () and all(o[3] for o in again.offers)


def test_a_decoder_failing_mid_job_hands_over_to_the_colour_map(rec: Recorder, weights: Path) -> None:
    place_decoder(weights)
    rec.tiny_decode_error = OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
    taken = Taken()
    out = render(LightX2VEngine(), weights, taken)
    assert [o[3] for o in taken.offers] == [False] * 4 and len(kwargs_of(rec, "tiny_vae_decode")) == 1
    assert out.info.notes == ("Previews switched to the quick colour map after the TAEHV preview decoder failed "
                              "(OutOfMemoryError: CUDA out of memory. Tried to allocate 1.00 GiB). The clip is "
                              "not affected.",)
    assert len(out.rgb()) == 9


def test_shrink_keeps_one_frame_per_latent_frame_with_a_long_side_of_at_most_448() -> None:
    video = np.arange(1 * 3 * 9 * 8 * 8, dtype=np.float32).reshape(1, 3, 9, 8, 8)
    small = shrink_decoded(video)
    assert small.shape == (3, 3, 4, 4)
    np.testing.assert_allclose(small[:, 1], video[0, :, 4].reshape(3, 4, 2, 4, 2).mean((2, 4)))
    sizes = {(h, w): (h // shrink_factor(h, w), w // shrink_factor(h, w))
             for h, w in ((480, 832), (832, 480), (720, 1280), (1280, 720), (4096, 4096))}
    assert sizes == {(480, 832): (240, 416), (832, 480): (416, 240), (720, 1280): (180, 320),
                     (1280, 720): (320, 180), (4096, 4096): (512, 512)}
    frames = decoded_to_rgb(np.array([[[[-1.0, 0.0, 1.0, 2.0]]]] * 3, dtype=np.float32))
    assert frames.shape == (1, 1, 4, 3) and frames[0, 0, :, 0].tolist() == [0, 127, 255, 255]


def test_the_engines_note_reaches_the_job_and_the_clip(paths) -> None:
    from dataclasses import replace

    from backend.studio import Studio
    from tests.conftest import SMALL, FakeGpu
    from tests.support.cpu_engine import CpuTestEngine

    note = "Previews used the quick colour map: the TAEHV preview decoder is damaged (x). Download it again."

    class NotingEngine(CpuTestEngine):
        def render(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            out = super().render(*args, **kwargs)
            out.info = replace(out.info, notes=(note,))
            return out

    studio = Studio(paths, NotingEngine(), gpu=FakeGpu(), host_ram=64.0)
    studio.start()
    try:
        (job,) = studio.submit("a fox", seed=3, **SMALL)
        done = studio.queue.wait_for(job.id, ("done", "failed"), 60)
        assert done.status == "done" and done.notes == (note,)
        assert studio.clip(done.clip_id or "").record.notes == (note,)
    finally:
        studio.stop()
