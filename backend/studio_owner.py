"""The Studio's services for the data folder's owner: the command line's one job (run here or handed over by
`app.py generate`), the owner key and page address kept with the folder's lock, and the queue's bulk
actions. A part of `Studio` (its base class), kept apart so each module stays small: nothing else uses it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.data_lock import DataFolderLock
from backend.errors import StudioError
from backend.jobs.job import Job
from backend.jobs.queue import JobQueue
from backend.request import GenerationRequest, split_lora_arg


class OwnerDesk:
    """For `Studio` (which provides the attributes below)."""

    if TYPE_CHECKING:
        lock: DataFolderLock
        queue: JobQueue

        def use_lora_file(self, path: Path, strength: object) -> tuple[str, float]: ...
        def check_submission(self, prompt: object, width: object = 832, height: object = 480,
                             frames: object = 81, seed: object = None, preset: object = "auto",
                             negative_prompt: object = "", count: object = 1,
                             loras: object = ()) -> list[GenerationRequest]: ...
        def unavailable_reason(self) -> str | None: ...
        def submit(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
                   seed: object = None, preset: object = "auto", negative_prompt: object = "",
                   count: object = 1, loras: object = (), kind: Any = "clip") -> list[Job]: ...

    # ---- the command line's job --------------------------------------------------------------------
    def submit_command(self, prompt: object, width: object = 832, height: object = 480, frames: object = 81,
                       seed: object = None, preset: object = "auto", negative_prompt: object = "",
                       lora_args: Sequence[str] = ()) -> Job:
        """`app.py generate`'s one job, run here or handed over to this Studio's page: every argument is checked
        (LoRA files `FILE[:STRENGTH]` too) before the GPU is looked at; then StudioError with the reason why
        nothing can be generated, or the queued job."""
        loras = [self.use_lora_file(path, strength) for path, strength in map(split_lora_arg, lora_args)]
        self.check_submission(prompt, width, height, frames, seed, preset, negative_prompt, loras=loras)
        reason = self.unavailable_reason()
        if reason:
            raise StudioError(reason)
        (job,) = self.submit(prompt, width, height, frames, seed, preset, negative_prompt, loras=loras)
        return job

    # ---- the data folder's owner -------------------------------------------------------------------
    def owner_key(self) -> str:
        """The owner's secret while this Studio holds its data folder ('' when not started): the page's owner
        link carries it, and a local `app.py generate` shows it to hand its job over (backend/owner_key.py)."""
        return self.lock.owner_key

    def publish_address(self, url: str) -> None:
        """Where this Studio's page answers, for a second launch or `app.py generate` on the same folder."""
        self.lock.publish(url)

    # ---- the queue's bulk actions ------------------------------------------------------------------
    def cancel_all_waiting(self) -> int:
        """Cancel every job still waiting; the running one goes on. How many were cancelled."""
        return self.queue.cancel_all_waiting()

    def clear_finished(self) -> int:
        """Remove done, failed, cancelled and interrupted jobs from the queue; clips stay in the gallery."""
        return self.queue.clear_finished()
