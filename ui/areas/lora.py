"""The LoRA area: the LoRA folders, up to three LoRAs with strength sliders, and what each one matches
in the model ("matched N of M layers") before a job runs.

The choice is published as the `loras` state (a list of [name, strength]) for the Generate button and
the fit badge; "Reuse settings" in the gallery puts a clip's LoRAs back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from backend.errors import StudioError
from backend.i18n import text, words
from backend.request import LORA_STRENGTH_MAX, LORA_STRENGTH_MIN, MAX_LORAS
from backend.studio import Studio
from ui.context import UiContext
from ui.folders import open_folder
from ui.formatting import esc, mib
from ui.labels import label
from ui.messages import done, note, problem
from ui.words import both

EMPTY = text("page.lora.empty")


@dataclass(frozen=True)
class LoraWidgets:
    names: tuple[gr.Dropdown, ...]
    strengths: tuple[gr.Slider, ...]
    chosen: gr.State
    report: gr.Markdown
    folders: gr.Markdown
    rescan: gr.Button
    open_folder: gr.Button
    new_folder: gr.Textbox
    add_folder: gr.Button
    message: gr.Markdown


def render(ctx: UiContext) -> LoraWidgets:
    choices = name_choices(ctx.studio)
    names: list[gr.Dropdown] = []
    strengths: list[gr.Slider] = []
    with gr.Accordion(label("lora.title"), open=False, elem_id="wan-lora") as box:
        ctx.owner_only(box)  # the owner's files and folders: not for guests (ui/roles.py)
        with gr.Row():
            for i in range(1, MAX_LORAS + 1):
                with gr.Column(min_width=160):
                    names.append(gr.Dropdown(choices=choices, value=None, label=f"LoRA {i}", elem_id=f"wan-lora-{i}"))
                    strengths.append(gr.Slider(LORA_STRENGTH_MIN, LORA_STRENGTH_MAX, value=1.0, step=0.05,
                                               label=label("lora.strength"), elem_id=f"wan-lora-strength-{i}"))
        report = gr.Markdown(both("page.lora.empty"), elem_id="wan-lora-report")
        folders = gr.Markdown(elem_id="wan-lora-folders")
        with gr.Row():
            rescan = gr.Button(label("lora.rescan"), size="sm", elem_id="wan-lora-rescan")
            open_button = gr.Button(label("lora.open"), size="sm", elem_id="wan-lora-open")
        with gr.Row():
            new_folder = gr.Textbox(label=label("lora.folder"), scale=4, elem_id="wan-lora-folder")
            add_folder = gr.Button(label("lora.add"), size="sm", scale=1, elem_id="wan-lora-add-folder")
        message = gr.Markdown(elem_id="wan-lora-message")
    chosen = gr.State([])
    ctx.publish("loras", chosen)
    return ctx.keep(LoraWidgets(tuple(names), tuple(strengths), chosen, report, folders, rescan, open_button,
                                new_folder, add_folder, message))


def name_choices(studio: Studio, keep: tuple[str, ...] = (), lang: str = "en") -> list[tuple[str, str]]:
    """(label, file name) of every LoRA in the folders, with size and rank; `keep` names stay listed."""
    out = []
    for entry in studio.lora_entries():
        detail = text("page.lora.rank", lang, rank=entry.report.rank) if entry.report else \
            text("page.lora.unusable", lang)
        out.append((f"{entry.name} · {mib(entry.size_bytes / 2**20)} · {detail}", entry.name))
    listed = {value for _, value in out}
    missing = text("page.lora.not_in_folders", lang)
    return out + [(f"{name} · {missing}", name) for name in keep if name and name not in listed]


def chosen_value(*values: object) -> list[list[object]]:
    """The slots' (name, strength) pairs, empty slots left out, as the Studio's submit takes them."""
    pairs = zip(values[:MAX_LORAS], values[MAX_LORAS:], strict=False)
    return [[name, strength] for name, strength in pairs if isinstance(name, str) and name]


def report_text(studio: Studio, chosen: list[list[object]], lang: str = "en") -> str:
    """One line per chosen LoRA: what it matches in the model, or why it cannot be used."""
    if not chosen:
        return text("page.lora.empty", lang)
    lines = []
    for name, strength in chosen:
        try:
            report = studio.lora_report(str(name))
        except StudioError as err:
            lines.append(f"⚠️ **{esc(name)}**: {esc(err.user_text(lang))}")
            continue
        matched = text("page.lora.matched", lang, matched=report.matched, layers=report.layers)
        unmatched = text("page.lora.not_applied", lang, layers=esc(", ".join(report.unmatched))) \
            if report.unmatched else ""
        lines.append(f"✅ **{esc(name)}** × {float(strength):g} · {matched} · "  # type: ignore[arg-type]
                     f"{text('page.lora.rank', lang, rank=report.rank)}{unmatched}")
    return "  \n".join(lines)


def folders_text(studio: Studio, remote: bool, lang: str = "en") -> str:
    if remote:
        return text("page.lora.remote", lang)
    shown = "  \n".join(f"`{esc(folder)}`" for folder in studio.lora_folders())
    return f"{text('page.lora.folders', lang)}  \n{shown}"


def add_folder(ctx: UiContext, folder: object, lang: str = "en") -> tuple[str, str]:
    """Owner only: one more LoRA folder. (message, folders text)"""
    if ctx.server.remote:
        return note(text("page.lora.owner_adds", lang)), gr.skip()
    try:
        ctx.studio.add_lora_folder(folder)
    except Exception as err:
        return problem(err, "page.doing.folder", lang), gr.skip()
    return done(text("page.lora.added", lang)), folders_text(ctx.studio, remote=False, lang=lang)


def open_lora_folder(ctx: UiContext, lang: str = "en") -> str:
    folder = ctx.studio.lora_folders()[0]
    if ctx.server.remote:
        return note(text("page.lora.on_host", lang))
    why = open_folder(folder)
    return done(text("page.lora.opened", lang, folder=folder)) if why is None else \
        note(text("page.lora.folder_is", lang, why=words(why, lang), folder=folder))


def restore(studio: Studio, clip_id: str | None) -> tuple[object, ...]:
    """A clip's LoRAs back in the slots (names, strengths, state, report) for "Reuse settings"."""
    try:
        uses = studio.clip_loras(clip_id or "")
    except Exception:
        return (gr.skip(),) * (2 * MAX_LORAS + 2)
    names = tuple(u.name for u in uses) + ("",) * (MAX_LORAS - len(uses))
    strengths = tuple(u.strength for u in uses) + (1.0,) * (MAX_LORAS - len(uses))
    choices = name_choices(studio, keep=names)
    chosen = chosen_value(*names, *strengths)
    return (*(gr.update(choices=choices, value=n or None) for n in names), *strengths, chosen,
            report_text(studio, chosen))


def listen(ctx: UiContext) -> None:
    w = ctx.area(LoraWidgets)
    studio = ctx.studio
    slots: list[Any] = [*w.names, *w.strengths]

    def on_change(*values: object) -> tuple[list[list[object]], str]:
        chosen = chosen_value(*values)
        return chosen, report_text(studio, chosen, ctx.lang())

    def on_rescan(*values: object) -> tuple[object, ...]:
        lang = ctx.lang()
        keep = tuple(str(v) for v in values[:MAX_LORAS] if v)
        choices = name_choices(studio, keep, lang)
        chosen = chosen_value(*values)
        return (*(gr.update(choices=choices) for _ in w.names), chosen, report_text(studio, chosen, lang),
                folders_text(studio, ctx.server.remote, lang))

    def on_open(request: gr.Request) -> str:
        return open_lora_folder(ctx, ctx.lang(request))

    def on_add(folder: object, request: gr.Request) -> tuple[str, str]:
        return add_folder(ctx, folder, ctx.lang(request))

    # preprocess=False: raw names and numbers; the Studio checks them, with messages that name the bad one.
    for i, widget in enumerate(slots, start=1):
        widget.change(on_change, inputs=slots, outputs=[w.chosen, w.report], show_progress="hidden",
                      api_name=f"lora_pick_{i}", api_visibility="private", preprocess=False)
    rescan_outputs = [*w.names, w.chosen, w.report, w.folders]
    w.rescan.click(on_rescan, inputs=slots, outputs=rescan_outputs, api_name="lora_list", preprocess=False)
    ctx.blocks().load(on_rescan, inputs=slots, outputs=rescan_outputs, show_progress="hidden",
                      api_name="lora_on_load", api_visibility="private", preprocess=False)
    w.open_folder.click(on_open, outputs=[w.message], api_name="open_lora_folder")
    w.add_folder.click(on_add, inputs=[w.new_folder], outputs=[w.message, w.folders], api_name="add_lora_folder")
    ctx.widget("reuse").click(lambda clip_id: restore(studio, clip_id), inputs=[ctx.widget("picked_clip")],
                              outputs=[*slots, w.chosen, w.report], api_name="lora_reuse",
                              api_visibility="private")
