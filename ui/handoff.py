"""The page's side of `app.py generate`'s hand-off (protocol in backend/handoff.py): two routes that queue a
job on this Studio and report it, for the owner only: the owner key must match and the caller must be on
this computer. Everything else about the job (seed, queue order, gallery) is exactly as from the page."""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from backend.errors import StudioError
from backend.handoff import FIELDS, JOBS_PATH, KEY_HEADER
from backend.studio import Studio

logger = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def handoff_routes(studio: Studio) -> list[BaseRoute]:
    """The routes, bound to this Studio and its owner key (no key: no routes, nothing can be handed over)."""
    key = studio.owner_key()
    if not key:
        return []

    def refused(request: Request) -> JSONResponse | None:
        client = request.client.host if request.client else ""
        given = request.headers.get(KEY_HEADER, "")
        if client not in LOOPBACK or not hmac.compare_digest(given.encode(), key.encode()):
            logger.warning("Refused a job hand-off from %s", client or "an unknown client")
            return JSONResponse({"error": "Only the owner on this computer may hand jobs to the studio."}, 403)
        return None

    async def submit(request: Request) -> JSONResponse:
        if (denied := refused(request)) is not None:
            return denied
        try:
            body = await request.json()
            fields = {name: body.get(name) for name in FIELDS}
            lora_args = [str(value) for value in fields.pop("lora") or ()]
        except (ValueError, AttributeError, TypeError):
            return JSONResponse({"error": "The hand-off request was not a JSON object."}, 400)
        try:  # the same checks, in the same order, as when the command runs the job itself
            job = studio.submit_command(fields.pop("prompt"), **fields, lora_args=lora_args)
        except StudioError as err:
            return JSONResponse({"error": err.user_text()}, 400)
        logger.info("Job %s handed over by app.py generate", job.id)
        return JSONResponse({"job": job.to_dict()})

    async def status(request: Request) -> JSONResponse:
        if (denied := refused(request)) is not None:
            return denied
        try:
            job = studio.job(str(request.path_params["job_id"]))
            clip = studio.clip(job.clip_id) if job.status == "done" and job.clip_id else None
        except StudioError as err:  # NotFound: no such job or clip
            return JSONResponse({"error": err.user_text()}, 404)
        return JSONResponse({"job": job.to_dict(), "clip_path": str(clip.path) if clip else None})

    return [Route(JOBS_PATH, submit, methods=["POST"]), Route(JOBS_PATH + "/{job_id}", status, methods=["GET"])]
