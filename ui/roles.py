"""Roles on the server: every endpoint of the page declares who may call it, and each call is checked.

`ENDPOINT_ROLES` is the one registry: each event's api_name → "owner" or "guest". `guard_endpoints` refuses
to serve a page with an event that is not in it, and wraps every owner-only event so a guest's call is
refused on the server, whatever sent it (the page, gradio_client, a hand-made HTTP request). Guest
endpoints get the caller as a `Viewer` (`viewer_of`) and show or change only what that viewer may.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from backend.access import OWNER, NotAllowed, Role, Viewer
from backend.i18n import Message

logger = logging.getLogger(__name__)

OWNER_USER = "owner (this computer)"
"""The user name of owner sessions in Gradio's session table; --auth may not use it."""

LANGUAGE_REDRAWS: Mapping[str, Role] = {
    "language_notices": "owner", "language_doctor": "owner", "language_length": "guest", "language_clip": "guest",
    "language_preset": "guest", "language_models": "owner",
}
ENDPOINT_ROLES: Mapping[str, Role] = {
    # What anyone logged in may use: the form, queueing (capped), their own jobs, watching.
    "load_example": "guest", "prompt_warning": "guest",
    "snap_frames": "guest", "frame_limits": "guest", "new_seed": "guest", "lock_seed": "guest", "seed_shown": "guest",
    "preset_fit": "guest", "preset_summary": "guest", "generate": "guest", "cancel_running": "guest",
    "progress": "guest",
    "progress_on_load": "guest", "gauge": "guest", "cancel_job": "guest", "queue_act": "guest", "queue_view": "guest",
    "queue_on_load": "guest", "pick_clip": "guest", "show_clip": "guest", "reuse_settings": "guest",
    "gallery_view": "guest", "gallery_on_load": "guest", "role_view": "guest",
    "page_language": "guest", "choose_language": "guest",  # a browser's own language: theirs to choose
    # what a switch draws again in the new language, and a load once the page told its stored choice
    **{name + after: role for name, role in LANGUAGE_REDRAWS.items() for after in ("", "_on_load")},
    # Only the person at the computer: the GPU, files, folders, downloads, settings, the saved form, the doctor.
    # Start-up notices: the owner's files, the port, the login and its password.
    "notices": "owner", "dismiss_notices": "owner",
    "free_gpu": "owner", "requeue_job": "owner", "cancel_waiting": "owner", "clear_finished": "owner",
    "delete_clip": "owner", "open_clips_folder": "owner",
    "use_weights_folder": "owner", "weights_folder_submit": "owner", "default_weights_folder": "owner",
    "weight_set_status": "owner", "download_weights": "owner", "download_preview_decoder": "owner",
    "decoder_status_view": "owner",
    "cancel_download": "owner",
    "download_view": "owner", "weights_on_load": "owner", "run_doctor": "owner", "doctor_view": "owner",
    "doctor_on_load": "owner", "restore_form": "owner", "save_prompt": "owner", "save_size": "owner",
    "save_frames": "owner", "save_seed": "owner", "save_seed_lock": "owner", "save_preset": "owner",
    "save_low_ram": "owner", "save_guests_see_prompts": "owner", "save_guests_see_all_clips": "owner",
    "previews_setting": "owner", "previews_on_load": "owner", "preview": "guest",
    # LoRAs name the owner's files and folders; drafts are not counted against a guest's cap yet: owner only.
    **{f"lora_pick_{i}": "owner" for i in range(1, 7)},  # three LoRAs: a name and a strength each
    "lora_list": "owner",
    "lora_on_load": "owner", "lora_reuse": "owner", "open_lora_folder": "owner", "add_lora_folder": "owner",
    "draft_seeds": "owner", "choose_draft": "owner", "drafts": "owner",
}
ACTIONS = frozenset({"click", "submit"})
"""Triggers a person fires on purpose: a refused one says why. Other triggers (page load, timers, form
changes) fire on every page by themselves, so a guest's page gets no change and no message."""


QUIET_REFUSALS = frozenset({"lora_reuse"})
"""Owner-only events a guest fires by pressing a button they may use (the gallery's Reuse settings also
restores LoRAs): refused without a message, like the automatic ones."""


class UndeclaredEndpoint(RuntimeError):
    """An event without a role in ENDPOINT_ROLES: the page is not served until it has one."""


# ---- who is asking ----------------------------------------------------------------------------------
def session_token(server: Any, cookies: Mapping[str, str]) -> str | None:
    """The login session's token from the cookies Gradio (or the owner link) set, if the server knows it."""
    cookie_id = getattr(server, "cookie_id", "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return token if token is not None and token in getattr(server, "tokens", {}) else None


def viewer_from(server: Any, cookies: Mapping[str, str]) -> Viewer | None:
    """The owner without a login (the page is on this computer only), else whoever the session belongs to;
    None without a valid session."""
    if getattr(server, "auth", None) is None:
        return OWNER
    token = session_token(server, cookies)
    if token is None:
        return None
    if server.tokens.get(token) == OWNER_USER:
        return OWNER
    # The token is the session's secret: jobs record only a digest of it.
    return Viewer.guest(hashlib.sha256(token.encode()).hexdigest()[:16])


def viewer_of(request: gr.Request | None, server: Any) -> Viewer | None:
    """The viewer behind one event call (None: no valid session, refuse)."""
    if getattr(server, "auth", None) is None:
        return OWNER
    inner = getattr(request, "request", None) if request is not None else None
    cookies = getattr(inner, "cookies", None)
    return viewer_from(server, cookies) if cookies is not None else None


def require_viewer(request: gr.Request | None, server: Any) -> Viewer:
    viewer = viewer_of(request, server)
    if viewer is None:
        raise NotAllowed(Message.of("access.what.page"))
    return viewer


# ---- enforcing the registry ---------------------------------------------------------------------------
def _refusal(fn: Callable[..., Any], api_name: str, outputs: int, explicit: bool,
             server: Callable[[], Any], lang: Callable[[gr.Request | None], str]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def owner_only(*args: Any, **kwargs: Any) -> Any:
        request = LocalContext.request.get(None)
        viewer = viewer_of(request, server())
        if viewer is not None and viewer.is_owner:
            return fn(*args, **kwargs)
        logger.info("Refused %s to a guest", api_name)
        if explicit:  # a toast, in the page's language
            raise gr.Error(NotAllowed().user_text(lang(request)), print_exception=False)
        skipped = tuple(gr.skip() for _ in range(outputs))
        return skipped[0] if outputs == 1 else (skipped or None)

    return owner_only


def english(_request: gr.Request | None) -> str:
    return "en"


def guard_endpoints(demo: gr.Blocks, lang: Callable[[gr.Request | None], str] = english) -> dict[str, Role]:
    """Check every event has a declared role and wrap the owner-only ones; returns api_name → role. A refusal
    is worded in `lang(request)`, the page's language."""
    declared: dict[str, Role] = {}
    for block_fn in demo.fns.values():
        name = str(block_fn.api_name)
        role = ENDPOINT_ROLES.get(name)
        if role is None:
            raise UndeclaredEndpoint(f"The event {name!r} has no role: add it to ui/roles.py ENDPOINT_ROLES.")
        declared[name] = role
        if role == "owner" and block_fn.fn is not None:
            # An API-only endpoint (gr.api: no trigger on the page) is always called on purpose.
            explicit = name not in QUIET_REFUSALS and (not block_fn.targets or any(
                event in ACTIONS for _target, event in block_fn.targets))
            block_fn.fn = _refusal(block_fn.fn, name, len(block_fn.outputs), explicit, lambda: demo.app, lang)
    return declared


def role_view(ctx_owner_only: list[gr.components.Component], server: Callable[[], Any]) -> Callable[..., Any]:
    """The page-load handler that hides owner-only parts of the page from guests."""
    def view(request: gr.Request) -> tuple[object, ...] | object:
        viewer = viewer_of(request, server())
        shown = viewer is not None and viewer.is_owner
        updates = tuple(gr.update(visible=shown) for _ in ctx_owner_only)
        return updates[0] if len(updates) == 1 else updates

    return view
