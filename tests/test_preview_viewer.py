"""The preview area shows a guest only jobs whose prompt that guest may read, and never a file address."""

from __future__ import annotations

from backend.access import OWNER, Viewer
from backend.studio import Studio
from tests.conftest import SMALL
from ui.areas.preview import empty, refresh


def test_a_guest_sees_no_preview_or_clip_of_the_owners_job(studio: Studio) -> None:
    (job,) = studio.submit("the owner's private fox", seed=3, **SMALL)
    done = studio.queue.wait_for(job.id, ("done",), 60)
    assert done.clip_id
    guest = Viewer.guest("g1")

    html, _ = refresh(studio, "", guest)
    assert html == empty("en")
    owner_html, _ = refresh(studio, "", OWNER)
    assert isinstance(owner_html, str) and "/gradio_api/file=" in owner_html

    studio.update_settings(guests_see_prompts=True)  # the owner lets guests follow every job
    shown, _ = refresh(studio, "", guest)
    assert isinstance(shown, str) and f'data-job="{job.id}"' in shown
    assert str(studio.paths.data_dir) not in shown and "/gradio_api/file=" not in shown
