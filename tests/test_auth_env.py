"""--auth from the WAN_STUDIO_AUTH variable: the way to give a login without putting the password on a
command line (where Wine's cmd would rewrite its % signs, and the process list would show it)."""

from __future__ import annotations

import pytest

from app import AUTH_ENV, parse_args

PASSWORD = "me:Pa!ss%word%^&x(1) \"q\""


def test_auth_comes_from_the_variable_when_left_off_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AUTH_ENV == "WAN_STUDIO_AUTH"  # the name the README and both launch scripts' tests use
    monkeypatch.setenv(AUTH_ENV, PASSWORD)
    assert parse_args(["--listen"]).auth == PASSWORD
    assert parse_args(["serve", "--share"]).auth == PASSWORD


def test_auth_on_the_command_line_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTH_ENV, PASSWORD)
    assert parse_args(["--listen", "--auth", "ann:long enough"]).auth == "ann:long enough"


@pytest.mark.parametrize("value", [None, ""])
def test_no_variable_means_no_given_login(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv(AUTH_ENV, raising=False)
    else:
        monkeypatch.setenv(AUTH_ENV, value)
    assert parse_args(["--listen"]).auth is None
