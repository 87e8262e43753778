"""Request validation: every bad value is refused before any GPU work, with a message naming it."""

from __future__ import annotations

import pytest

from backend.errors import BadRequest
from backend.request import (
    FRAMES_MAX,
    PROMPT_MAX_CHARS,
    SEED_MAX,
    build_request,
    prompt_warning,
    snap_frames,
)


def test_defaults_and_trimmed_prompt() -> None:
    r = build_request("  a fox  ", seed=3)
    assert (r.prompt, r.width, r.height, r.frames, r.seed, r.preset) == ("a fox", 832, 480, 81, 3, "auto")


@pytest.mark.parametrize("prompt", ["", "   \n\t ", None, "\x00\x01\x02"])
def test_empty_prompt(prompt: object) -> None:
    with pytest.raises(BadRequest, match="prompt is empty"):
        build_request(prompt)


def test_prompt_type_and_length() -> None:
    with pytest.raises(BadRequest, match="must be text"):
        build_request(123)
    with pytest.raises(BadRequest, match=f"at most {PROMPT_MAX_CHARS}"):
        build_request("x" * (PROMPT_MAX_CHARS + 1))


def test_control_characters_dropped_unicode_kept() -> None:
    r = build_request("a\x07 fox 🦊 \u202eשלום\nnext line", seed=1)
    assert "\x07" not in r.prompt and "🦊" in r.prompt and "שלום" in r.prompt and "\n" in r.prompt


def test_long_prompt_warning_names_the_512_token_limit() -> None:
    assert prompt_warning("short") is None
    assert "512" in (prompt_warning("word " * 600) or "")
    assert (prompt_warning("word " * 600, "zh") or "").startswith("这段提示词约有 750 个词元；")


@pytest.mark.parametrize(
    ("width", "height", "needle"),
    [(833, 480, "width 833"), (832, 100, "height 100"), (2048, 480, "width 2048"), ("abc", 480, "whole number"),
     (1280, 1280, "pixels"), (None, 480, "whole number"), (float("nan"), 480, "whole number"), (832.5, 480, "whole")],
)
def test_bad_sizes(width: object, height: object, needle: str) -> None:
    with pytest.raises(BadRequest, match=needle):
        build_request("p", width=width, height=height)


@pytest.mark.parametrize("size", [(480, 832), (832, 480), (720, 1280), (1280, 720), (512, 512), ("640", "384")])
def test_good_sizes(size: tuple[object, object]) -> None:
    assert build_request("p", width=size[0], height=size[1]).width == int(size[0])


@pytest.mark.parametrize("frames", [0, 4, 80, 82, FRAMES_MAX + 4, -1, "many", 81.5])
def test_bad_frames(frames: object) -> None:
    with pytest.raises(BadRequest, match="frame count"):
        build_request("p", frames=frames)


def test_frames_accept_4k_plus_1_and_snap() -> None:
    assert build_request("p", frames="49").frames == 49
    assert [snap_frames(x) for x in (0, 80, 82, 84, 1000)] == [5, 81, 81, 85, FRAMES_MAX]


def test_seeds() -> None:
    assert build_request("p", seed=0).seed == 0
    assert build_request("p", seed=SEED_MAX).seed == SEED_MAX
    assert 0 <= build_request("p", seed=None).seed <= SEED_MAX
    assert 0 <= build_request("p", seed="random").seed <= SEED_MAX
    for bad in (-5, SEED_MAX + 1, 10**30):
        with pytest.raises(BadRequest, match=f"0 to {SEED_MAX}"):
            build_request("p", seed=bad)
    with pytest.raises(BadRequest, match="whole number"):
        build_request("p", seed="1e400x")


@pytest.mark.parametrize("preset", ["../../etc", "", 5, "a" * 40])
def test_bad_preset_names(preset: object) -> None:
    with pytest.raises(BadRequest, match="preset"):
        build_request("p", preset=preset)


@pytest.mark.parametrize(("frames", "allowed"), [(1, False), (5, True), (161, True), (165, False)])
def test_frame_count_at_the_exact_edges(frames: int, allowed: bool) -> None:
    if allowed:
        assert build_request("p", width=256, height=256, frames=frames).frames == frames
        return
    with pytest.raises(BadRequest) as raised:
        build_request("p", width=256, height=256, frames=frames)
    assert raised.value.message == (f"The frame count {frames} is not allowed: use 4k+1 from 5 to 161 "
                                    "(for example 49, 81 or 121).")


@pytest.mark.parametrize(("side", "allowed"), [(240, False), (256, True), (1280, True), (1296, False)])
def test_size_at_the_exact_edges(side: int, allowed: bool) -> None:
    for width, height, name in ((side, 256, "width"), (256, side, "height")):
        if allowed:
            assert (build_request("p", width=width, height=height).width, height) == (width, height)
            continue
        with pytest.raises(BadRequest) as raised:
            build_request("p", width=width, height=height)
        assert raised.value.message == f"The {name} {side} is not allowed: use a multiple of 16 from 256 to 1280."
