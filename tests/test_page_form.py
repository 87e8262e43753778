"""The form's and the Models tab's messages say what is true, once, in the app's words: frames snap, the seed box,
the engine line, the fit badge, the Queued message, repeated clicks, the prompt saved as typed, download size
and state. (The doctor, the gauge, the command line and the README: tests/test_page_messages.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.download import DownloadProgress
from backend.jobs.job import Job, Progress
from backend.jobs.worker import EngineState
from backend.request import FRAMES_MAX, GenerationRequest
from backend.settings import Paths
from backend.studio import Studio
from backend.studio_desk import NO_GPU_FIT
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from ui.areas import generate, models, preset, settings, video
from ui.context import UiContext
from ui.layout import build
from ui.repeat import RepeatGuard

README = Path(__file__).resolve().parent.parent / "README.md"
SKIP = {"__type__": "update"}


def job(status: str = "queued", **changes: object) -> Job:
    request = GenerationRequest(prompt="a fox", width=832, height=480, frames=81, seed=5, preset="auto")
    return Job.new(request).with_(status=status, **changes)


@pytest.fixture
def no_gpu_studio(paths: Paths) -> Studio:
    return Studio(paths, CpuTestEngine(), gpu=FakeGpu(total_mib=None), host_ram=64.0, preload=False)


# ---- frames ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "value", "words"), [
    (0, 5, "Frames go from 5 to 81 here; set to 5."),
    (10000, 81, "Frames go from 5 to 81 here; set to 81."),
    ("lots", 81, "Frames must be a number from 5 to 81; set to 81."),
    (None, 81, "Frames must be a number"),
    (float("nan"), 81, "Frames must be a number"),
])
def test_out_of_range_frames_snap_with_one_message(raw: object, value: int, words: str) -> None:
    count, line = video.snapped(raw, 81)
    assert count == value and line.startswith("⚠️ " + words) and line.count("⚠️") == 1
    assert line.endswith(f"{value} frames = {value / 16:.2f} s at 16 fps")


def test_frames_in_range_snap_quietly() -> None:
    assert video.snapped(50, 81) == (49, "49 frames = 3.06 s at 16 fps")


def test_no_listener_on_frames_raises_gradios_own_range_error(studio: Studio) -> None:
    # A typed 0 or 10000 reached every listener of the slider, and Gradio's preprocessing raised one error
    # toast per listener: each listener reading the frames takes the raw value instead.
    demo = build(UiContext(studio))
    frames = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "wan-frames")
    readers = [fn for fn in demo.fns.values() if any(i is frames for i in fn.inputs)]
    assert len(readers) >= 4
    assert [fn.name for fn in readers if fn.preprocess] == []


def test_frames_slider_limit_follows_preset_and_size(studio: Studio) -> None:
    assert video.frames_limit(studio, "8gb", "832x480") == studio.presets["8gb"].max_frames == 81
    assert video.frames_limit(studio, "12gb", "832x480") == 81
    assert video.frames_limit(studio, "16gb", "832x480") == studio.presets["16gb"].max_frames
    wide = video.frames_limit(studio, "16gb", "1280x720")
    assert wide <= studio.presets["16gb"].max_frames and (wide - 1) % 4 == 0
    assert studio.predict_fit(studio.presets["16gb"], 1280, 720, wide)[0] != "red"
    assert video.frames_limit(studio, "auto", "832x480") == studio.preset_for("auto").max_frames
    assert video.frames_limit(studio, "99gb", "832x480") == FRAMES_MAX  # the badge explains a bad preset


# ---- engine line -------------------------------------------------------------------------------------------
def test_engine_line_follows_the_running_job(studio: Studio, monkeypatch) -> None:
    monkeypatch.setattr(type(studio), "engine_state", property(lambda self: EngineState("loading", "Loading…")))
    stepping = job("running", preset_used="12gb", progress=Progress("denoising", 1, 4, 0.3))
    assert generate.availability_text(studio, stepping) == "🟢 Engine working: model loaded (12gb preset)."
    loading = job("running", progress=Progress("loading"))
    assert "Loading the model" in generate.availability_text(studio, loading)
    assert "Loading the model" in generate.availability_text(studio, None)


# ---- seed --------------------------------------------------------------------------------------------------
def test_seed_box_says_random_unless_locked() -> None:
    assert video.seed_shown(False, "123") == "random"
    assert video.seed_shown(True, "123") == "123"
    fresh = video.seed_shown(True, "random")  # locking shows the seed that will be used
    assert fresh.isdigit()
    assert video.typed_seed("42") == (SKIP, True) and video.typed_seed("random") == (SKIP, False)
    assert video.typed_seed("") == (SKIP, False)


def test_generate_names_the_seed_used_and_keeps_random(studio: Studio) -> None:
    message, shown, queued = generate.generate(studio, "a fox", "256x256", 5, "random", False, 1, "auto")
    (queued_job,) = studio.jobs()
    assert f"seed {queued_job.request.seed}" in message and shown == SKIP and queued == (queued_job.id,)
    message, shown, _ = generate.generate(studio, "a fox", "256x256", 5, "77", True, 2, "auto")
    assert "(seed 77, 78)" in message and shown == "77"


def test_restored_form_shows_random_when_the_seed_was_not_locked(studio: Studio) -> None:
    studio.update_settings(seed=1234, seed_locked=False)
    assert settings.restored(studio)[3:5] == ("random", False)
    studio.update_settings(seed=1234, seed_locked=True)
    assert settings.restored(studio)[3:5] == ("1234", True)


# ---- fit badge ---------------------------------------------------------------------------------------------
def test_fit_badge_without_a_gpu_never_claims_a_fit(no_gpu_studio: Studio) -> None:
    html = preset.describe(no_gpu_studio, "12gb", "832x480", 49)
    assert "wan-fit-unknown" in html and "fits" not in html.replace("whether this fits", "")
    assert NO_GPU_FIT in html
    over = preset.describe(no_gpu_studio, "8gb", "1280x720", 81)  # a preset's own limit holds on any card
    assert "wan-fit-red" in over and "Above this preset's limit" in over


# ---- queued message, repeated clicks, prompt saving ---------------------------------------------------------
def test_queued_message_clears_once_its_jobs_finished() -> None:
    waiting, finished = job("queued"), job("done")
    assert generate.message_after([waiting, finished], (waiting.id, finished.id)) == SKIP
    assert generate.message_after([job("done", id=waiting.id), finished], (waiting.id, finished.id)) == ""
    assert generate.message_after([], ()) == SKIP  # nothing announced: whatever the message says stays


def test_status_clears_the_message_and_forgets_the_jobs(studio: Studio) -> None:
    (done_job,) = studio.submit("a fox", 256, 256, 5, 3)
    studio.queue.wait_for(done_job.id, ("done", "failed"), 60)
    out = generate.status(studio, (done_job.id,))
    assert out[4] == "" and out[5] == ()


def test_repeated_identical_clicks_within_a_second_are_merged(studio: Studio) -> None:
    now = [100.0]
    guard = RepeatGuard(clock=lambda: now[0])
    form = ("a fox", "256x256", 5, "random", False, 1, "auto")
    for _ in range(20):  # a burst: each click 0.1 s after the one before
        message, _, _ = generate.generate(studio, *form, guard=guard)
        now[0] += 0.1
    assert len(studio.jobs()) == 1 and "Already queued" in message
    now[0] += 1.5
    generate.generate(studio, *form, guard=guard)
    changed = ("a fox in snow", *form[1:])
    generate.generate(studio, *changed, guard=guard)
    assert len(studio.jobs()) == 3


def test_a_refused_form_is_not_remembered_as_queued(studio: Studio) -> None:
    guard = RepeatGuard(clock=lambda: 1.0)
    bad = ("   ", "256x256", 5, "random", False, 1, "auto")
    assert "The prompt is empty" in generate.generate(studio, *bad, guard=guard)[0]
    assert "The prompt is empty" in generate.generate(studio, *bad, guard=guard)[0]  # said again, not "queued"


def test_prompt_is_saved_as_it_is_typed(studio: Studio) -> None:
    demo = build(UiContext(studio))
    prompt = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "wan-prompt")
    savers = [d for d in demo.config["dependencies"] if [prompt._id, "change"] in [list(t) for t in d["targets"]]
              and d["inputs"] == [prompt._id] and d["outputs"] == []]
    assert savers, "no listener saves the prompt when it changes"
    settings.remember(studio, "prompt", "typed, never left the box")
    assert studio.settings.prompt == "typed, never left the box"


# ---- Models tab --------------------------------------------------------------------------------------------
def test_models_status_says_the_sets_size_and_the_free_disk(studio: Studio) -> None:
    text = models.status_text(studio, "fp8")
    assert "not downloaded yet" in text
    assert re.search(r"The FP8 set is about \d+ GB; [\d.]+ GB free on its disk\.", text)


def test_an_ended_download_shows_one_sentence_not_zero_bytes() -> None:
    failed = DownloadProgress(state="failed", message="Cannot reach the Hugging Face Hub (offline).", files=(),
                              done_bytes=0, total_bytes=0, speed_bps=0.0, eta_s=None)
    html = models.progress_html(failed)
    assert "Cannot reach the Hugging Face Hub" in html and "0 B of 0 B" not in html and "wan-bar" not in html


def test_offline_download_gives_one_message_and_cancel_only_while_running(paths: Paths, monkeypatch) -> None:
    from tests.support.ui_app import eventually, running_app

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with running_app(paths) as running:
        client = running.client()
        first = client.predict("fp8", api_name="/download_view")
        assert first[0] == "" or "wan-download" not in first[0]
        assert client.predict("fp8", "", api_name="/download_weights") == ""  # no "Download started" with it
        html, _status, message, _decoder = eventually(lambda: (r := client.predict("fp8", api_name="/download_view"))
                                            and "failed" in r[0] and r, timeout=20)
        assert html.count("Hugging Face Hub") == 1 and "0 B of 0 B" not in html and message == ""
        cancel = next(b for b in running.demo.blocks.values()
                      if getattr(b, "elem_id", None) == "wan-download-cancel")
        assert cancel.interactive is False  # drawn off; only a running download turns it on


