"""The gallery area: finished clips as a grid of posters, newest first, kept across restarts.

Each card shows the clip's poster (made once by the Studio, beside the clip) and a caption: the prompt's
start, seed, size and length. Picking a card plays it in the player; a newly finished clip plays by itself.
Each viewer sees the clips the Studio's `clips_for` gives them; a poster's address names the clip, never a
folder (ui/poster_route.py).

Drawing it fast with many clips: the grid's first draw does not go through Gradio's events (at page load they
wait behind every area's first refresh and Gradio's own start-up work in the browser). A script in the page's
head asks `grid` (ui/grid_route.py: the same HTML for the same viewer) while Gradio's scripts still load, and
the grid puts that HTML in place as soon as it is on the page. After that the slow timer keeps it current: the
drawn grid carries a key of what it shows (`data-key`), the timer sends that key from the page, and the
server sends the grid again only when its key differs. The cards are plain markup with one delegated click
listener, which also scrolls the player into view (it plays at the top of the page, out of sight once the
grid is scrolled to); off-screen cards skip layout and paint (page.css).
"""

from __future__ import annotations

import hashlib
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
from ui.language import STORAGE_KEY
from ui.poster_route import poster_url
from ui.words import both

GRID_PATH = "grid"
"""Where the page fetches its first grid (relative, so it works under any root path)."""
FETCH_JS = """(() => {
  let lang = 'auto';
  try { lang = localStorage.getItem('@KEY@') || 'auto'; } catch (e) {}
  return fetch('@PATH@?lang=' + encodeURIComponent(lang), {cache: 'no-store'}).then((r) => (r.ok ? r.text() : ''));
})()""".replace("@KEY@", STORAGE_KEY).replace("@PATH@", GRID_PATH)
"""The grid's HTML for this page, in the language this browser chose (ui/language.py keeps the choice)."""
PAGE_HEAD = f"<script>window.wanFirstGrid = {FETCH_JS}.catch(() => '');</script>"
"""In the page's head (ui/server.py): the grid's request starts before Gradio's scripts have loaded."""
WAITING = '<div class="wan-grid-wait"></div>'
"""The grid's value before its first draw: no key, so the first draw always happens."""
LOAD_JS = """
element.addEventListener('click', (e) => {
  const card = e.target.closest && e.target.closest('[data-clip]');
  if (!card) return;
  element.querySelectorAll('.wan-picked').forEach((c) => c.classList.remove('wan-picked'));
  card.classList.add('wan-picked');
  trigger('click', {clip: card.dataset.clip});
  const player = document.querySelector('#wan-video');  // it plays up front: bring it into view
  const box = player && player.getBoundingClientRect();
  if (box && (box.top < 0 || box.bottom > window.innerHeight)) {
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    player.scrollIntoView({behavior: still ? 'auto' : 'smooth', block: 'start'});
  }
});
const drawn = () => element.querySelector('[data-key]');
const first = window.wanFirstGrid || @FETCH@;
window.wanFirstGrid = null;
first.then((html) => {
  if (html && !drawn()) element.innerHTML = html;
}).catch(() => {});
""".replace("@FETCH@", FETCH_JS)
"""One listener on the grid's root, which outlives every redraw of the cards inside it; then the first draw,
from the head's request (a fresh one if the grid is drawn again), unless the timer's came first."""
SHOWN_JS = "(clip, shown) => [clip, document.querySelector('#wan-gallery [data-key]')?.dataset.key ?? null]"
"""The key of the grid the page shows, read from the page at each refresh (None: nothing drawn yet)."""


@dataclass(frozen=True)
class GalleryWidgets:
    grid: gr.HTML
    shown: gr.Textbox


def render(ctx: UiContext) -> GalleryWidgets:
    gr.Markdown(label("gallery.heading"), elem_id="wan-clips-title")
    grid = gr.HTML(WAITING, elem_id="wan-gallery", js_on_load=LOAD_JS)
    # Carries the drawn grid's key from the page to the server (SHOWN_JS fills it at each refresh).
    shown = gr.Textbox(visible=False)
    return ctx.keep(GalleryWidgets(grid, shown))


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


@dataclass(frozen=True)
class GridView:
    """One viewer's grid now, in one language: its HTML and the key that changes whenever the HTML would."""

    html: str
    key: str
    ids: tuple[str, ...]
    """Newest first."""


def grid_key(cards: list[tuple[Clip, Path | None]], lang: str = "en") -> str:
    """The newest clip's id after a digest of the language, every clip and whether its poster is ready."""
    listing = lang + "|" + "|".join(f"{c.id}:{int(p is not None)}" for c, p in cards)
    newest = cards[0][0].id if cards else ""
    return hashlib.sha256(listing.encode()).hexdigest()[:16] + " " + newest


def newest_of(key: str | None) -> str | None:
    return key.split(" ", 1)[1] if key and " " in key else None


def grid_html(cards: list[tuple[Clip, Path | None]], lang: str = "en") -> str:
    key = attr(grid_key(cards, lang))
    if not cards:
        return f'<div class="wan-empty" data-key="{key}">{both("page.gallery.empty")}</div>'
    return f'<div class="wan-grid" data-key="{key}">{"".join(card_html(c, p, lang) for c, p in cards)}</div>'


def view(studio: Studio, viewer: Viewer = OWNER, lang: str = "en") -> GridView:
    """The grid `viewer` may see, in `lang` (ui/grid_route.py sends it as the first draw; the timer when it
    changed)."""
    cards = [(c, studio.poster(c)) for c in studio.clips_for(viewer)]
    return GridView(grid_html(cards, lang), grid_key(cards, lang), tuple(c.id for c, _ in cards))


def refresh(studio: Studio, picked: str | None, shown: str | None,
            viewer: Viewer = OWNER, lang: str = "en") -> tuple[object, object, str]:
    """(grid, clip to show, key) for this viewer in `lang`, given the key of the grid the page shows: the grid
    only when something changed (a language switch too); the player moves to a clip that just arrived, or to
    the newest when it shows none."""
    now = view(studio, viewer, lang)
    if now.key == shown:
        return gr.skip(), gr.skip(), now.key
    newest = now.ids[0] if now.ids else ""
    old_newest = newest_of(shown)
    if newest != old_newest and (old_newest is not None or not picked):
        show: object = newest
    elif picked and picked not in now.ids:
        show = newest  # the clip shown was deleted elsewhere
    else:
        show = gr.skip()
    return now.html, show, now.key


def first_clip(studio: Studio, picked: str | None, viewer: Viewer = OWNER) -> object:
    """The clip the player shows when the page opens: the newest this viewer may see ("" when none)."""
    if picked:
        return gr.skip()
    clips = studio.clips_for(viewer)
    return clips[0].id if clips else ""


def listen(ctx: UiContext) -> None:
    w = ctx.area(GalleryWidgets)
    studio = ctx.studio
    clip = ctx.widget("picked_clip")

    def on_refresh(picked: str | None, shown: str | None, request: gr.Request) -> tuple[object, object]:
        grid, show, _ = refresh(studio, picked, shown or None, ctx.viewer(request), ctx.lang(request))
        return grid, show

    def on_load(picked: str | None, request: gr.Request) -> object:
        return first_clip(studio, picked, ctx.viewer(request))

    def on_pick(evt: gr.EventData) -> object:
        picked = getattr(evt, "_data", None) or {}
        value = picked.get("clip") if isinstance(picked, dict) else None
        return value if isinstance(value, str) else gr.skip()

    w.grid.click(on_pick, outputs=[clip], show_progress="hidden", api_name="pick_clip", api_visibility="private")
    ctx.widget("slow_timer").tick(on_refresh, inputs=[clip, w.shown], outputs=[w.grid, clip], js=SHOWN_JS,
                                  show_progress="hidden", api_name="gallery_view", concurrency_limit=None)
    # The grid draws itself (LOAD_JS); the page's first request only puts the newest clip in the player.
    ctx.blocks().load(on_load, inputs=[clip], outputs=[clip], show_progress="hidden", api_name="gallery_on_load",
                      api_visibility="private", queue=False)
