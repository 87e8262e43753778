"""One LoRA file against the DiT: which layers it matches, with which rank, and its factors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.errors import LoraError
from backend.i18n import Message
from backend.lora.files import TensorInfo, as_float32, read_table, read_tensors
from backend.lora.keys import KINDS, canonical_layer, layer_parts, split_key

M = Message.of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DitLayout:
    """The shapes of the DiT's block linears (Wan2.1-T2V-14B by default; tests use a tiny one)."""

    dim: int = 5120
    ffn_dim: int = 13824
    blocks: int = 40

    def shape(self, kind: str) -> tuple[int, int]:
        """(out, in) of a block linear of this kind."""
        if kind == "ffn.0":
            return self.ffn_dim, self.dim
        if kind == "ffn.2":
            return self.dim, self.ffn_dim
        return self.dim, self.dim


WAN21_14B = DitLayout()


@dataclass(frozen=True)
class LoraReport:
    """What a LoRA file holds, as the page shows it before the job runs."""

    name: str
    size_bytes: int
    layers: int
    """LoRA layers in the file (M)."""
    matched: int
    """Of those, layers of this DiT (N)."""
    ranks: tuple[tuple[str, int], ...]
    """(layer kind, rank): one rank per kind across all blocks."""
    unmatched: tuple[str, ...] = ()
    """A few layer names from the file that are no DiT layer, to show what the file looks like."""

    @property
    def rank(self) -> int:
        return max((r for _, r in self.ranks), default=0)

    def summary(self) -> str:
        return f"matched {self.matched} of {self.layers} layers"


@dataclass(frozen=True)
class Factor:
    """One layer's factors as stored (BF16 as raw bits) and its scale alpha/rank (1 without alpha)."""

    down: np.ndarray
    up: np.ndarray
    dtype: str
    scale: float

    def a(self) -> np.ndarray:
        return as_float32(self.down, self.dtype)

    def b(self) -> np.ndarray:
        return as_float32(self.up, self.dtype)


@dataclass(frozen=True)
class LoraFactors:
    """A parsed LoRA: its report and its factors by canonical layer, kept in memory."""

    report: LoraReport
    factors: dict[str, Factor]


@dataclass(frozen=True)
class _Plan:
    report: LoraReport
    keys: dict[str, tuple[str, str, str | None]]  # layer -> (down key, up key, alpha key)
    table: dict[str, TensorInfo]


def _examples(names: list[str]) -> str:
    return ", ".join(names[:3]) + (", …" if len(names) > 3 else "")


def _plan(path: Path, layout: DitLayout) -> _Plan:
    table = read_table(path)
    modules: dict[str, dict[str, str]] = {}
    for key in table:
        split = split_key(key)
        if split is not None:
            modules.setdefault(split.module, {})[split.part] = key
    name = path.name
    if not modules:
        raise LoraError(M("lora.no_factors", name=name, examples=_examples(sorted(table))), M("lora.no_factors_hint"))
    keys: dict[str, tuple[str, str, str | None]] = {}
    unmatched: list[str] = []
    ranks: dict[str, int] = {}
    for module, parts in sorted(modules.items()):
        layer = canonical_layer(module)
        if layer is None or layer_parts(layer)[0] >= layout.blocks:
            unmatched.append(module)
            continue
        if "down" not in parts or "up" not in parts:
            raise LoraError(M("lora.half_layer", name=name, layer=module))
        kind = layer_parts(layer)[1]
        down, up = table[parts["down"]].shape, table[parts["up"]].shape
        out_dim, in_dim = layout.shape(kind)
        if len(down) != 2 or len(up) != 2 or down[1] != in_dim or up[0] != out_dim or down[0] != up[1]:
            theirs = f"{up[0] if up else '?'}×{down[1] if len(down) > 1 else '?'}"
            raise LoraError(M("lora.other_model", name=name, layer=module, theirs=theirs, ours=f"{out_dim}×{in_dim}"),
                            M("lora.other_model_hint"))
        if ranks.setdefault(kind, down[0]) != down[0]:
            raise LoraError(M("lora.ranks", name=name, rank=down[0], layer=module, other=ranks[kind]))
        keys[layer] = (parts["down"], parts["up"], parts.get("alpha"))
    if not keys:
        raise LoraError(M("lora.no_match", name=name, examples=_examples(unmatched)), M("lora.no_match_hint"))
    report = LoraReport(name=name, size_bytes=path.stat().st_size, layers=len(modules), matched=len(keys),
                        ranks=tuple((k, ranks[k]) for k in KINDS if k in ranks), unmatched=tuple(unmatched[:5]))
    if unmatched:
        logger.info("%s: %s; not applied: %s", name, report.summary(), _examples(unmatched))
    return _Plan(report, keys, table)


def inspect(path: Path, layout: DitLayout = WAN21_14B) -> LoraReport:
    """Match a file's layers to the DiT from its table alone; raises LoraError when it cannot be used."""
    return _plan(path, layout).report


def load(path: Path, layout: DitLayout = WAN21_14B) -> LoraFactors:
    """Read a file's factors (one pass over the file) after the same checks as `inspect`."""
    plan = _plan(path, layout)
    wanted = [k for keys in plan.keys.values() for k in keys if k is not None]
    data = read_tensors(path, plan.table, wanted)
    factors: dict[str, Factor] = {}
    for layer, (down_key, up_key, alpha_key) in plan.keys.items():
        dtypes = {plan.table[down_key].dtype, plan.table[up_key].dtype}
        down, up = data[down_key], data[up_key]
        if len(dtypes) > 1:  # unusual: bring both to float32 so one dtype describes the pair
            down, up = as_float32(down, plan.table[down_key].dtype), as_float32(up, plan.table[up_key].dtype)
            dtypes = {"F32"}
        scale = 1.0
        if alpha_key is not None:
            alpha = as_float32(data[alpha_key], plan.table[alpha_key].dtype).reshape(-1)
            if alpha.size != 1 or not np.isfinite(alpha[0]):
                raise LoraError(M("lora.bad_alpha", name=path.name, layer=layer))
            scale = float(alpha[0]) / down.shape[0]
        factors[layer] = Factor(down=down, up=up, dtype=dtypes.pop(), scale=scale)
    return LoraFactors(plan.report, factors)
