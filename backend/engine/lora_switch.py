"""Hands a job's merged LoRA branch to LightX2V's dynamic LoRA on the warm pipeline, never rebuilding
the DiT.

The DiT is built without `lora_configs`: at LightX2V f8aee98 they are read only when the DiT is built
(WanDistillRunner.load_transformer), so a LoRA there would mean a rebuild for every LoRA change; and
with them that runner builds a plain WanModel, which has no post weights, so its `_update_lora` (what
switch_lora calls) fails: built without, the DiT is the WanDistillModel that switch_lora works on.
Instead the runner's `switch_lora(path, strength)` loads one file into the DiT's block weights
(`_update_lora` → each linear's `update_lora`): the first time it registers the side branch (pinned on
the CPU with offload, copied into the GPU block buffers with each block), later times it copies into
the same tensors. A copy needs the same shapes, so when the merged rank of a layer kind changes the
branch is removed first and registered again: only the LoRA tensors are rebuilt, never the DiT. The
alternative, padding to a fixed maximum rank, would keep 3 × rank-128 worth of zeros pinned in RAM and
multiplied on the GPU for every job, LoRA or not.

The file holds the merged branch in LightX2V's own key names (`blocks.N.kind.lora_down.weight`), in
BF16, without alpha (scale 1.0): strengths and alpha/rank are already inside A. It is deleted once
LightX2V has read it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from backend.errors import EngineFailed
from backend.i18n import Message
from backend.lora.files import write_bf16_file
from backend.lora.merge import LoraSet
from backend.lora.vram import refuse_lazy_load
from backend.request import LoraUse

logger = logging.getLogger(__name__)


class LoraSwitch:
    """What LoRA branch the runner holds, and how to change it. Used only on the worker thread."""

    def __init__(self, runner: Any, folder: Path) -> None:
        self.runner = runner
        self.folder = folder
        self.uses: tuple[LoraUse, ...] = ()
        self._shapes: list[tuple[str, tuple[int, ...]]] | None = None

    def apply(self, loras: LoraSet | None, engine_keys: dict[str, Any]) -> None:
        """Make the runner's branch the job's (or none); nothing happens when it already is."""
        uses = tuple(p.use for p in loras.parts) if loras else ()
        if uses == self.uses:
            return
        if not loras:
            self._switch("")
            self.uses, self._shapes = (), None
            return
        refuse_lazy_load(engine_keys)
        shapes = loras.shapes()
        path = self.folder / "lora-branch.safetensors"
        size = write_bf16_file(path, shapes, loras.arrays())
        try:
            if self._shapes is not None and self._shapes != shapes:
                self._switch("")  # ranks changed: LightX2V copies only into same-shaped tensors
                self.uses, self._shapes = (), None
            self._switch(str(path))
        finally:
            path.unlink(missing_ok=True)
        self.uses, self._shapes = uses, shapes
        logger.info("LoRA branch set: %s (%d layers, %.0f MiB)",
                    ", ".join(f"{u.name}×{u.strength:g}" for u in uses), loras.layers_applied, size / 2**20)

    def _switch(self, path: str) -> None:
        # The runner's switch_lora logs and swallows LightX2V's exception and returns False.
        if not self.runner.switch_lora(path, 1.0):
            self.uses, self._shapes = (), None
            raise EngineFailed(Message.of("engine.lora_remove" if path == "" else "engine.lora_apply"),
                               Message.of("engine.lora_hint"))
