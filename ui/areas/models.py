"""The models area: the weights folder and set (FP8/INT8), whether it is complete, and its download; and the
optional TAEHV preview decoder (sharper live previews), downloaded the same way into the same folder.

The download resumes and shows byte progress per file and in total, with speed and ETA.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.download import DownloadProgress
from backend.errors import StudioError
from backend.i18n import text
from backend.models import WEIGHT_SETS, WeightSet
from backend.preview.decoder import DOWNLOAD_SIZE
from backend.studio import Studio
from backend.weights_words import weights_message
from ui.context import UiContext
from ui.formatting import data_size, esc, seconds
from ui.labels import label
from ui.messages import done, note, problem

SET_LABELS: dict[WeightSet, str] = {"fp8": str(label("models.set_fp8")), "int8": str(label("models.set_int8"))}
FILE_STATES = {"pending": "models.file.pending", "present": "models.file.present",
               "downloading": "models.file.downloading", "verifying": "models.file.verifying",
               "done": "models.file.done", "failed": "models.file.failed"}
DECODER_STATES = {"ready": "models.decoder.ready", "damaged": "models.decoder.damaged",
                  "absent": "models.decoder.absent"}
ACTIVE_STATES = ("checking", "downloading", "verifying")
FILES_SHOWN = 6
QUICK_END_S = 0.25
"""How long Download waits to see whether the download ends at once (offline, refused) before saying it started."""


@dataclass(frozen=True)
class ModelsArea:
    folder: gr.Textbox
    confirm: gr.Checkbox
    use_folder: gr.Button
    default_folder: gr.Button
    weight_set: gr.Radio
    status: gr.Markdown
    token: gr.Textbox
    download: gr.Button
    cancel: gr.Button
    progress: gr.HTML
    message: gr.Markdown
    seen: gr.State
    decoder_status: gr.Markdown
    decoder_download: gr.Button


def render(ctx: UiContext) -> ModelsArea:
    studio = ctx.studio
    chosen = studio.card_weight_set()
    # Folder and status are filled at load, for the owner only: they name folders on this computer.
    folder = gr.Textbox("", label=label("models.folder"), elem_id="wan-weights-dir", info=label("models.folder_info"))
    confirm = gr.Checkbox(False, label=label("models.confirm"), elem_id="wan-weights-confirm")
    with gr.Row():
        use_folder = gr.Button(label("models.use_folder"), size="sm", elem_id="wan-weights-use")
        default_folder = gr.Button(label("models.default_folder"), size="sm", elem_id="wan-weights-default")
    weight_set = gr.Radio([(SET_LABELS[s], s) for s in WEIGHT_SETS], value=chosen, label=label("models.set"),
                          info=label("models.set_info"), elem_id="wan-weight-set")
    status = gr.Markdown("", elem_id="wan-weights-status")
    token = gr.Textbox(label=label("models.token"), type="password", elem_id="wan-hf-token")
    with gr.Row():
        download = gr.Button(label("models.download"), variant="primary", elem_id="wan-download")
        cancel = gr.Button(label("models.cancel"), variant="stop", elem_id="wan-download-cancel", interactive=False)
    progress = gr.HTML(elem_id="wan-download-progress")
    message = gr.Markdown(elem_id="wan-models-message")
    # What this tab last drew of the download (a change-detection key; progress comes from the downloader).
    seen = gr.State("")
    gr.Markdown(label("models.decoder_heading"))
    decoder_status = gr.Markdown("", elem_id="wan-decoder-status")
    decoder_download = gr.Button(label("models.decoder_download"), size="sm", elem_id="wan-decoder-download")
    return ctx.keep(ModelsArea(folder, confirm, use_folder, default_folder, weight_set, status, token, download, cancel,
                               progress, message, seen, decoder_status, decoder_download))


def status_text(studio: Studio, weight_set: str | None, lang: str = "en") -> str:
    try:
        report = studio.weights_report(weight_set)
    except StudioError as err:
        return f"⚠️ {esc(err.user_text(lang))}"
    except OSError as err:
        return f"⚠️ {esc(text('models.unreadable', lang, folder=studio.weights_dir(), error=err))}"
    line = ("✅ " if report.complete else "⚠️ ") + esc(weights_message(report).text(lang))
    if report.complete:
        return line
    set_gb, free = studio.weights_space()
    values = {"set": report.weight_set.upper(), "size": f"{set_gb:.0f} GB"}
    room = text("models.room", lang, free=f"{free / 1e9:.1f} GB", **values) if free is not None \
        else text("models.room_unknown", lang, **values)
    return f"{line}  \n{esc(room)}"


def decoder_text(studio: Studio, lang: str = "en") -> str:
    """The preview decoder's line: used, not downloaded (the colour map is used), or damaged."""
    try:
        status = studio.preview_decoder_status()
    except OSError as err:
        return f"⚠️ {esc(text('models.unreadable', lang, folder=studio.weights_dir(), error=err))}"
    icon = {"ready": "✅ ", "damaged": "⚠️ ", "absent": "ℹ️ "}[status.state]
    values: dict[str, object] = {"folder": status.path.parent}
    if status.state == "damaged":
        values["problem"] = status.problem
    elif status.state == "absent":
        values = {"size": DOWNLOAD_SIZE.removeprefix("about ")}  # the sentence itself says "about"
    said = text(DECODER_STATES[status.state], lang, **values)
    return icon + esc(said)


def progress_html(p: DownloadProgress, lang: str = "en") -> str:
    if p.state == "idle":
        return ""
    message = esc(p.message_in(lang))
    if not p.total_bytes:  # nothing sized yet (checking, or it ended before): the one sentence is the news
        return f'<div class="wan-download wan-download-{p.state}"><div>{message}</div></div>'
    pct = 100 * p.done_bytes / p.total_bytes if p.total_bytes else 0.0
    speed = f"{data_size(p.speed_bps)}/s" if p.speed_bps > 0 else "—"
    eta = seconds(p.eta_s) if p.eta_s is not None else "—"
    finished = sum(f.state in ("present", "done") for f in p.files)
    active = [f for f in p.files if f.state in ("downloading", "verifying", "failed")][:FILES_SHOWN]
    files = "".join(
        "<li>" + esc(text("models.file_line", lang, path=f.path, state=text(FILE_STATES[f.state], lang),
                          done=data_size(f.done_bytes), total=data_size(f.total_bytes)))
        + f'<div class="wan-bar wan-bar-thin"><div style="width:{_share(f.done_bytes, f.total_bytes):.1f}%"></div>'
        "</div></li>"
        for f in active
    )
    totals = text("models.totals", lang, done=data_size(p.done_bytes), total=data_size(p.total_bytes),
                  pct=f"{pct:.0f}%", speed=speed, eta=eta, ready=finished, files=len(p.files))
    return (
        f'<div class="wan-download wan-download-{p.state}"><div>{message}</div>'
        f'<div class="wan-bar"><div style="width:{pct:.1f}%"></div></div>'
        f"<div>{esc(totals)}</div><ul>{files}</ul></div>"
    )


def _share(done_bytes: int, total: int | None) -> float:
    return 100 * done_bytes / total if total else 0.0


def choose_folder(studio: Studio, typed: str | None, weight_set: str | None,
                  confirmed: bool = False, lang: str = "en") -> tuple[str, str, str]:
    """Remember the folder the Studio accepted and report what it holds. (message, folder, status).
    A folder with files of its own is taken only with `confirmed` (backend/weights_folder.py)."""
    if not (typed or "").strip():
        return (note(text("models.type_path", lang)), str(studio.weights_dir()),
                status_text(studio, weight_set, lang))
    try:
        folder = studio.use_weights_folder(typed, confirmed=bool(confirmed))
    except StudioError as err:
        return note(err.user_text(lang)), str(typed).strip(), status_text(studio, weight_set, lang)
    return done(text("models.using", lang, folder=folder)), str(folder), status_text(studio, weight_set, lang)


def listen(ctx: UiContext) -> None:
    area = ctx.area(ModelsArea)
    studio = ctx.studio

    def on_folder(typed: str | None, weight_set: str | None, confirmed: bool | None) -> tuple[str, str, str]:
        lang = ctx.lang()
        try:
            return choose_folder(studio, typed, weight_set, bool(confirmed), lang)
        except Exception as err:
            return (problem(err, "page.doing.choose_folder", lang), str(studio.weights_dir()),
                    status_text(studio, weight_set, lang))

    def on_default(weight_set: str | None) -> tuple[str, str, str]:
        studio.use_weights_folder("")
        lang = ctx.lang()
        return (done(text("models.using_default", lang)), str(studio.weights_dir()),
                status_text(studio, weight_set, lang))

    def on_download(weight_set: str | None, token: str | None) -> str:
        try:
            studio.start_download(weight_set, (token or "").strip() or None)
        except Exception as err:
            return problem(err, "page.doing.start_download", ctx.lang())
        # Offline, the download ends at once: then its own sentence (below) is the only message.
        if studio.wait_for_download(QUICK_END_S).state not in ACTIVE_STATES:
            return ""
        return note(text("models.started", ctx.lang()))

    def on_decoder_download(token: str | None) -> str:
        try:
            studio.start_decoder_download((token or "").strip() or None)
        except Exception as err:
            return problem(err, "page.doing.start_download", ctx.lang())
        return note(text("models.decoder_started", ctx.lang()))

    def on_cancel() -> str:
        studio.cancel_download()
        return note(text("models.cancelling", ctx.lang()))

    def on_refresh(weight_set: str | None, seen: str) -> tuple[object, ...]:
        p, lang = studio.download_progress(), ctx.lang()
        key = f"{p.state}:{lang}:{p.message}"  # a language switch draws it again
        if key == seen and p.state not in ACTIVE_STATES:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), seen, gr.skip()
        running = p.state in ACTIVE_STATES
        status = status_text(studio, weight_set, lang) if not running else gr.skip()
        # Once it has ended, "Download started" would contradict the outcome shown below: clear it.
        message = gr.skip() if running or p.state == "idle" else ""
        return (progress_html(p, lang), status, gr.update(interactive=running), message, key,
                decoder_text(studio, lang) if not running else gr.skip())

    folder_inputs = [area.folder, area.weight_set, area.confirm]
    area.use_folder.click(on_folder, inputs=folder_inputs, outputs=[area.message, area.folder, area.status],
                          api_name="use_weights_folder")
    area.folder.submit(on_folder, inputs=folder_inputs, outputs=[area.message, area.folder, area.status],
                       api_name="weights_folder_submit", api_visibility="private")
    area.default_folder.click(on_default, inputs=[area.weight_set], outputs=[area.message, area.folder, area.status],
                              api_name="default_weights_folder", api_visibility="private")
    area.weight_set.change(lambda s: status_text(studio, s, ctx.lang()), inputs=[area.weight_set],
                           outputs=[area.status], show_progress="hidden", api_name="weight_set_status",
                           api_visibility="private")
    area.download.click(on_download, inputs=[area.weight_set, area.token], outputs=[area.message],
                        api_name="download_weights")
    area.cancel.click(on_cancel, outputs=[area.message], api_name="cancel_download")
    area.decoder_download.click(on_decoder_download, inputs=[area.token], outputs=[area.message],
                                api_name="download_preview_decoder")
    # A folder chosen, or the set's check redrawn: the decoder's line follows the folder.
    area.status.change(lambda: decoder_text(studio, ctx.lang()), outputs=[area.decoder_status], show_progress="hidden",
                       api_name="decoder_status_view", api_visibility="private")
    outputs = [area.progress, area.status, area.cancel, area.message, area.seen, area.decoder_status]
    ctx.widget("fast_timer").tick(on_refresh, inputs=[area.weight_set, area.seen], outputs=outputs,
                                  show_progress="hidden", api_name="download_view", concurrency_limit=None)
    ctx.blocks().load(lambda s: (str(studio.weights_dir()), status_text(studio, s, ctx.lang()),
                                 decoder_text(studio, ctx.lang())),
                      inputs=[area.weight_set], outputs=[area.folder, area.status, area.decoder_status],
                      show_progress="hidden", api_name="weights_on_load", api_visibility="private")
    ctx.on_language("language_models", lambda s: (status_text(studio, s, ctx.lang()), decoder_text(studio, ctx.lang())),
                    outputs=[area.status, area.decoder_status], inputs=[area.weight_set])
