"""The Studio's part that knows about guests: what the owner lets them see and which clips a viewer may
see. A part of `Studio` (its base class), kept apart so each module
stays small: nothing else uses it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.access import GuestPermissions, NotAllowed, Viewer, visible_clip_ids
from backend.i18n import Message

if TYPE_CHECKING:
    from backend.gallery import Clip, Gallery
    from backend.jobs.queue import JobQueue
    from backend.settings import Paths, UserSettings


class GuestDesk:
    """Guest permissions and per-viewer clips, for `Studio` (which provides the attributes)."""

    if TYPE_CHECKING:
        paths: Paths
        settings: UserSettings
        queue: JobQueue
        gallery: Gallery

    @property
    def guest_permissions(self) -> GuestPermissions:
        s = self.settings
        return GuestPermissions(see_prompts=s.guests_see_prompts, see_all_clips=s.guests_see_all_clips)

    def clips_for(self, viewer: Viewer) -> list[Clip]:
        """The clips this viewer may list, play and download, newest first."""
        clips = self.gallery.list()
        if viewer.is_owner:
            return clips
        visible = visible_clip_ids(viewer, self.queue.snapshot(), (c.id for c in clips), self.guest_permissions)
        return [c for c in clips if c.id in visible]

    def visible_clip(self, clip_id: str, viewer: Viewer) -> Clip:
        """The clip, if this viewer may see it: NotFound when there is none, NotAllowed when it is another's."""
        clip = self.gallery.get(clip_id)
        if not viewer.is_owner and clip.id not in {c.id for c in self.clips_for(viewer)}:
            raise NotAllowed(Message.of("access.what.other_clip"))
        return clip
