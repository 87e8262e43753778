"""The layers, read from the source with ast: ui/ reaches the backend only through the Studio and typed
values, app.py only through the Studio (plus the engine it wires in), and backend/ never imports ui/ or
gradio. Imports inside functions count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

UI_MAY_IMPORT: dict[str, frozenset[str]] = {
    "backend": frozenset({"APP_VERSION"}),
    "backend.studio": frozenset({"Studio", "MAX_BATCH"}),
    "backend.studio_drafts": frozenset({"DRAFTS_MIN", "DRAFTS_MAX"}),
    "backend.errors": frozenset({"StudioError", "BadRequest", "reworded"}),
    "backend.jobs.job": frozenset({"Job", "JobStatus", "ACTIVE", "FINISHED"}),
    "backend.gallery": frozenset({"Clip"}),
    "backend.records": frozenset({"ClipRecord", "StageTimings", "LoraApplied"}),
    "backend.gpu": frozenset({"GpuReading"}),
    "backend.request": frozenset({"FPS", "FRAMES_DEFAULT", "FRAMES_MAX", "FRAMES_MIN", "SEED_MAX", "SUPPORTED_SIZES",
                                  "MAX_LORAS", "LORA_STRENGTH_MIN", "LORA_STRENGTH_MAX"}),
    "backend.settings": frozenset({"LowRam"}),
    "backend.presets": frozenset({"Fit"}),
    "backend.models": frozenset({"WEIGHT_SETS", "WeightSet"}),
    "backend.download": frozenset({"DownloadProgress"}),
    "backend.checks": frozenset({"Check"}),
    "backend.doctor": frozenset({"DoctorReport"}),
    "backend.background": frozenset({"RunState"}),
    # the catalog: the page words its run-time text from it
    "backend.i18n": frozenset({"data_size", "mib", "seconds", "text", "words", "Message", "Lang", "LANGS",
                               "pick_language", "progress_text", "say"}),
    "backend.access": frozenset({"Viewer", "Role", "OWNER", "OWN_ONLY", "GuestPermissions", "NotAllowed"}),
    "backend.weights_words": frozenset({"weights_message"}),  # a weights check's facts as the catalog's message
    "backend.preview.decoder": frozenset({"DOWNLOAD_SIZE"}),  # the decoder's size before the Hub tells it
    "backend.owner_key": frozenset({"OWNER_PARAM", "owner_url", "is_owner_key"}),  # the owner link's text
    "backend.handoff": frozenset({"FIELDS", "JOBS_PATH", "KEY_HEADER"}),  # the hand-off's protocol
}
"""The Studio, and typed values (frozen records, Literal types, constants) that cross into the page."""

APP_MAY_IMPORT: dict[str, frozenset[str]] = {
    "backend.studio": frozenset({"Studio"}),
    "backend.errors": frozenset({"StudioError", "stored_error_text", "FolderInUse"}),
    "backend.jobs.job": frozenset({"FINISHED", "Job"}),
    "backend.settings": frozenset({"Paths"}),
    "backend.download": frozenset({"DownloadProgress"}),
    "backend.engine.lightx2v": frozenset({"LightX2VEngine", "set_engine_environment"}),  # the wiring
    "backend.console": frozenset({"ConsoleBar", "download_line", "job_error", "job_line", "weights_summary"}),
    "backend.i18n": frozenset({"pick_language", "system_language", "text"}),  # the console's language
    # Before there is a Studio: the data folder's lock, and reaching the process that holds it.
    "backend.data_lock": frozenset({"DataFolderLock", "OwnerRecord"}),
    "backend.handoff": frozenset({"RemoteJobs"}),
    "backend.owner_key": frozenset({"read_owner_key"}),
    "backend.headless": frozenset({"ConsoleWriter", "JobSource", "LocalJobs"}),
    "backend.running": frozenset({"bind_host", "reserve_port", "wait_for_page"}),
    "backend.request": frozenset({"split_lora_arg"}),
}
STUDIO_PARTS = frozenset({"queue", "monitor", "gallery", "worker", "engine", "_downloader", "_doctor", "previews",
                         "loras"})
"""The Studio's services: only the Studio itself talks to them."""


def imports(tree: ast.AST) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) for every import; name None for `import module`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module, alias.name


def layer_violations(source: str, allowed: dict[str, frozenset[str]]) -> list[str]:
    """Imports from backend/ that `allowed` does not list, and reaches into the Studio's services."""
    tree = ast.parse(source)
    found = []
    for line, module, name in imports(tree):
        if module != "backend" and not module.startswith("backend."):
            continue
        if name is None or name not in allowed.get(module, frozenset()):
            found.append(f"line {line}: {module}{'' if name is None else '.' + name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in STUDIO_PARTS:
            owner = node.value
            owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) \
                else ""
            if owner_name == "studio":
                found.append(f"line {node.lineno}: studio.{node.attr}")
    return found


def backend_violations(source: str) -> list[str]:
    return [f"line {line}: {module}" for line, module, _ in imports(ast.parse(source))
            if module.split(".")[0] in ("ui", "gradio", "gradio_client", "app")]


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", sources("ui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_reaches_the_backend_only_through_the_studio(path: Path) -> None:
    assert layer_violations(path.read_text(encoding="utf-8"), UI_MAY_IMPORT) == []


def test_app_reaches_the_backend_only_through_the_studio() -> None:
    assert layer_violations((ROOT / "app.py").read_text(encoding="utf-8"), APP_MAY_IMPORT) == []


@pytest.mark.parametrize("path", sources("backend"), ids=lambda p: str(p.relative_to(ROOT)))
def test_backend_never_imports_the_page(path: Path) -> None:
    assert backend_violations(path.read_text(encoding="utf-8")) == []


def test_the_checks_catch_each_kind_of_violation() -> None:
    bad_ui = ("from backend.studio import Studio\nfrom backend.download import WeightsDownloader\n"
              "import backend.gallery\ndef f(ctx):\n    from backend.models import check_weights\n"
              "    return ctx.studio.queue.get('x'), studio.monitor\n")
    assert sorted(layer_violations(bad_ui, UI_MAY_IMPORT)) == [
        "line 2: backend.download.WeightsDownloader", "line 3: backend.gallery", "line 5: backend.models.check_weights",
        "line 6: studio.monitor", "line 6: studio.queue"]
    assert backend_violations("import gradio as gr\ndef f():\n    from ui.context import UiContext\n") == [
        "line 1: gradio", "line 3: ui.context"]
    assert backend_violations("from backend.gpu import GpuReading\nimport json\n") == []
