"""GPU readings through NVML (the VRAM gauge), and host facts used to pick presets."""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from backend.i18n import Message

logger = logging.getLogger(__name__)
MIB = 1024 * 1024


@dataclass(frozen=True)
class GpuReading:
    """One nvidia-smi-like sample. `ok=False` means no reading; `reason` says why in plain words."""

    ok: bool
    reason: str = ""
    name: str = ""
    said: Message | None = None
    """`reason` as the catalog's message, so the page and the doctor can word it in any language."""
    total_mib: float = 0.0
    used_mib: float = 0.0
    util_pct: float | None = None
    temp_c: float | None = None
    power_w: float | None = None
    process_mib: float | None = None
    driver: str = ""
    capability: tuple[int, int] | None = None
    at: float = 0.0


class GpuSource(Protocol):
    """Something that returns a reading; NVML in the product, a fake in tests."""

    def read(self) -> GpuReading: ...


NVML_WORDS = {
    "LibraryNotFound": "gpu.why.no_driver",
    "DriverNotLoaded": "gpu.why.driver_not_loaded",
    "NoPermission": "gpu.why.no_permission",
    "NotFound": "gpu.why.no_card",
    "InvalidArgument": "gpu.why.no_card",
    "GpuIsLost": "gpu.why.lost",
}
"""NVML's error names → the catalog's words for them, as a person would say them (the log keeps the raw error)."""


def no_gpu_message(err: BaseException) -> Message:
    """'No NVIDIA GPU found' and, in words, why NVML could not start."""
    name = type(err).__name__
    why = next((key for suffix, key in NVML_WORDS.items() if name.endswith(suffix)), None)
    if why is None and isinstance(err, ImportError):
        why = "gpu.why.no_python_library"
    return Message.of("gpu.none_because", why=Message.of(why)) if why else Message.of("gpu.none")


def no_gpu_reason(err: BaseException) -> str:
    return no_gpu_message(err).text()


class NvmlSource:
    """Reads GPU 0 through pynvml (nvidia-ml-py). Without a driver it keeps saying why."""

    def __init__(self, index: int = 0) -> None:
        self._index = index
        self._handle: Any = None
        self._failure: Message | None = None
        self._lock = threading.Lock()

    def _init(self) -> Any:
        if self._handle is not None or self._failure is not None:
            return self._handle
        try:
            import pynvml

            pynvml.nvmlInit()
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(self._index)
        except Exception as err:  # NVMLError, ImportError, OSError: all mean "no NVIDIA GPU here"
            self._failure = no_gpu_message(err)
            logger.info("NVML unavailable: %s: %s", type(err).__name__, err)
        return self._handle

    def read(self) -> GpuReading:
        with self._lock:
            handle = self._init()
            if handle is None:
                said = self._failure or Message.of("gpu.none")
                return GpuReading(ok=False, reason=said.text(), said=said, at=time.time())
            import pynvml

            def soft(fn: Any, *args: Any) -> Any:
                try:
                    return fn(*args)
                except pynvml.NVMLError:
                    return None

            try:
                mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            except pynvml.NVMLError as err:
                said = Message.of("gpu.stopped", detail=str(err))
                return GpuReading(ok=False, reason=said.text(), said=said, at=time.time())
            name = soft(pynvml.nvmlDeviceGetName, handle) or "NVIDIA GPU"
            util = soft(pynvml.nvmlDeviceGetUtilizationRates, handle)
            power = soft(pynvml.nvmlDeviceGetPowerUsage, handle)
            procs = soft(pynvml.nvmlDeviceGetComputeRunningProcesses, handle) or []
            mine = [p.usedGpuMemory for p in procs if p.pid == os.getpid() and p.usedGpuMemory]
            return GpuReading(
                ok=True,
                name=name.decode() if isinstance(name, bytes) else str(name),
                total_mib=mem.total / MIB,
                used_mib=mem.used / MIB,
                util_pct=float(util.gpu) if util is not None else None,
                temp_c=soft(pynvml.nvmlDeviceGetTemperature, handle, pynvml.NVML_TEMPERATURE_GPU),
                power_w=power / 1000 if power is not None else None,
                process_mib=sum(mine) / MIB if mine else None,
                driver=str(soft(pynvml.nvmlSystemGetDriverVersion) or ""),
                capability=soft(pynvml.nvmlDeviceGetCudaComputeCapability, handle),
                at=time.time(),
            )


class VramMonitor:
    """Samples a GpuSource about once a second on its own thread, so any number of open tabs
    share one history instead of each polling NVML."""

    def __init__(self, source: GpuSource, interval_s: float = 1.0, history: int = 120) -> None:
        self._source = source
        self._interval = interval_s
        self._lock = threading.Lock()
        self._history: collections.deque[GpuReading] = collections.deque(maxlen=history)
        self._latest = source.read()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="vram-monitor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def sample(self) -> GpuReading:
        reading = self._source.read()
        with self._lock:
            self._latest = reading
            if reading.ok:
                self._history.append(reading)
        return reading

    def latest(self) -> GpuReading:
        with self._lock:
            return self._latest

    def history(self) -> list[GpuReading]:
        with self._lock:
            return list(self._history)

    def peak_since(self, since: float) -> float | None:
        """Highest memory use (this process if known, else the card) sampled since `since`."""
        with self._lock:
            values = [r.process_mib or r.used_mib for r in self._history if r.at >= since]
        return max(values) if values else None


def host_ram_gib() -> float | None:
    """Total system RAM, or None when it cannot be read."""
    try:
        import psutil

        return float(psutil.virtual_memory().total) / 1024**3
    except Exception:
        return None


def total_vram_gib(reading: GpuReading) -> float | None:
    return reading.total_mib / 1024 if reading.ok else None
