"""The notices area at the top of the page: start-up notes and how the page is shared.

Start-up notes are skipped damaged files and interrupted jobs; sharing is the public link and the
login. Shown once per tab until dismissed, to the owner only: the row is drawn hidden and shown to the owner
at page load, and its events refuse guests on the server (ui/roles.py), so a guest's page never gets them.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.i18n import words
from ui.context import ServerInfo, UiContext
from ui.formatting import attr, esc
from ui.labels import label
from ui.words import fill, say


@dataclass(frozen=True)
class NoticeWidgets:
    banner: gr.HTML
    dismiss: gr.Button


def render(ctx: UiContext) -> NoticeWidgets:
    with gr.Row(elem_id="wan-notices-row") as row:
        banner = gr.HTML("", elem_id="wan-notices")  # filled for the owner at load
        dismiss = gr.Button(label("notices.dismiss"), size="sm", scale=0, min_width=90, elem_id="wan-dismiss")
    ctx.owner_only(row)  # the owner's files, the port and the password: never a guest's
    return ctx.keep(NoticeWidgets(banner, dismiss))


def access_lines(server: ServerInfo, lang: str = "en") -> list[str]:
    """What someone sharing the page needs to know: where it is reachable and how to log in."""
    lines = []
    if server.share_url:
        link = f'<a href="{attr(server.share_url)}" target="_blank">{esc(server.share_url)}</a>'
        lines.append("🌐 " + fill(lang, "page.notice.public", link=link))
    elif server.share_requested and server.local_url:
        lines.append("🌐 " + say(lang, "page.notice.no_public", url=server.local_url))
    if server.listen:
        lines.append("📡 " + say(lang, "page.notice.network", port=server.port))
    user = f"<code>{esc(server.user)}</code>"
    if server.user and server.generated_password:
        lines.append("🔑 " + fill(lang, "page.notice.login_generated", user=user,
                                  password=f"<code>{esc(server.generated_password)}</code>"))
    elif server.user:
        lines.append("🔑 " + fill(lang, "page.notice.login_given", user=user))
    return lines


def notices_html(notes: list[str], server: ServerInfo, lang: str = "en") -> str:
    """Start-up notes in `lang` (each kept with its message: backend.i18n.Said), then how the page is shared."""
    items = [f"<li>⚠️ {esc(words(n, lang))}</li>" for n in notes]
    items += [f"<li>{line}</li>" for line in access_lines(server, lang)]
    return f'<ul class="wan-notices">{"".join(items)}</ul>' if items else ""


def listen(ctx: UiContext) -> None:
    w = ctx.area(NoticeWidgets)

    def current(request: gr.Request) -> tuple[str, dict]:
        # Owner-only endpoints (ui/roles.py): a guest's call is refused before it gets here.
        html = notices_html(ctx.studio.notes, ctx.server, ctx.lang(request))
        return html, gr.update(visible=bool(html))

    ctx.blocks().load(current, outputs=[w.banner, w.dismiss], show_progress="hidden", api_name="notices")
    ctx.on_language("language_notices", current, outputs=[w.banner, w.dismiss])
    w.dismiss.click(lambda: ("", gr.update(visible=False)), outputs=[w.banner, w.dismiss], show_progress="hidden",
                    api_name="dismiss_notices", api_visibility="private")
