"""The GPU memory a LoRA side branch adds, for the fit badge (estimated; the GPU run measures it)."""

from __future__ import annotations

from backend.lora.keys import KINDS
from backend.lora.parse import DitLayout, LoraReport

GIB = 1024**3
BF16_BYTES = 2


def lora_vram_gib(reports: list[LoraReport], layout: DitLayout, tokens: int, offloaded: bool) -> float:
    """Branch tensors on the GPU plus the branch's activations, in GiB.

    With block offload only the two GPU block buffers hold branch tensors; resident, all blocks do.
    LightX2V adds the branch after each matmul as `out + strength·scale·(B(Ax))`: while the layer's own
    output is alive, two more tensors of its size exist (B(Ax), then the scaled copy or the sum), so the
    widest layer the branch touches adds 2 × tokens × width in bf16.
    """
    ranks = {kind: 0 for kind in KINDS}
    for report in reports:
        for kind, rank in report.ranks:
            ranks[kind] += rank
    block = sum(BF16_BYTES * rank * sum(layout.shape(kind)) for kind, rank in ranks.items())
    if not block:
        return 0.0
    weights = block * (2 if offloaded else layout.blocks)
    widest = max(layout.shape(kind)[0] for kind, rank in ranks.items() if rank)
    widest_rank = max(ranks.values())
    activations = BF16_BYTES * tokens * (2 * widest + widest_rank)
    return (weights + activations) / GIB


def refuse_lazy_load(engine_keys: dict[str, object]) -> None:
    """Low-RAM mode (lazy_load) cannot use a LoRA at LightX2V f8aee98: with block offload its per-block
    CPU buffers are built without the LoRA's path, so reading a block's LoRA from disk fails mid-job
    (and that reader takes raw key names, with no conversion). Refused up front instead."""
    if engine_keys.get("lazy_load"):
        from backend.errors import LoraError
        from backend.i18n import Message

        raise LoraError(Message.of("lora.low_ram"), Message.of("lora.low_ram_hint"))
