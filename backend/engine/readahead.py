"""Work the build starts before LightX2V is imported: reading the T5 file and reserving the pinned memory
the offloaded weights will take (prefetch.py, pinned.py). It is done for the weight set the kernels will
most likely pick; `settle` drops it if they pick the other one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.engine.base import EngineConfig
from backend.engine.pinned import PinnedReserve, dit_pin_sizes, release_cached_pinned, reserve, state_pin_sizes
from backend.engine.prefetch import CheckpointPrefetch


@dataclass
class ReadAhead:
    """Work started before LightX2V is imported, for the weight set guessed then."""

    dit_dir: Path
    t5: CheckpointPrefetch | None
    pinned: PinnedReserve | None

    def settle(self, chosen_dit_dir: Path) -> CheckpointPrefetch | None:
        """Wait until the helpers are done (LightX2V must not pin while they reserve); drop their work if
        the kernels chose the other weight set. Returns the T5 read to serve, if any."""
        if self.pinned is None and self.t5 is None:
            return None
        for helper in (self.pinned, self.t5):
            if helper is not None:
                helper.wait()
        if chosen_dit_dir == self.dit_dir:
            return self.t5
        if self.t5 is not None:
            self.t5.drop()
        release_cached_pinned()
        return None


def start_read_ahead(config: EngineConfig, capability: tuple[int, int]) -> ReadAhead:
    """Start the helpers for this engine config (they run while LightX2V imports)."""
    from backend.engine.kernels import weight_set_for
    from backend.models import default_weight_set, layout

    guess = weight_set_for(config.quant_scheme) if config.quant_scheme != "auto" else default_weight_set(capability)
    files = layout(config.weights_dir, guess)
    keys = config.preset.engine_config(config.low_ram)
    pinned = None
    if keys.get("cpu_offload") and not keys.get("lazy_load") and files.dit_dir.is_dir():
        pinned = PinnedReserve(dit_pin_sizes(files.dit_dir))
    t5 = None
    if files.t5_file.suffix in (".pth", ".pt") and files.t5_file.is_file():
        offloaded = keys.get("t5_cpu_offload") and not keys.get("t5_lazy_load")
        t5 = CheckpointPrefetch(files.t5_file, then=(lambda state: reserve(state_pin_sizes(state))) if offloaded
                                else None)
    return ReadAhead(files.dit_dir, t5, pinned)
