"""Item 7's clips: the same warm clip without previews, with the colour-map preview, with the TAEHV preview
decoder and with a rank-64 LoRA on all layers, interleaved in rounds so drift hits every variant alike.

Used by bench/run_one.py (`--variants base,linear,tiny,lora --repeat 3`) inside one process under a real
memory limit; bench/report_cost.py turns the records into step-time ratios and extra memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.models import PREVIEW_DECODER

logger = logging.getLogger("bench")

VARIANTS = ("base", "linear", "tiny", "lora")
LORA_NAME = "synthetic-r64.safetensors"
LORA_FILE = f"bench-lora/{LORA_NAME}"
"""Where bench/synth_extras.py --lora writes it, relative to the weights folder."""
PARKED = ".bench-off"
"""Suffix of the preview decoder's folder while a variant must run without it (the app then sees no file)."""


def parse_variants(text: str) -> tuple[str, ...]:
    names = tuple(v for v in text.split(",") if v)
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    return names


def decoder_present(weights: Path, present: bool) -> None:
    """Put the preview decoder's folder in place (or park it beside) so the app uses it (or finds none)."""
    folder = PREVIEW_DECODER.root(weights)
    parked = folder.with_name(folder.name + PARKED)
    if present and parked.exists() and not folder.exists():
        parked.rename(folder)
    elif not present and folder.exists():
        parked.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(parked)


def variant_settings(variant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(settings to change, extra submit arguments) for one variant."""
    previews = variant in ("linear", "tiny")
    loras = {"loras": [(LORA_NAME, 1.0)]} if variant == "lora" else {}
    return {"previews": previews}, loras


def link_lora(lora_file: Path, lora_dir: Path) -> None:
    """The synthetic LoRA in the app's own LoRA folder (a link: it is 613 MB)."""
    lora_dir.mkdir(parents=True, exist_ok=True)
    target = lora_dir / LORA_NAME
    if not target.exists():
        os.symlink(lora_file.resolve(), target)


def run_variants(studio: Any, weights: Path, variants: tuple[str, ...], repeat: int,
                 one_clip: Callable[..., dict[str, Any]], partial: Callable[[list[dict[str, Any]]], None],
                 lora_file: Path | None = None) -> list[dict[str, Any]]:
    """`repeat` rounds of one clip per variant; each record carries its variant and round. The decoder's
    folder is back in place afterwards, whatever happened (and first, after a run cut off mid-way)."""
    decoder_present(weights, True)
    if "tiny" in variants and not PREVIEW_DECODER.root(weights).exists():
        raise FileNotFoundError(f"no preview decoder in {PREVIEW_DECODER.root(weights)} (bench.synth_extras --taehv)")
    if "lora" in variants:
        lora_file = lora_file or weights / LORA_FILE
        if not lora_file.is_file():
            raise FileNotFoundError(f"the lora variant needs --lora-file (bench.synth_extras --lora): {lora_file}")
        link_lora(lora_file, studio.paths.lora_dir)
    records: list[dict[str, Any]] = []
    try:
        for round_no in range(repeat):
            for variant in variants:
                settings, extra = variant_settings(variant)
                studio.update_settings(**settings)
                decoder_present(weights, variant == "tiny")
                record = one_clip(42 + round_no, **extra)
                record.update(variant=variant, round=round_no)
                records.append(record)
                logger.info("%s round %d: %s, steps %s", variant, round_no, record.get("status"),
                            record.get("step_times_s"))
                partial(records)
    finally:
        decoder_present(weights, True)
    return records
