"""The player area: the latest clip (or the one picked in the gallery) playing up front, with its details.

Reuse settings fills the form; Download, Delete and Open folder act on the clip shown. Details are plain
text: a prompt is never read as Markdown or HTML. A guest plays only the clips they may see (the Studio's
`clips_for`), never sees where the files are, and has no Delete or Open folder (ui/roles.py refuses them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from backend.access import OWNER, Viewer
from backend.gallery import Clip
from backend.i18n import text, words
from backend.studio import Studio
from ui.choices import size_choices, size_value
from ui.clip_cache import forget_cached
from ui.context import UiContext
from ui.folders import open_folder
from ui.formatting import esc, mib, moment, seconds
from ui.labels import label
from ui.messages import done, note, problem
from ui.words import word

CONFIRM_DELETE = ("(clip) => { const zh = (document.documentElement.lang || '').startsWith('zh');"
                  f" const ask = zh ? {json.dumps(text('studio.player.confirm_delete', 'zh'), ensure_ascii=False)}"
                  f" : {json.dumps(text('studio.player.confirm_delete', 'en'))};"
                  " return (clip && window.confirm(ask)) ? clip : ''; }")
"""The question in the page's language (Gradio sets <html lang> to its locale, as ui/lang.css reads it)."""


def empty_html(lang: str | None = None) -> str:
    """The player's text before any clip: in `lang`, or in both while the page's language is not known yet."""
    return f'<div class="wan-details wan-dim">{word(lang, "studio.player.empty")}</div>'


@dataclass(frozen=True)
class PlayerWidgets:
    clip: gr.Textbox
    video: gr.Video
    details: gr.HTML
    reuse: gr.Button
    download: gr.DownloadButton
    delete: gr.Button
    open_folder: gr.Button
    message: gr.Markdown


def render(ctx: UiContext) -> PlayerWidgets:
    # The id of the clip shown; the gallery sets it (a picked thumbnail, or the newest clip when one lands).
    clip = gr.Textbox(visible=False, elem_id="wan-clip")
    video = gr.Video(label=label("player.label"), interactive=False, loop=True, autoplay=True, elem_id="wan-video",
                     buttons=[])
    details = gr.HTML(empty_html(), elem_id="wan-clip-info")
    with gr.Row(elem_classes="wan-wrap-row"):
        reuse = gr.Button(label("player.reuse"), size="sm", elem_id="wan-reuse", min_width=100)
        download = gr.DownloadButton(str(label("player.download")), size="sm", elem_id="wan-download-clip",
                                     min_width=100, interactive=False)
        delete = gr.Button(label("player.delete"), size="sm", variant="stop", elem_id="wan-delete", min_width=90)
        open_button = gr.Button(label("player.open_folder"), size="sm", elem_id="wan-open-folder", min_width=100)
    ctx.owner_only(delete, open_button)
    message = gr.Markdown(elem_id="wan-gallery-message")
    ctx.publish("picked_clip", clip)
    ctx.publish("reuse", reuse)  # the LoRA area puts a clip's LoRAs back too
    return ctx.keep(PlayerWidgets(clip, video, details, reuse, download, delete, open_button, message))


def details_lines(clip: Clip, viewer: Viewer = OWNER, lang: str = "en",
                  notes: tuple[str, ...] | None = None) -> list[str]:
    """The clip's settings and record, one plain line each in `lang` (unescaped: the caller escapes). The
    prompt is shown as typed; where the file is on disk is for the owner only. `notes`: the record's notes
    worded in `lang` (clip_notes), else as the record keeps them."""
    r, m = clip.request, clip.record
    if r is None:
        lines = [text("studio.clip.prompt", lang, prompt=clip.title), text("studio.clip.no_settings", lang)]
    else:
        lines = [text("studio.clip.prompt", lang, prompt=r.prompt),
                 text("studio.clip.settings", lang, width=r.width, height=r.height, frames=r.frames, seed=r.seed)]
    lines += [
        text("studio.clip.made", lang, preset=m.preset or (r.preset if r else "?"),
             low_ram=text("studio.clip.low_ram", lang) if m.low_ram else "",
             time=seconds(m.timings.render_s), peak=mib(m.peaks.vram_mib)),
        text("studio.clip.machine", lang, gpu=m.machine.gpu or text("page.unknown", lang),
             engine=m.versions.engine or "?", when=moment(clip.created_at)),
        *(text("studio.clip.lora", lang, name=lora.name, strength=f"{lora.strength:g}", sha=lora.sha256_16,
               layers=lora.layers) for lora in m.loras),
        *([text("studio.clip.file", lang, path=clip.path)] if viewer.is_owner else []),
        *(m.notes if notes is None else notes),
    ]
    return lines


def clip_notes(studio: Studio, clip: Clip, lang: str) -> tuple[str, ...]:
    """The record's notes in `lang` where the record (or its job, still in the queue, for a clip made before
    records kept them) has them as messages; any other note as stored."""
    notes = clip.record.notes
    if lang == "en" or not notes:
        return notes
    said = {m.text(): m.text(lang) for m in clip.record.notes_said}
    if not said and clip.record.job_id:
        try:
            job = studio.job(clip.record.job_id)
        except Exception:  # the job was cleared from the queue: the record's own words
            return notes
        said = dict(zip(job.notes, job.notes_in(lang), strict=True))
    return tuple(said.get(n, n) for n in notes)


def details_html(clip: Clip, viewer: Viewer = OWNER, lang: str = "en", notes: tuple[str, ...] | None = None) -> str:
    """Plain text in the page's HTML: every line escaped, the prompt kept as typed (line breaks too)."""
    return '<div class="wan-details">' + "".join(
        f'<div class="wan-detail">{esc(line)}</div>' for line in details_lines(clip, viewer, lang, notes)) + "</div>"


def show(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER, lang: str = "en") -> tuple[Any, str, Any]:
    """(video, details, download button) for a clip id; nothing picked clears the player."""
    if not clip_id:
        return None, empty_html(lang), gr.update(value=None, interactive=False)
    try:
        clip = studio.visible_clip(clip_id, viewer)
    except Exception as err:
        return None, problem(err, "page.doing.open_clip", lang), gr.update(value=None, interactive=False)
    details = details_html(clip, viewer, lang, clip_notes(studio, clip, lang))
    return str(clip.path), details, gr.update(value=str(clip.path), interactive=True)


def reuse(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER, lang: str = "en") -> tuple[object, ...]:
    """The clip's prompt, size, frames, seed (locked) and preset, for the form; a message last."""
    try:
        r = studio.visible_clip(clip_id or "", viewer).request
        if r is None:
            return (*(gr.skip(),) * 6, note(text("studio.clip.no_settings", lang)))
        size = size_value(r.width, r.height)
        preset = r.preset if r.preset == "auto" or r.preset in studio.presets else "auto"
        values: tuple[object, ...] = (r.prompt, gr.update(choices=size_choices(size), value=size), r.frames,
                                      str(r.seed), True, preset)
    except Exception as err:
        return (*(gr.skip(),) * 6, problem(err, "page.doing.read_clip", lang))
    return (*values, done(text("studio.player.reused", lang)))


def delete(studio: Studio, clip_id: str | None, demo: gr.Blocks | None = None, lang: str = "en") -> str:
    """Delete the clip and the copies Gradio keeps of it for playing, so no old link still plays it."""
    if not clip_id:
        return note(text("studio.player.nothing_deleted", lang))
    try:
        path = studio.clip(clip_id).path
        studio.delete_clip(clip_id)
    except Exception as err:
        return problem(err, "page.doing.delete_clip", lang)
    if demo is not None:
        forget_cached(demo, path.name)
    return done(text("studio.player.deleted", lang))


def open_clips_folder(ctx: UiContext, lang: str = "en") -> str:
    folder = ctx.studio.paths.clips_dir
    if ctx.server.remote:
        return note(text("studio.player.on_host", lang, folder=folder))
    why = open_folder(folder)
    if why is None:
        return done(text("studio.player.opened", lang, folder=folder))
    return note(text("studio.player.folder_is", lang, why=words(why, lang), folder=folder))


def listen(ctx: UiContext) -> None:
    w = ctx.area(PlayerWidgets)
    studio = ctx.studio

    def on_show(clip_id: str | None, request: gr.Request) -> tuple[Any, str, Any]:
        return show(studio, clip_id, ctx.viewer(request), ctx.lang(request))

    def on_language(clip_id: str | None, request: gr.Request) -> str:
        """The details again in the new language; the video keeps playing."""
        return show(studio, clip_id, ctx.viewer(request), ctx.lang(request))[1]

    def on_reuse(clip_id: str | None, request: gr.Request) -> tuple[object, ...]:
        return reuse(studio, clip_id, ctx.viewer(request), ctx.lang(request))

    def on_delete(clip_id: str | None) -> tuple[object, ...]:  # the owner's only (ui/roles.py)
        message = delete(studio, clip_id, ctx.blocks(), ctx.lang())
        newest = next(iter(studio.clips()), None)  # the player moves on to the newest clip left
        return message, (newest.id if newest else "")

    w.clip.change(on_show, inputs=[w.clip], outputs=[w.video, w.details, w.download], api_name="show_clip",
                  show_progress="hidden")
    form = [ctx.widget(n) for n in ("prompt", "size", "frames", "seed", "seed_lock", "preset")]
    w.reuse.click(on_reuse, inputs=[w.clip], outputs=[*form, w.message], api_name="reuse_settings")
    w.delete.click(on_delete, inputs=[w.clip], outputs=[w.message, w.clip], js=CONFIRM_DELETE,
                   api_name="delete_clip")
    w.open_folder.click(lambda: open_clips_folder(ctx, ctx.lang()), outputs=[w.message], api_name="open_clips_folder")
    ctx.on_language("language_clip", on_language, outputs=[w.details], inputs=[w.clip])
