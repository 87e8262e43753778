"""Gradio's copies of played clips: a clip deleted for good must not stay downloadable from Gradio's cache.

Gradio copies each file it serves into `<cache>/<content hash>/<file name>` and remembers the copy; deleting
a clip removes those copies and Gradio's record of them.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import gradio as gr

logger = logging.getLogger(__name__)


def cache_folder(demo: gr.Blocks) -> Path:
    return Path(str(getattr(demo, "GRADIO_CACHE", "") or ""))


def forget_cached(demo: gr.Blocks, file_name: str) -> int:
    """Remove every cached copy named `file_name` (one per content hash); returns how many were removed."""
    root = cache_folder(demo)
    if not file_name or not str(root) or not root.is_dir() or "/" in file_name or "\\" in file_name:
        return 0
    removed = 0
    for copy in root.glob(f"*/{file_name}"):
        try:
            copy.unlink()
            removed += 1
            with contextlib.suppress(OSError):  # the hash folder holds one file; kept if anything else is there
                copy.parent.rmdir()
        except OSError as err:
            logger.warning("Could not remove the cached copy %s: %s", copy, err)
            continue
        for kept in getattr(demo, "temp_file_sets", []):
            kept.discard(str(copy))
    if removed:
        logger.info("Removed %d cached copy(ies) of %s", removed, file_name)
    return removed
