"""Several LoRAs as one exact side branch, by concatenating along the rank.

For a layer with LoRAs i (factors Aᵢ: rᵢ×in, Bᵢ: out×rᵢ, scale αᵢ/rᵢ, strength sᵢ), the branch
A = [s₁·α₁/r₁·A₁; s₂·α₂/r₂·A₂; …] and B = [B₁ B₂ …] gives B·A = Σ sᵢ(αᵢ/rᵢ)BᵢAᵢ exactly, with no cross
terms (LightX2V's switch_lora_multi sums the factors instead: strength enters cubed and cross terms
appear). Strengths live in A only, so a strength change recomputes A from the factors in memory:
no file is read again.

With block offload LightX2V copies each block's LoRA tensors into two GPU buffers of fixed shape, and a
block that lacks a tensor keeps the previous block's. So every block gets every layer kind that any
LoRA touches, zeros where a LoRA does not cover that block (a zero branch adds exactly nothing), and
one rank per kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from backend.lora.keys import KINDS, engine_keys
from backend.lora.parse import DitLayout, LoraFactors
from backend.records import LoraApplied
from backend.request import LoraUse

BF16_BYTES = 2


@dataclass(frozen=True)
class LoraPart:
    """One LoRA of a job: what the job asked for and the factors it names."""

    use: LoraUse
    factors: LoraFactors


class LoraSet:
    """The merged side branch of a job's LoRAs (at most three), computed on demand."""

    def __init__(self, parts: list[LoraPart], layout: DitLayout) -> None:
        self.parts = parts
        self.layout = layout
        self._slots: dict[str, list[tuple[int, int]]] = {}  # kind -> [(part index, rank)]
        for i, part in enumerate(parts):
            for kind, rank in part.factors.report.ranks:
                self._slots.setdefault(kind, []).append((i, rank))

    def __bool__(self) -> bool:
        return bool(self.parts)

    def rank(self, kind: str) -> int:
        """The concatenated rank of one layer kind (0 when no LoRA touches it)."""
        return sum(r for _, r in self._slots.get(kind, ()))

    @property
    def layers_applied(self) -> int:
        """DiT layers that any of the LoRAs changes."""
        return len({layer for part in self.parts for layer in part.factors.factors})

    def shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """(LightX2V key, shape) of every tensor of the branch, in the order `arrays` yields them."""
        out: list[tuple[str, tuple[int, ...]]] = []
        for block in range(self.layout.blocks):
            for kind in KINDS:
                rank = self.rank(kind)
                if rank:
                    out_dim, in_dim = self.layout.shape(kind)
                    down, up = engine_keys(f"blocks.{block}.{kind}")
                    out += [(down, (rank, in_dim)), (up, (out_dim, rank))]
        return out

    def factors_of(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) of one layer, float32, strengths and scales inside A."""
        kind = layer.split(".", 2)[2]
        out_dim, in_dim = self.layout.shape(kind)
        rank = self.rank(kind)
        a = np.zeros((rank, in_dim), dtype=np.float32)
        b = np.zeros((out_dim, rank), dtype=np.float32)
        offset = 0
        for i, r in self._slots.get(kind, ()):
            part = self.parts[i]
            factor = part.factors.factors.get(layer)
            if factor is not None:
                a[offset:offset + r] = factor.a() * np.float32(part.use.strength * factor.scale)
                b[:, offset:offset + r] = factor.b()
            offset += r
        return a, b

    def arrays(self) -> Iterator[np.ndarray]:
        """The tensors of `shapes()`, one at a time (a layer's A, then its B)."""
        for block in range(self.layout.blocks):
            for kind in KINDS:
                if self.rank(kind):
                    a, b = self.factors_of(f"blocks.{block}.{kind}")
                    yield a
                    yield b

    def delta(self, layer: str) -> np.ndarray:
        """The branch's dense weight change ΔW = B·A of one layer (for checks; big for the real DiT)."""
        a, b = self.factors_of(layer)
        return b @ a

    def block_bytes(self) -> int:
        """BF16 bytes of one block's branch tensors (what each GPU offload buffer holds)."""
        return sum(BF16_BYTES * self.rank(k) * sum(self.layout.shape(k)) for k in KINDS)

    def total_bytes(self) -> int:
        return self.block_bytes() * self.layout.blocks

    def describe(self) -> tuple[LoraApplied, ...]:
        """What a clip records about each LoRA it was made with."""
        return tuple(LoraApplied(p.use.name, p.use.sha256_16, p.use.strength, p.factors.report.rank,
                                 p.factors.report.matched, p.factors.report.layers) for p in self.parts)
