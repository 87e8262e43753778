"""The player area: the latest clip (or the one picked in the gallery) playing up front, with its details.

Reuse settings fills the form; Download, Delete and Open folder act on the clip shown. Details are plain
text: a prompt is never read as Markdown or HTML. A guest plays only the clips they may see (the Studio's
`clips_for`), never sees where the files are, and has no Delete or Open folder (ui/roles.py refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from backend.access import OWNER, Viewer
from backend.gallery import Clip
from backend.studio import Studio
from ui.choices import size_choices, size_value
from ui.clip_cache import forget_cached
from ui.context import UiContext
from ui.folders import open_folder
from ui.formatting import esc, mib, moment, seconds
from ui.labels import label
from ui.messages import done, note, problem

CONFIRM_DELETE = "(clip) => (clip && window.confirm('Delete this clip for good?')) ? clip : ''"
EMPTY = ('<div class="wan-details wan-dim">No clip yet. Write a prompt and press Generate: the clip plays here '
         "when it is ready.</div>")


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
    details = gr.HTML(EMPTY, elem_id="wan-clip-info")
    with gr.Row(elem_classes="wan-wrap-row"):
        reuse = gr.Button(label("player.reuse"), size="sm", elem_id="wan-reuse", min_width=100)
        download = gr.DownloadButton("⬇ Download", size="sm", elem_id="wan-download-clip", min_width=100,
                                     interactive=False)
        delete = gr.Button(label("player.delete"), size="sm", variant="stop", elem_id="wan-delete", min_width=90)
        open_button = gr.Button(label("player.open_folder"), size="sm", elem_id="wan-open-folder", min_width=100)
    ctx.owner_only(delete, open_button)
    message = gr.Markdown(elem_id="wan-gallery-message")
    ctx.publish("picked_clip", clip)
    ctx.publish("reuse", reuse)  # the LoRA area puts a clip's LoRAs back too
    return ctx.keep(PlayerWidgets(clip, video, details, reuse, download, delete, open_button, message))


def details_lines(clip: Clip, viewer: Viewer = OWNER) -> list[str]:
    """The clip's settings and record, one plain line each (unescaped: the caller escapes). Where the file
    is on disk is for the owner only."""
    r, m = clip.request, clip.record
    if r is None:
        lines = [f"Prompt: {clip.title}", "This clip does not record its settings."]
    else:
        lines = [f"Prompt: {r.prompt}", f"Size {r.width}×{r.height} · {r.frames} frames · seed {r.seed}"]
    lines += [
        f"Preset {m.preset or (r.preset if r else '?')}" + (" (low RAM)" if m.low_ram else "")
        + f" · made in {seconds(m.timings.render_s)} · peak VRAM {mib(m.peaks.vram_mib)}",
        f"GPU {m.machine.gpu or 'unknown'} · engine {m.versions.engine or '?'} · {moment(clip.created_at)}",
        *(f"LoRA {lora.name} × {lora.strength:g} (sha256 {lora.sha256_16}) · applied to {lora.layers} layers"
          for lora in m.loras),
        *([f"File {clip.path}"] if viewer.is_owner else []),
        *m.notes,
    ]
    return lines


def details_html(clip: Clip, viewer: Viewer = OWNER) -> str:
    """Plain text in the page's HTML: every line escaped, the prompt kept as typed (line breaks too)."""
    return '<div class="wan-details">' + "".join(
        f'<div class="wan-detail">{esc(line)}</div>' for line in details_lines(clip, viewer)) + "</div>"


def show(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER) -> tuple[Any, str, Any]:
    """(video, details, download button) for a clip id; nothing picked clears the player."""
    if not clip_id:
        return None, EMPTY, gr.update(value=None, interactive=False)
    try:
        clip = studio.visible_clip(clip_id, viewer)
    except Exception as err:
        return None, problem(err, "opening the clip"), gr.update(value=None, interactive=False)
    return str(clip.path), details_html(clip, viewer), gr.update(value=str(clip.path), interactive=True)


def reuse(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER) -> tuple[object, ...]:
    """The clip's prompt, size, frames, seed (locked) and preset, for the form; a message last."""
    try:
        r = studio.visible_clip(clip_id or "", viewer).request
        if r is None:
            return (*(gr.skip(),) * 6, note("This clip does not record its settings."))
        size = size_value(r.width, r.height)
        preset = r.preset if r.preset == "auto" or r.preset in studio.presets else "auto"
        values: tuple[object, ...] = (r.prompt, gr.update(choices=size_choices(size), value=size), r.frames,
                                      str(r.seed), True, preset)
    except Exception as err:
        return (*(gr.skip(),) * 6, problem(err, "reading the clip's settings"))
    return (*values, done("The form now holds this clip's settings (seed locked)."))


def delete(studio: Studio, clip_id: str | None, demo: gr.Blocks | None = None) -> str:
    """Delete the clip and the copies Gradio keeps of it for playing, so no old link still plays it."""
    if not clip_id:
        return note("Nothing was deleted.")
    try:
        path = studio.clip(clip_id).path
        studio.delete_clip(clip_id)
    except Exception as err:
        return problem(err, "deleting the clip")
    if demo is not None:
        forget_cached(demo, path.name)
    return done("Deleted.")


def open_clips_folder(ctx: UiContext) -> str:
    folder = ctx.studio.paths.clips_dir
    if ctx.server.remote:
        return note(f"The clips are on the machine running Wan Studio, in {folder}.")
    why = open_folder(folder)
    return done(f"Opened {folder}.") if why is None else note(f"{why} The clips are in {folder}.")


def listen(ctx: UiContext) -> None:
    w = ctx.area(PlayerWidgets)
    studio = ctx.studio

    def on_show(clip_id: str | None, request: gr.Request) -> tuple[Any, str, Any]:
        return show(studio, clip_id, ctx.viewer(request))

    def on_reuse(clip_id: str | None, request: gr.Request) -> tuple[object, ...]:
        return reuse(studio, clip_id, ctx.viewer(request))

    def on_delete(clip_id: str | None) -> tuple[object, ...]:  # the owner's only (ui/roles.py)
        message = delete(studio, clip_id, ctx.blocks())
        newest = next(iter(studio.clips()), None)  # the player moves on to the newest clip left
        return message, (newest.id if newest else "")

    w.clip.change(on_show, inputs=[w.clip], outputs=[w.video, w.details, w.download], api_name="show_clip",
                  show_progress="hidden")
    form = [ctx.widget(n) for n in ("prompt", "size", "frames", "seed", "seed_lock", "preset")]
    w.reuse.click(on_reuse, inputs=[w.clip], outputs=[*form, w.message], api_name="reuse_settings")
    w.delete.click(on_delete, inputs=[w.clip], outputs=[w.message, w.clip], js=CONFIRM_DELETE,
                   api_name="delete_clip")
    w.open_folder.click(lambda: open_clips_folder(ctx), outputs=[w.message], api_name="open_clips_folder")
