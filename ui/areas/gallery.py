"""The gallery area: finished clips, newest first, kept across restarts.

Pick one to play it and see its settings; reuse them in the form, delete the clip, or open its folder.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.access import OWNER, NotAllowed, Viewer
from backend.gallery import Clip
from backend.records import ClipRecord
from backend.request import FPS
from backend.studio import Studio
from ui.choices import size_choices, size_value
from ui.clip_cache import forget_cached
from ui.context import UiContext
from ui.folders import open_folder
from ui.formatting import esc, mib, moment, seconds, shorten
from ui.messages import done, note, problem

HEADERS = ["Made", "Prompt", "Size", "Length", "Seed", "Preset", "Clip"]
COLUMN_WIDTHS: list[str | int] = ["15%", "33%", "11%", "8%", "12%", "8%", "13%"]
CONFIRM_DELETE = "(clip) => (clip && window.confirm('Delete this clip for good?')) ? clip : ''"


@dataclass(frozen=True)
class GalleryWidgets:
    table: gr.Dataframe
    clip: gr.Dropdown
    video: gr.Video
    info: gr.Markdown
    reuse: gr.Button
    delete: gr.Button
    open_folder: gr.Button
    message: gr.Markdown
    list_key: gr.State


def render(ctx: UiContext) -> GalleryWidgets:
    with gr.Row():  # the table and the picker are filled per viewer at load
        with gr.Column(scale=3):
            table = gr.Dataframe(value=rows([]), headers=HEADERS, interactive=False, wrap=True, max_height=460,
                                 column_widths=COLUMN_WIDTHS, label="Finished clips (click one to play it)",
                                 elem_id="wan-gallery")
        with gr.Column(scale=2):
            clip = gr.Dropdown(choices=[], value=None, label="Clip", allow_custom_value=True,
                               elem_id="wan-clip")
            video = gr.Video(label="Player", interactive=False, loop=True, elem_id="wan-video")
            with gr.Row():
                reuse = gr.Button("↩ Reuse settings", size="sm", elem_id="wan-reuse")
                open_button = gr.Button("📂 Open folder", size="sm", elem_id="wan-open-folder")
                delete = gr.Button("🗑 Delete", size="sm", variant="stop", elem_id="wan-delete")
            ctx.owner_only(open_button, delete)
            message = gr.Markdown(elem_id="wan-gallery-message")
            info = gr.Markdown(elem_id="wan-clip-info")
    # A change-detection key only (the table is rebuilt when the list of clips changes); the clips
    # themselves always come from the Studio.
    list_key = gr.State(None)  # None never equals a real key: the first refresh always draws
    ctx.publish("reuse", reuse)  # the LoRA area puts a clip's LoRAs back too
    ctx.publish("picked_clip", clip)
    return ctx.keep(GalleryWidgets(table, clip, video, info, reuse, delete, open_button, message, list_key))


def rows(clips: list[Clip]) -> list[list[str]]:
    out = []
    for c in clips:
        r = c.request
        if r is None:  # an mp4 that does not record its settings
            out.append([moment(c.created_at), c.title, "?", "?", "?", c.record.preset or "?", c.id])
            continue
        out.append([moment(c.created_at), shorten(r.prompt, 60), f"{r.width}×{r.height}",
                    f"{r.frames / FPS:.1f} s", str(r.seed), c.record.preset or r.preset, c.id])
    return out


def clip_choices(clips: list[Clip]) -> list[tuple[str, str]]:
    return [(f"{moment(c.created_at)} · {c.title}", c.id) for c in clips]


def refresh(studio: Studio, picked: str | None, key: str | None,
            viewer: Viewer = OWNER) -> tuple[object, object, str | None]:
    clips = studio.clips_for(viewer)
    new_key = "|".join(c.id for c in clips)
    if new_key == key:
        return gr.skip(), gr.skip(), key
    choices = clip_choices(clips)
    keep = picked if picked in {v for _, v in choices} else None
    return gr.update(value=rows(clips), headers=HEADERS), gr.update(choices=choices, value=keep), new_key


def clip_info(clip: Clip, viewer: Viewer = OWNER) -> str:
    r, m = clip.request, clip.record
    lines = [
        f"**Prompt:** {esc(r.prompt if r else '?')}",
        f"**Size:** {f'{r.width}×{r.height}' if r else '?'} · **frames:** {r.frames if r else '?'} "
        f"· **seed:** {r.seed if r else '?'}",
        f"**Preset:** {esc(m.preset or (r.preset if r else '?'))}" + (" (low RAM)" if m.low_ram else "")
        + f" · **made in** {seconds(m.timings.render_s)} · **peak VRAM** {mib(m.peaks.vram_mib)}",
        f"**GPU:** {esc(m.machine.gpu or 'unknown')} · **engine:** {esc(m.versions.engine or '?')} "
        f"· **made:** {moment(clip.created_at)}",
    ]
    lines += lora_lines(m)
    if viewer.is_owner:  # where the owner's files are is the owner's business
        lines.append(f"**File:** `{esc(clip.path)}`")
    lines += [f"ℹ️ {esc(n)}" for n in m.notes]
    return "  \n".join(lines)


def lora_lines(record: ClipRecord) -> list[str]:
    """The LoRAs a clip was made with and how many layers each changed."""
    return [f"**LoRA:** {esc(lora.name)} × {lora.strength:g} (sha256 {esc(lora.sha256_16)}) · applied to "
            f"{lora.layers} layers" for lora in record.loras]


def visible_clip(studio: Studio, clip_id: str, viewer: Viewer) -> Clip:
    """The clip, if this viewer may see it; a guest asking for another's clip is told it is not theirs."""
    clip = studio.clip(clip_id)
    if not viewer.is_owner and clip.id not in {c.id for c in studio.clips_for(viewer)}:
        raise NotAllowed("Someone else's clip")
    return clip


def show(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER) -> tuple[str | None, str]:
    if not clip_id:
        return None, ""
    try:
        clip = visible_clip(studio, clip_id, viewer)
    except Exception as err:
        return None, problem(err, "opening the clip")
    return str(clip.path), clip_info(clip, viewer)


def reuse(studio: Studio, clip_id: str | None, viewer: Viewer = OWNER) -> tuple[object, ...]:
    """The clip's prompt, size, frames, seed (locked) and preset, for the form; a message last."""
    try:
        r = visible_clip(studio, clip_id or "", viewer).request
        if r is None:
            return (*(gr.skip(),) * 6, note("This clip does not record its settings."))
        size = size_value(r.width, r.height)
        preset = r.preset if r.preset == "auto" or r.preset in studio.presets else "auto"
        values: tuple[object, ...] = (r.prompt, gr.update(choices=size_choices(size), value=size), r.frames, r.seed,
                                      True, preset)
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
    w = ctx.area(GalleryWidgets)
    studio = ctx.studio

    def on_refresh(picked: str | None, key: str | None, request: gr.Request) -> tuple[object, object, str | None]:
        return refresh(studio, picked, key, ctx.viewer(request))

    def on_select(evt: gr.SelectData) -> object:
        row = evt.row_value or []
        return row[-1] if row else gr.skip()

    def on_show(clip_id: str | None, request: gr.Request) -> tuple[str | None, str]:
        return show(studio, clip_id, ctx.viewer(request))

    def on_reuse(clip_id: str | None, request: gr.Request) -> tuple[object, ...]:
        return reuse(studio, clip_id, ctx.viewer(request))

    def on_delete(clip_id: str | None) -> tuple[object, ...]:
        message = delete(studio, clip_id, ctx.blocks())
        table, choices, key = refresh(studio, None, None)  # the picked clip is gone: pick nothing
        return message, table, choices, key, None, ""

    w.table.select(on_select, outputs=[w.clip], show_progress="hidden", api_name="pick_clip",
                   api_visibility="private")
    w.clip.change(on_show, inputs=[w.clip], outputs=[w.video, w.info], api_name="show_clip")
    form = [ctx.widget(n) for n in ("prompt", "size", "frames", "seed", "seed_lock", "preset")]
    w.reuse.click(on_reuse, inputs=[w.clip], outputs=[*form, w.message], api_name="reuse_settings")
    w.delete.click(on_delete, inputs=[w.clip], outputs=[w.message, w.table, w.clip, w.list_key, w.video, w.info],
                   js=CONFIRM_DELETE, api_name="delete_clip")
    w.open_folder.click(lambda: open_clips_folder(ctx), outputs=[w.message], api_name="open_clips_folder")
    outputs = [w.table, w.clip, w.list_key]
    ctx.widget("slow_timer").tick(on_refresh, inputs=[w.clip, w.list_key], outputs=outputs, show_progress="hidden",
                                  api_name="gallery_view", concurrency_limit=None)
    ctx.blocks().load(on_refresh, inputs=[w.clip, w.list_key], outputs=outputs, show_progress="hidden",
                      api_name="gallery_on_load", api_visibility="private")
