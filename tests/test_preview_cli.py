"""`app.py generate --preview-dir DIR` writes the per-step previews for scripts."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

import app
from backend.studio import Studio
from tests.conftest import FakeGpu
from tests.support.cpu_engine import CpuTestEngine


def test_generate_writes_step_previews(paths, tmp_path: Path) -> None:
    studio = Studio(paths, CpuTestEngine(step_delay=0.3), gpu=FakeGpu(), host_ram=64.0, preload=False)
    studio.update_settings(previews=False)  # the option asks for them; the saved setting is left alone
    studio.start()
    out = io.StringIO()
    folder = tmp_path / "previews"
    argv = ["generate", "--prompt", "a boat", "--width", "256", "--height", "256", "--frames", "9", "--seed", "3",
            "--preview-dir", str(folder)]
    try:
        code = app.run_generate(studio, app.parse_args(argv), out)
    finally:
        studio.stop()
    text = out.getvalue()
    assert code == 0, text
    written = sorted(folder.glob("*-step*.webp"))
    steps = {int(p.stem.rsplit("step", 1)[1]) for p in written}
    assert 4 in steps and steps <= {1, 2, 3, 4}  # the last step always; an earlier one is skipped when slow
    for path in written:
        assert f"preview {path}" in text
        image = Image.open(path)
        assert image.format == "WEBP" and image.n_frames == 3  # 9 frames → 3 latent frames
    assert studio.settings.previews is False
