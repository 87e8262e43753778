"""Work the build starts before LightX2V is imported: reading the T5 file and reserving the pinned memory
the offloaded weights will take (prefetch.py, pinned.py). It is done for the weight set the kernels will
most likely pick; `settle` drops it if they pick the other one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend.engine.base import EngineConfig
from backend.engine.pinned import PinnedPool, dit_pin_sizes, release_cached_pinned, state_pin_sizes
from backend.engine.prefetch import CheckpointPrefetch

logger = logging.getLogger(__name__)


@dataclass
class ReadAhead:
    """Work started before LightX2V is imported, for the weight set guessed then."""

    dit_dir: Path
    t5: CheckpointPrefetch | None
    pool: PinnedPool | None
    helpers: list[threading.Thread] = field(default_factory=list)

    def settle(self, chosen_dit_dir: Path) -> tuple[CheckpointPrefetch | None, PinnedPool | None]:
        """Wait until the helpers are done; drop their work if the kernels chose the other weight set.
        Returns the T5 read and the pinned pool to serve, if any."""
        for helper in self.helpers:
            helper.join()
        if self.t5 is not None:
            self.t5.wait()
        if chosen_dit_dir == self.dit_dir:
            return self.t5, self.pool
        self.drop()
        return None, None

    def drop(self) -> None:
        """Not needed after all (or the build failed): free what was read and reserved."""
        if self.t5 is not None:
            self.t5.drop()
        if self.pool is not None:
            self.pool.close()
            release_cached_pinned()
            self.pool = None


def start_read_ahead(config: EngineConfig, capability: tuple[int, int]) -> ReadAhead:
    """Start the helpers for this engine config (they run while LightX2V imports)."""
    from backend.engine.kernels import weight_set_for
    from backend.models import default_weight_set, layout

    guess = weight_set_for(config.quant_scheme) if config.quant_scheme != "auto" else default_weight_set(capability)
    files = layout(config.weights_dir, guess)
    keys = config.preset.engine_config(config.low_ram)
    dit_offloaded = bool(keys.get("cpu_offload")) and not keys.get("lazy_load") and files.dit_dir.is_dir()
    t5_offloaded = bool(keys.get("t5_cpu_offload")) and not keys.get("t5_lazy_load")
    pool = PinnedPool() if dit_offloaded or t5_offloaded else None
    ahead = ReadAhead(files.dit_dir, None, pool)
    if pool is not None and dit_offloaded:
        thread = threading.Thread(target=_reserve, args=(pool, lambda: dit_pin_sizes(files.dit_dir)),
                                  name="pinned-reserve", daemon=True)
        thread.start()
        ahead.helpers.append(thread)
    if files.t5_file.suffix in (".pth", ".pt") and files.t5_file.is_file():
        ahead.t5 = CheckpointPrefetch(files.t5_file, then=(lambda state: _reserve(pool, lambda: state_pin_sizes(state)))
                                      if pool is not None and t5_offloaded else None)
    return ahead


def _reserve(pool: PinnedPool, sizes: Callable[[], list[int]]) -> None:
    try:
        pool.reserve(sizes())
    except Exception as err:  # out of pinnable memory, say: the pool then pins on demand, or torch does
        logger.info("Reserving pinned memory failed: %s: %s", type(err).__name__, err)
