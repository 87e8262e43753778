"""Opening a folder in the file manager of the machine the server runs on."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def open_folder(folder: Path) -> str | None:
    """Show `folder` in the desktop's file manager. None when that worked, else a sentence saying why not
    (the caller then tells the user where the folder is)."""
    if not folder.is_dir():
        return f"The folder {folder} does not exist."
    try:
        if sys.platform == "win32":
            os.startfile(folder)
            return None
        if sys.platform == "darwin":
            command = ["open", str(folder)]
        else:
            if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                return "This machine has no desktop session to show it in."
            opener = shutil.which("xdg-open")
            if opener is None:
                return "No file manager opener (xdg-open) is installed."
            command = [opener, str(folder)]
        # Detached, so a slow file manager never holds up the page and is not killed with the server.
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as err:
        logger.warning("Could not open %s: %s", folder, err)
        return f"It could not be opened ({err.strerror or err})."
    return None
