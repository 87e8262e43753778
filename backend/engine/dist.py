"""What is installed of the engine, read from pip's records without importing it (15 s and a GPU)."""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PINNED_COMMIT = "f8aee98b5462cca8d7288888146ebd95592bf266"
"""The LightX2V commit the adapter's workarounds target; the launch scripts install exactly this one."""
PINNED_ARCHIVE = f"https://github.com/ModelTC/LightX2V/archive/{PINNED_COMMIT}.tar.gz"
"""The repository's archive of that commit: pip installs it without git and without the repository's
robotics submodules, which a git+ install would clone too."""
_SHA = re.compile(r"\b[0-9a-f]{40}\b")


@dataclass(frozen=True)
class EngineDist:
    """The installed lightx2v distribution as pip recorded it (PEP 610 direct_url.json)."""

    installed: bool
    version: str = ""
    commit: str = ""
    source: str = ""
    error: str = ""

    def describe(self) -> str:
        """One short label for clip metadata and logs."""
        if self.installed:
            return self.version + (f" @ {self.commit[:12]}" if self.commit else "")
        try:
            spec = importlib.util.find_spec("lightx2v")
        except (ValueError, ImportError):
            spec = None
        return f"source tree at {Path(spec.origin).parent.parent}" if spec and spec.origin else "not installed"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def read_engine_dist(name: str = "lightx2v") -> EngineDist:
    """Version and commit of the installed LightX2V."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return EngineDist(installed=False)
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError as err:
        return EngineDist(installed=True, version=dist.version, error=f"direct_url.json is unreadable ({err})")
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    commit = _text(vcs.get("commit_id")) if isinstance(vcs, dict) else ""
    source = _text(direct.get("url")) if isinstance(direct, dict) else ""
    if not commit and (found := _SHA.search(source)):  # an archive URL names its commit
        commit = found.group(0)
    return EngineDist(installed=True, version=dist.version, commit=commit, source=source)
