"""Posters and the clips grid: one JPEG per clip cut once with the bundled ffmpeg, kept beside the clip, made
again when missing or older than the clip; the grid is newest first, captions are plain text, an empty
grid says what to do, and the grid is sent only when something changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from backend.access import OWNER
from backend.gallery import Gallery
from backend.posters import PosterMaker, make_poster, poster_path
from backend.records import ClipRecord
from backend.request import build_request
from backend.studio import Studio
from ui.areas import gallery

JPEG = b"\xff\xd8"


def clip_file(folder: Path, name: str = "clip", frames: int = 17) -> Path:
    """A real encoded mp4 of moving bars (frames at 16 fps)."""
    from backend.video import write_mp4

    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(frames, dtype=np.int32)[:, None, None, None]
    x = np.arange(128, dtype=np.int32)[None, None, :, None]
    video = ((x + 8 * t + np.zeros((1, 64, 1, 3), dtype=np.int32)) % 256).astype(np.uint8)
    path = folder / f"{name}.mp4"
    write_mp4(video, path, 16, {})
    return path


def save_clip(g: Gallery, clip_id: str, prompt: str, created_at: float) -> None:
    frames = np.zeros((5, 64, 64, 3), dtype=np.uint8)
    g.save(clip_id, frames, 16, ClipRecord(request=build_request(prompt, 256, 256, 5, 7), created_at=created_at))


def test_a_poster_is_cut_once_in_the_background_and_kept_beside_the_clip(tmp_path: Path) -> None:
    clip = clip_file(tmp_path)
    maker = PosterMaker()
    assert maker.poster(clip) is None  # never waits for ffmpeg: asked for, made on the poster thread
    assert maker.wait_idle()
    poster = maker.poster(clip)
    assert poster == poster_path(clip) == tmp_path / "clip.poster.jpg"
    assert poster is not None and poster.read_bytes()[:2] == JPEG
    made = maker.made
    assert maker.poster(clip) == poster and maker.wait_idle() and maker.made == made  # not cut again


def test_a_missing_or_older_poster_is_made_again(tmp_path: Path) -> None:
    clip = clip_file(tmp_path)
    maker = PosterMaker()
    first = make_poster(clip)
    first.unlink()  # deleted by hand
    assert maker.poster(clip) is None and maker.wait_idle() and first.is_file()
    old = time.time() - 60
    os.utime(first, (old, old))  # the clip was replaced after its poster was cut
    assert maker.poster(clip) is None and maker.wait_idle()
    assert first.stat().st_mtime >= clip.stat().st_mtime and maker.poster(clip) == first


def test_a_clip_shorter_than_the_poster_time_gives_its_first_frame(tmp_path: Path) -> None:
    clip = clip_file(tmp_path, frames=5)  # 0.31 s: nothing half a second in
    assert make_poster(clip).read_bytes()[:2] == JPEG


def test_a_clip_ffmpeg_cannot_read_gets_no_poster_and_is_not_retried(tmp_path: Path, caplog) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    maker = PosterMaker()
    assert maker.poster(broken) is None and maker.wait_idle()
    assert not poster_path(broken).exists() and "No poster for broken.mp4" in caplog.text
    assert maker.poster(broken) is None and maker.wait_idle() and caplog.text.count("No poster for") == 1
    assert not list(tmp_path.glob(".*.tmp"))  # the half-written file is gone too


def test_deleting_a_clip_deletes_its_poster(studio: Studio) -> None:
    save_clip(studio.gallery, "c-1", "a fox", 1.0)
    clip = studio.clip("c-1")
    assert studio.poster(clip) is None and studio.posters.wait_idle()
    assert studio.poster(clip) is not None
    studio.delete_clip("c-1")
    assert not poster_path(clip.path).exists() and not clip.path.exists()


def test_grid_is_newest_first_plain_text_and_sent_only_when_it_changed(studio: Studio) -> None:
    html, show, key = gallery.refresh(studio, None, None, OWNER)
    assert 'class="wan-empty"' in html and "press Generate" in html and show == ""  # says what to do
    assert f'data-key="{key}"' in html  # the page sends back the key of what it shows
    save_clip(studio.gallery, "c-old", "an old fox", 1.0)
    save_clip(studio.gallery, "c-new", "*slow* <img src=x onerror=alert(1)>", 2.0)
    html, show, key = gallery.refresh(studio, None, key, OWNER)
    assert isinstance(html, str) and html.index('data-clip="c-new"') < html.index('data-clip="c-old"')
    assert show == "c-new"  # the newest clip plays by itself
    assert "&lt;img src=x" in html and "<img src=x" not in html and "*slow*" in html  # plain text
    assert "seed 7 · 256×256 · 0.3 s" in html and 'class="wan-card-wait"' in html  # posters still being made
    again = gallery.refresh(studio, "c-old", key, OWNER)
    assert again[0] == {"__type__": "update"} and again[1] == {"__type__": "update"} and again[2] == key
    assert studio.posters.wait_idle()
    html, show, key = gallery.refresh(studio, "c-old", key, OWNER)  # posters ready: drawn again, pick kept
    assert html.count('src="poster/') == 2 and str(studio.paths.data_dir) not in html
    assert show == {"__type__": "update"}


def test_the_grid_route_draws_the_timers_grid_in_the_pages_language(studio: Studio) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from ui.grid_route import grid_routes

    save_clip(studio.gallery, "c-1", "a fox <b>bold</b>", 1.0)
    studio.poster(studio.clip("c-1"))
    assert studio.posters.wait_idle()
    client = TestClient(Starlette(routes=grid_routes(studio)))  # no login on this server: the owner
    chosen = client.get("/grid?lang=zh", headers={"accept-language": "en-US"})
    assert chosen.status_code == 200 and chosen.headers["cache-control"] == "no-store"
    assert chosen.text == gallery.view(studio, OWNER, "zh").html and "种子 7" in chosen.text
    assert "a fox &lt;b&gt;" in chosen.text and 'data-key="' in chosen.text
    auto = client.get("/grid?lang=auto", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert auto.text == chosen.text  # "auto": the browser's language
    assert client.get("/grid", headers={"accept-language": "en"}).text == gallery.view(studio, OWNER, "en").html
    html, _, key = gallery.refresh(studio, None, None, OWNER, "zh")
    assert html == chosen.text and gallery.refresh(studio, "c-1", key, OWNER, "zh")[0] == {"__type__": "update"}
