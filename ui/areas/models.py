"""The models area: the weights folder and set (FP8/INT8), whether it is complete, and its download; and the
optional TAEHV preview decoder (sharper live previews), downloaded the same way into the same folder.

The download resumes and shows byte progress per file and in total, with speed and ETA.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.download import DownloadProgress
from backend.errors import StudioError
from backend.models import WEIGHT_SETS, WeightSet
from backend.studio import Studio
from ui.context import UiContext
from ui.formatting import data_size, esc, seconds
from ui.messages import done, note, problem

SET_LABELS: dict[WeightSet, str] = {"fp8": "FP8 (RTX 40 and 50 series)", "int8": "INT8 (RTX 30 series and older)"}
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
    folder = gr.Textbox("", label="Weights folder", elem_id="wan-weights-dir",
                        info="A folder that already has the weights, or where to download them.")
    confirm = gr.Checkbox(False, label="Use it even though it holds other files (nothing there is ever replaced)",
                          elem_id="wan-weights-confirm")
    with gr.Row():
        use_folder = gr.Button("Use this folder", size="sm", elem_id="wan-weights-use")
        default_folder = gr.Button("Back to the default folder", size="sm", elem_id="wan-weights-default")
    weight_set = gr.Radio([(SET_LABELS[s], s) for s in WEIGHT_SETS], value=chosen, label="Weight set",
                          info="Picked from your card: FP8 needs an RTX 40 or 50 (sm_89+).", elem_id="wan-weight-set")
    status = gr.Markdown("", elem_id="wan-weights-status")
    token = gr.Textbox(label="Hugging Face token (optional, not saved)", type="password", elem_id="wan-hf-token")
    with gr.Row():
        download = gr.Button("⬇ Download / resume", variant="primary", elem_id="wan-download")
        cancel = gr.Button("Cancel download", variant="stop", elem_id="wan-download-cancel", interactive=False)
    progress = gr.HTML(elem_id="wan-download-progress")
    message = gr.Markdown(elem_id="wan-models-message")
    # What this tab last drew of the download (a change-detection key; progress comes from the downloader).
    seen = gr.State("")
    gr.Markdown("#### Sharper previews (optional)")
    decoder_status = gr.Markdown("", elem_id="wan-decoder-status")
    decoder_download = gr.Button("⬇ Download the preview decoder", size="sm", elem_id="wan-decoder-download")
    return ctx.keep(ModelsArea(folder, confirm, use_folder, default_folder, weight_set, status, token, download, cancel,
                               progress, message, seen, decoder_status, decoder_download))


def status_text(studio: Studio, weight_set: str | None) -> str:
    try:
        report = studio.weights_report(weight_set)
    except StudioError as err:
        return f"⚠️ {esc(err.user_text())}"
    except OSError as err:
        return f"⚠️ The folder {esc(studio.weights_dir())} could not be read ({esc(err)})."
    text = ("✅ " if report.complete else "⚠️ ") + esc(report.summary())
    if report.complete:
        return text
    set_gb, free = studio.weights_space()
    room = f"{free / 1e9:.1f} GB free on its disk" if free is not None else "free space on its disk unknown"
    return f"{text}  \nThe {esc(report.weight_set.upper())} set is about {set_gb:.0f} GB; {room}."


def decoder_text(studio: Studio) -> str:
    """The preview decoder's line: used, not downloaded (the colour map is used), or damaged."""
    try:
        status = studio.preview_decoder_status()
    except OSError as err:
        return f"⚠️ The folder {esc(studio.weights_dir())} could not be read ({esc(err)})."
    icon = {"ready": "✅ ", "damaged": "⚠️ ", "absent": "ℹ️ "}[status.state]
    return icon + esc(status.summary())


def progress_html(p: DownloadProgress) -> str:
    if p.state == "idle":
        return ""
    if not p.total_bytes:  # nothing sized yet (checking, or it ended before): the one sentence is the news
        return f'<div class="wan-download wan-download-{p.state}"><div>{esc(p.message)}</div></div>'
    pct = 100 * p.done_bytes / p.total_bytes if p.total_bytes else 0.0
    speed = f"{data_size(p.speed_bps)}/s" if p.speed_bps > 0 else "—"
    eta = seconds(p.eta_s) if p.eta_s is not None else "—"
    finished = sum(f.state in ("present", "done") for f in p.files)
    active = [f for f in p.files if f.state in ("downloading", "verifying", "failed")][:FILES_SHOWN]
    files = "".join(
        f'<li>{esc(f.path)}: {f.state}, {data_size(f.done_bytes)} of {data_size(f.total_bytes)}'
        f'<div class="wan-bar wan-bar-thin"><div style="width:{_share(f.done_bytes, f.total_bytes):.1f}%"></div>'
        "</div></li>"
        for f in active
    )
    return (
        f'<div class="wan-download wan-download-{p.state}"><div>{esc(p.message)}</div>'
        f'<div class="wan-bar"><div style="width:{pct:.1f}%"></div></div>'
        f"<div>{data_size(p.done_bytes)} of {data_size(p.total_bytes)} ({pct:.0f}%) · {speed} · {eta} left · "
        f"{finished} of {len(p.files)} files ready</div><ul>{files}</ul></div>"
    )


def _share(done_bytes: int, total: int | None) -> float:
    return 100 * done_bytes / total if total else 0.0


def choose_folder(studio: Studio, text: str | None, weight_set: str | None,
                  confirmed: bool = False) -> tuple[str, str, str]:
    """Remember the folder the Studio accepted and report what it holds. (message, folder, status).
    A folder with files of its own is taken only with `confirmed` (backend/weights_folder.py)."""
    if not (text or "").strip():
        return note("Type the path of a folder."), str(studio.weights_dir()), status_text(studio, weight_set)
    try:
        folder = studio.use_weights_folder(text, confirmed=bool(confirmed))
    except StudioError as err:
        return note(err.user_text()), str(text).strip(), status_text(studio, weight_set)
    return done(f"Using {folder}."), str(folder), status_text(studio, weight_set)


def listen(ctx: UiContext) -> None:
    area = ctx.area(ModelsArea)
    studio = ctx.studio

    def on_folder(text: str | None, weight_set: str | None, confirmed: bool | None) -> tuple[str, str, str]:
        try:
            return choose_folder(studio, text, weight_set, bool(confirmed))
        except Exception as err:
            return problem(err, "choosing the folder"), str(studio.weights_dir()), status_text(studio, weight_set)

    def on_default(weight_set: str | None) -> tuple[str, str, str]:
        studio.use_weights_folder("")
        return done("Using the default folder."), str(studio.weights_dir()), status_text(studio, weight_set)

    def on_download(weight_set: str | None, token: str | None) -> str:
        try:
            studio.start_download(weight_set, (token or "").strip() or None)
        except Exception as err:
            return problem(err, "starting the download")
        # Offline, the download ends at once: then its own sentence (below) is the only message.
        if studio.wait_for_download(QUICK_END_S).state not in ACTIVE_STATES:
            return ""
        return note("Download started; progress shows below. It keeps going if you close this tab.")

    def on_decoder_download(token: str | None) -> str:
        try:
            studio.start_decoder_download((token or "").strip() or None)
        except Exception as err:
            return problem(err, "starting the download")
        return note("Downloading the preview decoder; progress shows above. Previews use it as soon as it is "
                    "there.")

    def on_cancel() -> str:
        studio.cancel_download()
        return note("Cancelling the download; what has arrived is kept for the next start.")

    def on_refresh(weight_set: str | None, seen: str) -> tuple[object, ...]:
        p = studio.download_progress()
        key = f"{p.state}:{p.message}"
        if key == seen and p.state not in ACTIVE_STATES:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), seen, gr.skip()
        running = p.state in ACTIVE_STATES
        status = status_text(studio, weight_set) if not running else gr.skip()
        # Once it has ended, "Download started" would contradict the outcome shown below: clear it.
        message = gr.skip() if running or p.state == "idle" else ""
        return (progress_html(p), status, gr.update(interactive=running), message, key,
                decoder_text(studio) if not running else gr.skip())

    folder_inputs = [area.folder, area.weight_set, area.confirm]
    area.use_folder.click(on_folder, inputs=folder_inputs, outputs=[area.message, area.folder, area.status],
                          api_name="use_weights_folder")
    area.folder.submit(on_folder, inputs=folder_inputs, outputs=[area.message, area.folder, area.status],
                       api_name="weights_folder_submit", api_visibility="private")
    area.default_folder.click(on_default, inputs=[area.weight_set], outputs=[area.message, area.folder, area.status],
                              api_name="default_weights_folder", api_visibility="private")
    area.weight_set.change(lambda s: status_text(studio, s), inputs=[area.weight_set], outputs=[area.status],
                           show_progress="hidden", api_name="weight_set_status", api_visibility="private")
    area.download.click(on_download, inputs=[area.weight_set, area.token], outputs=[area.message],
                        api_name="download_weights")
    area.cancel.click(on_cancel, outputs=[area.message], api_name="cancel_download")
    area.decoder_download.click(on_decoder_download, inputs=[area.token], outputs=[area.message],
                                api_name="download_preview_decoder")
    # A folder chosen, or the set's check redrawn: the decoder's line follows the folder.
    area.status.change(lambda: decoder_text(studio), outputs=[area.decoder_status], show_progress="hidden",
                       api_name="decoder_status_view", api_visibility="private")
    outputs = [area.progress, area.status, area.cancel, area.message, area.seen, area.decoder_status]
    ctx.widget("fast_timer").tick(on_refresh, inputs=[area.weight_set, area.seen], outputs=outputs,
                                  show_progress="hidden", api_name="download_view", concurrency_limit=None)
    ctx.blocks().load(lambda s: (str(studio.weights_dir()), status_text(studio, s), decoder_text(studio)),
                      inputs=[area.weight_set], outputs=[area.folder, area.status, area.decoder_status],
                      show_progress="hidden", api_name="weights_on_load", api_visibility="private")
