"""The page through gradio_client, against the real app on a free port with the CPU test engine."""

from __future__ import annotations

import re
import threading

import pytest

from backend.settings import Paths
from tests.support.cpu_engine import CpuTestEngine
from tests.support.stage_hold import HoldingEngine
from tests.support.ui_app import eventually, running_app
from ui.areas.generate import status
from ui.labels import label

pytestmark = pytest.mark.slow  # each test serves the page on a port (the quick loop leaves them out)

FORM = {"size": "832x480", "frames": 5, "seed": 0, "seed_lock": False, "count": 1, "preset": "auto"}
STAGE = re.compile(r'class="wan-stage">([^<]+)<')


def generate(client, prompt: str, **changes):
    form = {**FORM, **changes}
    return client.predict(prompt, form["size"], form["frames"], form["seed"], form["seed_lock"], form["count"],
                          form["preset"], api_name="/generate")


def stage_of(progress_html: str) -> str:
    match = STAGE.search(progress_html)
    assert match, progress_html
    return match.group(1)


def test_generate_progress_gallery_and_show(paths: Paths) -> None:
    engine = HoldingEngine(hold_at=("denoising", 1))
    with running_app(paths, engine) as app:
        client = app.client()
        message, seed = generate(client, "a red fox in snow")
        (job,) = app.studio.jobs()
        assert f"Queued 1 clip (seed {job.request.seed})" in message  # the drawn seed is named
        assert seed == {"__type__": "update"}  # unlocked: the seed box keeps saying "random"

        seen: list[str] = []
        for next_hold in (("denoising", 3), None):  # the page at step 1, then at step 3, then after the end
            assert engine.reached.wait(30)
            seen.append(stage_of(client.predict(api_name="/progress")[0]))
            held, engine.release = engine.release, threading.Event()
            engine.reached.clear()
            engine.hold_at = next_hold
            held.set()
        assert app.studio.wait_for_job(job.id, timeout=60).status == "done"
        assert seen[0].startswith("Step 1 of 4 · ") and seen[1].startswith("Step 3 of 4 · "), seen
        percents = [int(s.rsplit("·", 1)[1].strip(" %")) for s in seen]
        assert percents[1] > percents[0] > 0
        assert "Nothing is running" in stage_of(client.predict(api_name="/progress")[0])

        grid, shown = client.predict(None, None, api_name="/gallery_view")
        (clip,) = app.studio.clips()
        assert f'data-clip="{clip.id}"' in grid and "a red fox in snow" in grid
        assert shown == clip.id  # the newest clip goes to the player by itself
        video, info, download = client.predict(clip.id, api_name="/show_clip")
        assert video["path"].endswith(f"{clip.id}.mp4") and "/gradio_api/file=" in video["url"]
        assert "a red fox in snow" in info and f"seed {job.request.seed}" in info
        assert download["value"]["path"].endswith(f"{clip.id}.mp4")


def test_reuse_settings_returns_the_clips_values(paths: Paths) -> None:
    with running_app(paths) as app:
        (job,) = app.studio.submit("a hummingbird at a flower", 480, 832, 9, 1234, "12gb")
        assert app.studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
        clip = app.studio.clips()[0]
        prompt, size, frames, seed, lock, preset, message = app.client().predict(clip.id, api_name="/reuse_settings")
        assert (prompt, size["value"], frames, seed, lock, preset) == (
            "a hummingbird at a flower", "480x832", 9, "1234", True, "12gb")
        assert "seed locked" in message
        # A clip made elsewhere at an untrained size adds that size to the choices instead of losing it.
        (odd,) = app.studio.submit("small", 256, 256, 5, 7, "auto")
        app.studio.queue.wait_for(odd.id, ("done",), 60)
        small = next(c for c in app.studio.clips() if c.request and c.request.width == 256)
        size = app.client().predict(small.id, api_name="/reuse_settings")[1]
        assert size["value"] == "256x256" and ["256×256 · " + label("size.from_clip"), "256x256"] in size["choices"]
        missing = app.client().predict("no-such-clip", api_name="/reuse_settings")[-1]
        assert "There is no clip named" in missing


def test_cancel_running_and_queued_then_requeue(paths: Paths) -> None:
    gate = threading.Event()  # closed: the first job stays in its first stage
    with running_app(paths, CpuTestEngine(gate=gate)) as app:
        client = app.client()
        message, _ = generate(client, "two clips", count=2, seed=10, seed_lock=True)
        assert "Queued 2 clips (seed 10, 11)" in message
        first, second = app.studio.jobs()
        app.studio.queue.wait_for(first.id, ("running",), 10)

        table = client.predict(api_name="/queue_view")
        assert f'data-act="cancel" data-job="{first.id}"' in table and f'data-job="{second.id}"' in table
        assert "queued" in table and "running" in table

        assert "Cancelled before it started" in client.predict(second.id, api_name="/cancel_job")
        assert app.studio.queue.get(second.id).status == "cancelled"
        assert "Cancelling" in client.predict(api_name="/cancel_running")
        assert app.studio.queue.wait_for(first.id, ("cancelled", "failed", "done"), 30).status == "cancelled"
        assert app.studio.clips() == []
        assert "Nothing is running" in client.predict(api_name="/cancel_running")
        assert "already cancelled" in client.predict(second.id, api_name="/cancel_job")

        gate.set()
        assert "Queued again with seed 11" in client.predict(second.id, api_name="/requeue_job")
        again = next(j for j in app.studio.jobs() if j.id not in (first.id, second.id))
        assert app.studio.queue.wait_for(again.id, ("done", "failed"), 60).status == "done"
        assert "Only failed, cancelled or interrupted" in client.predict(again.id, api_name="/requeue_job")


def test_bad_request_gives_its_message_and_queues_nothing(paths: Paths) -> None:
    with running_app(paths) as app:
        client = app.client()
        message, seed = generate(client, "a fox", frames=80)
        assert "The frame count 80 is not allowed" in message and "4k+1" in message
        assert seed == {"__type__": "update"}  # the form's seed is left as it was
        message, _ = generate(client, "   ")
        assert "The prompt is empty" in message and "Describe the video" in message
        message, _ = generate(client, "a fox", frames=121, preset="8gb")
        assert "allows at most" in message and "Choose fewer frames or a bigger preset" in message
        assert "Pick a job first" in client.predict(None, api_name="/cancel_job")
        assert "There is no job" in client.predict("nope", api_name="/cancel_job")
        assert app.studio.jobs() == []
        assert "Traceback" not in message


def test_engine_unavailable_disables_generate_but_the_rest_works(paths: Paths) -> None:
    reason = "No NVIDIA GPU with CUDA was found (test)."
    with running_app(paths, CpuTestEngine(unavailable=reason)) as app:
        client = app.client()
        progress, availability, _message = client.predict(api_name="/progress")  # buttons are not part of the API
        assert reason in availability and "Generate is off" in availability
        assert status(app.studio)[2]["interactive"] is False
        message, _ = generate(client, "a fox")
        assert reason in message and app.studio.jobs() == []
        assert "Nothing is running" in progress
        grid, _ = client.predict(None, None, api_name="/gallery_view")
        assert "No clips yet" in grid


def test_second_tab_sees_the_same_queue_and_gallery(paths: Paths) -> None:
    gate = threading.Event()
    with running_app(paths, CpuTestEngine(gate=gate)) as app:
        first_tab, second_tab = app.client(), app.client()
        generate(first_tab, "shared job")
        (job,) = app.studio.jobs()
        table = second_tab.predict(api_name="/queue_view")
        assert f'data-act="cancel" data-job="{job.id}"' in table
        gate.set()
        app.studio.queue.wait_for(job.id, ("done",), 60)
        grid, _ = second_tab.predict(None, None, api_name="/gallery_view")
        assert f'data-clip="{app.studio.clips()[0].id}"' in grid


def test_form_and_gallery_survive_a_restart(paths: Paths) -> None:
    with running_app(paths) as app:
        generate(app.client(), "remember me", size="1280x720", frames=9, seed=77, seed_lock=True, preset="16gb")
        job = app.studio.jobs()[0]
        app.studio.queue.wait_for(job.id, ("done", "failed"), 60)
        clip_id = app.studio.clips()[0].id
    with running_app(paths) as app:
        prompt, size, frames, seed, lock, preset, low_ram, *guests = app.client().predict(api_name="/restore_form")
        assert (prompt, size["value"], frames, seed, lock, preset, low_ram, guests) == (
            "remember me", "1280x720", 9, "77", True, "16gb", "auto", [False, False])
        grid, _ = app.client().predict(None, None, api_name="/gallery_view")
        assert f'data-clip="{clip_id}"' in grid


def test_delete_clip_and_open_folder(paths: Paths, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("ui.areas.player.open_folder", lambda folder: opened.append(str(folder)))
    with running_app(paths) as app:
        (job,) = app.studio.submit("to delete", 832, 480, 5, 3, "auto")
        app.studio.queue.wait_for(job.id, ("done",), 60)
        clip = app.studio.clips()[0]
        client = app.client()
        assert "Opened" in client.predict(api_name="/open_clips_folder")
        assert opened == [str(paths.clips_dir)]
        message, shown = client.predict(clip.id, api_name="/delete_clip")
        assert "Deleted" in message and shown == "" and app.studio.clips() == []
        assert "No clips yet" in client.predict(None, None, api_name="/gallery_view")[0]
        assert not clip.path.exists() and not (paths.clips_dir / f"{clip.id}.poster.jpg").exists()
        assert "There is no clip" in client.predict(clip.id, api_name="/delete_clip")[0]


def test_a_failed_job_shows_its_reason_and_can_be_requeued(paths: Paths) -> None:
    from backend.errors import EngineUnavailable

    engine = CpuTestEngine(fail_with=EngineUnavailable("The engine could not start.", "Reinstall it."))
    with running_app(paths, engine) as app:
        client = app.client()
        generate(client, "doomed")
        (job,) = app.studio.jobs()
        assert app.studio.queue.wait_for(job.id, ("failed", "done"), 30).status == "failed"
        progress = client.predict(api_name="/progress")[0]
        assert "The last job failed: The engine could not start. Reinstall it." in progress
        assert "The engine could not start." in client.predict(api_name="/queue_view")
        engine.fail_with = None
        client.predict(job.id, api_name="/requeue_job")
        again = next(j for j in app.studio.jobs() if j.id != job.id)
        assert app.studio.queue.wait_for(again.id, ("done", "failed"), 60).status == "done"


def test_free_gpu_button_unloads_the_model_and_says_so(paths: Paths) -> None:
    engine = CpuTestEngine()
    with running_app(paths, engine) as app:
        client = app.client()
        assert "nothing to free" in client.predict(api_name="/free_gpu")
        (job,) = app.studio.submit("load the model", 256, 256, 5, 3)
        assert app.studio.queue.wait_for(job.id, ("done", "failed"), 60).status == "done"
        assert not engine.unloaded.is_set()
        assert "Unloading the model" in client.predict(api_name="/free_gpu")
        assert engine.unloaded.wait(60), "the worker never unloaded the model"
        assert engine._key is None
        eventually(lambda: "Model unloaded" in client.predict(api_name="/progress")[1])  # set just after unload()
