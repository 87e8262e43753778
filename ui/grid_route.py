"""The route that draws the clips grid the first time: `/grid`, the grid's HTML for whoever asks.

The page asks for it from its head, while Gradio's scripts still load, and the grid draws it as soon as it is
on the page (ui/areas/gallery.py), so 500 clips are drawn without waiting behind the page's first round of
Gradio events. It is the same HTML the gallery's timer sends, for the same viewer in the page's language
(`lang`: the browser's choice; "auto" follows its Accept-Language, as ui/language.py does for events): a
guest gets only the clips `Studio.clips_for` gives them (the login gate has already checked the session).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from backend.studio import Studio
from ui.areas.gallery import GRID_PATH, view
from ui.language import page_lang
from ui.roles import viewer_from


def grid_routes(studio: Studio) -> list[BaseRoute]:
    async def grid(request: Request) -> Response:
        viewer = viewer_from(request.app, request.cookies)
        if viewer is None:
            return JSONResponse({"detail": "Log in first."}, 401)
        lang = page_lang(request.query_params.get("lang"), request.headers.get("accept-language", ""))
        drawn = await run_in_threadpool(view, studio, viewer, lang)  # lists the clips folder: off the event loop
        return HTMLResponse(drawn.html, headers={"Cache-Control": "no-store"})

    return [Route("/" + GRID_PATH, grid, methods=["GET"])]
