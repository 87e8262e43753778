"""Reads the T5 checkpoint on a helper thread while the rest of the pipeline is built.

LightX2V builds on one thread: import, then the DiT (~10 s on an H200 box), then it reads the 6.5 GB T5
file (~7.5 s) with torch.load. The read needs nothing from LightX2V, so it starts with the build and
overlaps the import and the DiT load; the T5 constructor then gets the dict torch.load would have
returned. Memory-mapping first and copying with a torch op keeps the GIL free for the import meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

T5_MODULE = "lightx2v.models.input_encoders.hf.wan.t5.model"
Reader = Callable[[Path], dict[str, Any]]


def read_torch_checkpoint(path: Path) -> dict[str, Any]:
    """What LightX2V's load_pt_safetensors returns for a .pth file with no key filters."""
    import torch

    try:
        mapped = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        state = {k: v.clone() if hasattr(v, "clone") else v for k, v in mapped.items()}  # copies without the GIL
    except RuntimeError:  # a legacy (non-zip) file cannot be mapped
        state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model_state"), dict):
        state = state["model_state"]
    return dict(state)


class CheckpointPrefetch:
    """One file read in the background; the result is handed out once, or dropped."""

    def __init__(self, path: Path, read: Reader = read_torch_checkpoint,
                 then: Callable[[dict[str, Any]], object] | None = None) -> None:
        """`then(state)` runs on the helper thread after a successful read (reserving pinned memory)."""
        self.path = path
        self.read_s: float | None = None
        self._read = read
        self._then = then
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._result: dict[str, Any] | None = None
        self._error: BaseException | None = None
        self._dropped = False
        threading.Thread(target=self._run, name="t5-prefetch", daemon=True).start()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            result = self._read(self.path)
            if self._then is not None:
                self._then(result)
        except Exception as err:  # the build then reads the file itself and reports any real problem
            logger.info("Reading %s ahead failed: %s: %s", self.path.name, type(err).__name__, err)
            result, self._error = None, err
        with self._lock:
            self.read_s = round(time.monotonic() - started, 2)
            self._result = None if self._dropped else result
        self._done.set()

    def wait(self) -> None:
        self._done.wait()

    def take(self) -> dict[str, Any] | None:
        """Wait for the read; the dict, or None when it failed or was already taken."""
        self._done.wait()
        with self._lock:
            result, self._result = self._result, None
        return result

    def drop(self) -> None:
        """Not needed after all: free the dict now, or as soon as the read ends."""
        with self._lock:
            self._dropped, self._result = True, None


@contextlib.contextmanager
def serve_t5_from(prefetch: CheckpointPrefetch | None) -> Iterator[None]:
    """While LightX2V builds, its T5 constructor's load_weights returns the prefetched dict for that file
    (single process, no key filters: exactly the call the Wan T2V build makes); anything else, or a
    failed read, goes to the original function."""
    if prefetch is None:
        yield
        return
    import importlib

    module: Any = importlib.import_module(T5_MODULE)
    original = module.load_weights

    def load_weights(checkpoint_path: Any, *args: Any, **kwargs: Any) -> Any:
        plain = not args and not kwargs.get("load_from_rank0") and not kwargs.get("remove_key") \
            and not kwargs.get("include_keys")
        if plain and Path(checkpoint_path) == prefetch.path:
            weights = prefetch.take()
            if weights is not None:
                logger.info("T5 weights were read ahead (%.1f s, overlapping the build)", prefetch.read_s or 0.0)
                return weights
        return original(checkpoint_path, *args, **kwargs)

    module.load_weights = load_weights
    try:
        yield
    finally:
        module.load_weights = original
        prefetch.drop()
