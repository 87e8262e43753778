"""Who may do what: the owner (the person at this computer) and guests (people logged in with the shared
password). Every rule about what a guest sees or may change lives here; the page and the server ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from backend.errors import BadRequest, StudioError
from backend.i18n import Message
from backend.jobs.job import Job

Role = Literal["owner", "guest"]
ROLES: tuple[Role, ...] = ("owner", "guest")
GUEST_WAITING_CAP = 4
"""Jobs one guest may have waiting (queued, not yet running) at any time."""


class NotAllowed(StudioError):
    """A guest asked for something only the owner may do; nothing was changed."""

    kind = "not_allowed"

    def __init__(self, what: Message | None = None) -> None:
        """`what` names the thing refused ("access.what.…"), in any language; by default "This"."""
        super().__init__(Message.of("access.only_owner", what=what or Message.of("access.what.this")))


@dataclass(frozen=True)
class Viewer:
    """Who is asking. A guest is one login session, known by a digest of its session (never the secret)."""

    role: Role
    guest_id: str | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def submitter(self) -> str | None:
        """What a job records as its maker: None for the owner, the guest's id otherwise."""
        return None if self.is_owner else self.guest_id

    @classmethod
    def guest(cls, guest_id: str) -> Viewer:
        if not guest_id:
            raise ValueError("a guest needs an id")
        return cls("guest", guest_id)

    def owns(self, job: Job) -> bool:
        """The owner owns every job; a guest only the jobs their session queued."""
        return self.is_owner or (job.guest is not None and job.guest == self.guest_id)

    def sees_prompt(self, job: Job, allowed: GuestPermissions) -> bool:
        """Whether this viewer may read the job's prompt, seed and outcome."""
        return self.owns(job) or allowed.see_prompts


OWNER = Viewer("owner")


@dataclass(frozen=True)
class GuestPermissions:
    """What the owner lets guests see beyond their own jobs and clips (Settings, off by default)."""

    see_prompts: bool = False
    see_all_clips: bool = False


OWN_ONLY = GuestPermissions()
"""The default: a guest sees only their own jobs' prompts and their own clips."""


def check_guest_quota(viewer: Viewer, jobs: Iterable[Job], adding: int) -> None:
    """Refuse a guest's submission that would leave more than GUEST_WAITING_CAP of their jobs waiting."""
    if viewer.is_owner:
        return
    waiting = sum(1 for j in jobs if j.status == "queued" and viewer.owns(j))
    if waiting + adding > GUEST_WAITING_CAP:
        left = max(0, GUEST_WAITING_CAP - waiting)
        raise BadRequest(Message.of("access.guest_cap", cap=GUEST_WAITING_CAP, waiting=waiting),
                         Message.of("access.guest_cap_left", left=left) if left else
                         Message.of("access.guest_cap_wait"))


def check_may_cancel(viewer: Viewer, job: Job) -> None:
    if not viewer.owns(job):
        raise NotAllowed(Message.of("access.what.cancel_other"))


def visible_clip_ids(viewer: Viewer, jobs: Iterable[Job], clip_ids: Iterable[str],
                     allowed: GuestPermissions) -> set[str]:
    """The clips this viewer may list, play and download."""
    ids = set(clip_ids)
    if viewer.is_owner or allowed.see_all_clips:
        return ids
    return {j.clip_id for j in jobs if j.clip_id in ids and viewer.owns(j)}
