"""User settings: a change names a real setting with a value of its type, or it is refused."""

from __future__ import annotations

import pytest

from backend.errors import BadRequest
from backend.settings import UserSettings


def test_merged_applies_known_settings() -> None:
    changed = UserSettings().merged(seed_locked=True, low_ram="on", frames=49)
    assert (changed.seed_locked, changed.low_ram, changed.frames) == (True, "on", 49)


@pytest.mark.parametrize(("changes", "message"), [
    ({"seed_lock": True}, "There is no setting named 'seed_lock'."),
    ({"low_ram": "sideways"}, "Low-RAM mode 'sideways' does not exist: use auto, on, off."),
    ({"frames": "49"}, "The setting frames must be int, not str."),
    ({"seed_locked": 1}, "The setting seed_locked must be bool, not int."),
])
def test_merged_refuses_what_it_cannot_keep(changes: dict[str, object], message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        UserSettings().merged(**changes)
    assert raised.value.user_text() == message
