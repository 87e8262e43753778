"""Which decoder makes the live previews: the optional TAEHV tiny decoder (taew2_1) when its file is in the
weights folder and intact, else the linear colour map, which needs nothing. This is the file side and the
wording; the engine builds the decoder itself (backend/engine/lightx2v_tiny.py), for previews only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend.i18n import Said, say
from backend.models import PREVIEW_DECODER, PREVIEW_DECODER_FILE, WeightsReport, check_files

DecoderState = Literal["absent", "ready", "damaged"]
DOWNLOAD_SIZE = "about 23 MB"
"""What the Models tab says before the Hub has told the real size (~11 M parameters in fp16)."""
FIX = "Download it again in the Models tab (it resumes)."


@dataclass(frozen=True)
class DecoderStatus:
    """The preview decoder's file in one weights folder."""

    state: DecoderState
    path: Path
    report: WeightsReport

    @property
    def usable(self) -> bool:
        return self.state == "ready"

    @property
    def problem(self) -> str:
        return self.report.problems[0].split(": ", 1)[-1] if self.report.problems else ""

    def summary(self) -> str:
        """One sentence for the Models tab."""
        if self.state == "ready":
            return (f"Sharper previews are on: the TAEHV preview decoder in {self.path.parent} decodes each "
                    "step's preview. The finished clip is always decoded by the full VAE.")
        if self.state == "damaged":
            return (f"The TAEHV preview decoder in {self.path.parent} is damaged ({self.problem}), so previews "
                    f"use the quick colour map. {FIX}")
        return (f"Previews use the quick colour map. Download the TAEHV preview decoder ({DOWNLOAD_SIZE}) "
                "for sharper ones.")

    def job_note(self) -> Said | None:
        """What a job records when it wanted the sharper previews and got the colour map; None otherwise."""
        if self.state != "damaged":
            return None
        return say("preview.note.damaged", problem=self.problem)


def decoder_status(weights_dir: Path, verify: bool = False) -> DecoderStatus:
    """Cheap by default (a stat and the manifest's size); `verify` also compares the Hub's checksum (the
    file is small: a few tens of milliseconds)."""
    root = PREVIEW_DECODER.root(weights_dir)
    report = check_files(root, PREVIEW_DECODER, verify_hashes=verify)
    state: DecoderState = "ready" if report.complete else "damaged" if report.problems else "absent"
    return DecoderStatus(state, root / PREVIEW_DECODER_FILE, report)


def load_failed_note(path: Path, err: BaseException) -> Said:
    """A job's note when the decoder's file is there but LightX2V could not build the decoder from it (English
    text that keeps its message: any language can word it, the error's own words kept)."""
    return say("preview.note.load_failed", file=path.name, error=f"{type(err).__name__}: {str(err)[:160]}")


def decode_failed_note(err: BaseException) -> Said:
    """A job's note when the decoder failed during a step (out of GPU memory, for one): the rest of the job's
    previews, and the pipeline's, use the colour map."""
    return say("preview.note.decode_failed", error=f"{type(err).__name__}: {str(err)[:160]}")
