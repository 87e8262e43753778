"""The gallery area: finished clips as a grid of posters, newest first, kept across restarts.

Each card shows the clip's poster (made once by the Studio, beside the clip) and a caption: the prompt's
start, seed, size and length. Picking a card plays it in the player; a newly finished clip plays by itself.
The grid is sent only when the list of clips (or of posters ready) changed. Each viewer sees the clips the
Studio's `clips_for` gives them; a poster's address names the clip, never a folder (ui/poster_route.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from backend.access import OWNER, Viewer
from backend.gallery import Clip
from backend.i18n import text
from backend.request import FPS
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import attr, esc, shorten
from ui.labels import label
from ui.poster_route import poster_url
from ui.words import both

EMPTY = f'<div class="wan-empty">{both("page.gallery.empty")}</div>'
"""In both languages: ui/lang.css shows the page's."""
PICK_JS = """
element.addEventListener('click', (e) => {
  const card = e.target.closest && e.target.closest('[data-clip]');
  if (!card) return;
  element.querySelectorAll('.wan-picked').forEach((c) => c.classList.remove('wan-picked'));
  card.classList.add('wan-picked');
  trigger('click', {clip: card.dataset.clip});
});
"""
"""One listener on the grid's root, which outlives every redraw of the cards inside it."""


@dataclass(frozen=True)
class GalleryWidgets:
    grid: gr.HTML
    list_key: gr.State


def render(ctx: UiContext) -> GalleryWidgets:
    gr.Markdown(label("gallery.heading"), elem_id="wan-clips-title")
    grid = gr.HTML(EMPTY, elem_id="wan-gallery", js_on_load=PICK_JS)
    # A change-detection key only (the grid is redrawn when the clips or their posters change); the clips
    # themselves always come from the Studio. None never equals a real key: the first refresh always draws.
    list_key = gr.State(None)
    return ctx.keep(GalleryWidgets(grid, list_key))


def caption(clip: Clip, lang: str = "en") -> tuple[str, str]:
    """(prompt start, 'seed · size · length') for a card, in `lang` (the prompt as typed); plain text, escaped
    by the caller."""
    r = clip.request
    if r is None:  # an mp4 that does not record its settings
        return clip.title, text("studio.card.no_settings", lang)
    return shorten(r.prompt, 60), text("studio.card.meta", lang, seed=r.seed, width=r.width, height=r.height,
                                       length=f"{r.frames / FPS:.1f} s")


def poster_version(poster: Path) -> int:
    try:
        return int(poster.stat().st_mtime)
    except OSError:
        return 0


def card_html(clip: Clip, poster: Path | None, lang: str = "en") -> str:
    head, meta = caption(clip, lang)
    src = poster_url(clip.id, poster_version(poster)) if poster else ""
    picture = (f'<img src="{attr(src)}" alt="" loading="lazy" decoding="async">' if poster else
               '<span class="wan-card-wait" aria-hidden="true">▶</span>')
    return (f'<button type="button" class="wan-card" data-clip="{attr(clip.id)}" title="{attr(head)}">'
            f'<span class="wan-thumb">{picture}</span><span class="wan-cap">{esc(head)}</span>'
            f'<span class="wan-cap-meta">{esc(meta)}</span></button>')


def grid_html(cards: list[tuple[Clip, Path | None]], lang: str = "en") -> str:
    if not cards:
        return EMPTY
    return f'<div class="wan-grid">{"".join(card_html(c, p, lang) for c, p in cards)}</div>'


def refresh(studio: Studio, picked: str | None, key: str | None,
            viewer: Viewer = OWNER, lang: str = "en") -> tuple[object, object, str | None]:
    """(grid, clip to show, key) for this viewer in `lang`: the grid only when something changed (a language
    switch too); the player moves to a clip that just arrived, or to the newest when it shows none."""
    clips = studio.clips_for(viewer)
    cards = [(c, studio.poster(c)) for c in clips]
    newest = clips[0].id if clips else ""
    new_key = newest + os.linesep + lang + "|".join(f"{c.id}:{int(p is not None)}" for c, p in cards)
    if new_key == key:
        return gr.skip(), gr.skip(), key
    old_newest = key.split(os.linesep, 1)[0] if key is not None else None
    if newest != old_newest and (old_newest is not None or not picked):
        show: object = newest
    elif picked and picked not in {c.id for c in clips}:
        show = newest  # the clip shown was deleted elsewhere
    else:
        show = gr.skip()
    return grid_html(cards, lang), show, new_key


def listen(ctx: UiContext) -> None:
    w = ctx.area(GalleryWidgets)
    studio = ctx.studio
    clip = ctx.widget("picked_clip")

    def on_refresh(picked: str | None, key: str | None, request: gr.Request) -> tuple[object, object, str | None]:
        return refresh(studio, picked, key, ctx.viewer(request), ctx.lang(request))

    def on_pick(evt: gr.EventData) -> object:
        picked = getattr(evt, "_data", None) or {}
        value = picked.get("clip") if isinstance(picked, dict) else None
        return value if isinstance(value, str) else gr.skip()

    w.grid.click(on_pick, outputs=[clip], show_progress="hidden", api_name="pick_clip", api_visibility="private")
    outputs = [w.grid, clip, w.list_key]
    ctx.widget("slow_timer").tick(on_refresh, inputs=[clip, w.list_key], outputs=outputs, show_progress="hidden",
                                  api_name="gallery_view", concurrency_limit=None)
    # Straight to the handler, not through the queue behind every other area's first refresh: the grid is
    # what the page is for.
    ctx.blocks().load(on_refresh, inputs=[clip, w.list_key], outputs=outputs, show_progress="hidden",
                      api_name="gallery_on_load", api_visibility="private", queue=False)
