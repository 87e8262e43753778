"""The route that serves clip posters to the page: `/poster/<clip id>`, for whoever may see that clip.

Posters live beside the clips, but their address on the page names only the clip, so no one reads the
owner's folders from an image link; a guest gets only the posters of clips `Studio.clips_for` gives them
(the login gate has already checked the session).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from backend.errors import StudioError
from backend.studio import Studio
from ui.roles import viewer_from

POSTER_PATH = "/poster"


def poster_url(clip_id: str, version: int) -> str:
    """The page's address for a clip's poster (relative, so it works under any root path); `version` (the
    poster file's time) makes a rebuilt poster load afresh."""
    return f"poster/{clip_id}?v={version}"


def poster_routes(studio: Studio) -> list[BaseRoute]:
    async def poster(request: Request) -> Response:
        clip_id = str(request.path_params["clip_id"])
        viewer = viewer_from(request.app, request.cookies)
        try:
            path = studio.poster(studio.visible_clip(clip_id, viewer)) if viewer is not None else None
        except StudioError:  # no such clip, or not this viewer's to see
            path = None
        if path is None:
            return JSONResponse({"detail": "No such poster."}, 404)
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})

    return [Route(POSTER_PATH + "/{clip_id}", poster, methods=["GET"])]
