"""Opening a folder in the file manager of the machine the server runs on."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from backend.i18n import say

logger = logging.getLogger(__name__)


def open_folder(folder: Path) -> str | None:
    """Show `folder` in the desktop's file manager. None when that worked, else a sentence saying why not
    (the caller then tells the user where the folder is), English that keeps its message (words(why, lang))."""
    if not folder.is_dir():
        return say("folders.missing", folder=str(folder))
    try:
        if sys.platform == "win32":
            os.startfile(folder)
            return None
        if sys.platform == "darwin":
            command = ["open", str(folder)]
        else:
            if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                return say("folders.no_desktop")
            opener = shutil.which("xdg-open")
            if opener is None:
                return say("folders.no_opener")
            command = [opener, str(folder)]
        # Detached, so a slow file manager never holds up the page and is not killed with the server.
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as err:
        logger.warning("Could not open %s: %s", folder, err)
        return say("folders.failed", error=str(err.strerror or err))
    return None
