"""`app.py generate --lora FILE[:STRENGTH]`: checked before any GPU lookup, recorded in the clip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import app
from backend.lora import parse
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine
from tests.support.lora_files import make_layers, write_lora


def generate(studio: Studio, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    args = app.parse_args(["generate", "--prompt", "a boat", "--width", "256", "--height", "256", "--frames", "5",
                           "--seed", "4", *extra])
    studio.start()
    try:
        return app.run_generate(studio, args, out), out.getvalue()
    finally:
        studio.stop()


@pytest.fixture
def lora(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return write_lora(folder / "boat.safetensors", make_layers(parse.WAN21_14B, 1, ("cross_attn.k",), blocks=(9,)),
                      "wan")


@pytest.mark.parametrize("value, parsed", [
    ("a.safetensors", ("a.safetensors", "1")),
    ("a.safetensors:0.5", ("a.safetensors", "0.5")),
    ("a.safetensors:-2", ("a.safetensors", "-2")),
    ("C:\\loras\\a.safetensors", ("C:\\loras\\a.safetensors", "1")),
    ("C:\\loras\\a.safetensors:1.5", ("C:\\loras\\a.safetensors", "1.5")),
    ("a.safetensors:strong", ("a.safetensors", "strong")),
])
def test_file_and_strength(value: str, parsed: tuple[str, str]) -> None:
    path, strength = app.split_lora_arg(value)
    assert (str(path), strength) == parsed


def test_generate_with_a_lora_from_any_folder(paths, lora: Path) -> None:
    studio = Studio(paths, CpuTestEngine(), gpu=FakeGpu(), host_ram=64.0, preload=False)
    code, text = generate(studio, "--lora", f"{lora}:0.75")
    assert code == 0, text
    (clip,) = studio.clips()
    assert clip.request is not None and clip.request.loras[0].name == "boat.safetensors"
    assert clip.request.loras[0].strength == 0.75 and clip.record.lora_layers == 1


@pytest.mark.parametrize("value, words", [
    ("{lora}:3", "strength of boat.safetensors is '3'"),
    ("{lora}:nan", "strength of boat.safetensors is 'nan'"),
    ("{lora}:strong", "must be a number"),
    ("{folder}/nothing.safetensors", "nothing.safetensors does not exist"),
    ("{folder}/notes.txt", "is not a .safetensors file"),
    ("{folder}/short.safetensors", "short.safetensors is incomplete or damaged"),
])
def test_bad_lora_arguments_are_reported_before_the_gpu(paths, lora: Path, value: str, words: str) -> None:
    (lora.parent / "notes.txt").write_text("x")
    (lora.parent / "short.safetensors").write_bytes(lora.read_bytes()[:-8])
    engine = CpuTestEngine(unavailable="No NVIDIA GPU with CUDA was found.")
    code, text = generate(Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False),
                          "--lora", value.format(lora=lora, folder=lora.parent))
    assert code == 1 and text.startswith("error: ") and words in text and "GPU" not in text, text
    assert text.count("\n") == 1


@pytest.mark.parametrize("strengths, words", [(("0.1", "0.2", "0.3", "0.4"), "at most 3"),
                                              (("0.1", "0.2"), "boat.safetensors is chosen twice")])
def test_too_many_or_twice(paths, lora: Path, strengths: tuple[str, ...], words: str) -> None:
    engine = CpuTestEngine(unavailable="No GPU.")
    code, text = generate(Studio(paths, engine, gpu=FakeGpu(), host_ram=64.0, preload=False),
                          *[arg for s in strengths for arg in ("--lora", f"{lora}:{s}")])
    assert code == 1 and words in text
