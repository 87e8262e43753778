"""Checks a weight folder against what LightX2V's own loaders request: every key, shape and dtype, nothing extra.

The expectations come from LightX2V itself, not from `bench.synth_weights`: DiT names from its Wan weight classes,
DiT shapes from the upstream Wan model definition it ships (lightx2v_train), T5 and VAE keys, shapes and dtypes
from its modules built on the meta device (strict `load_state_dict` is what loads those). Files are read by
header (safetensors) or memory-mapped (torch.load(mmap=True)), so the full 22 GB set is never read into RAM.
Needs LightX2V's source on PYTHONPATH (lightx2v, lightx2v_platform and lightx2v_train); no GPU needed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import os
import struct
import sys
import tempfile
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.synth_weights import (
    SCALES,
    SINGLE_FILE_NAMES,
    Dims,
    QuantSet,
    ScaleName,
    plan_files,
    single_file_plan,
    write_tokenizer,
)

logger = logging.getLogger(__name__)

Layout = dict[str, tuple[str, tuple[int, ...]]]  # key -> (safetensors dtype name, shape)
QUANT_DTYPE: dict[QuantSet, str] = {"fp8": "F8_E4M3", "int8": "I8"}
FLOATS = {"BF16", "F16", "F32"}  # LightX2V casts every non-quantized float tensor to its inference dtype


@dataclass
class Report:
    """Problems found per component; the check passes when there are none."""

    checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def compare(self, part: str, found: Layout, expected: Layout, exact: set[str]) -> None:
        """The same keys, each with its shape; dtype exact for `exact` keys, any float for the rest."""
        self.checked[part] = len(expected)
        for key in sorted(expected.keys() - found.keys()):
            self.problems.append(f"{part}: missing {key}")
        for key in sorted(found.keys() - expected.keys()):
            self.problems.append(f"{part}: unexpected {key} (LightX2V never asks for it; strict loads reject it)")
        for key in sorted(expected.keys() & found.keys()):
            (want_dtype, want_shape), (dtype, shape) = expected[key], found[key]
            if shape != want_shape:
                self.problems.append(f"{part}: {key} has shape {list(shape)}, LightX2V wants {list(want_shape)}")
            ok = dtype == want_dtype if key in exact else (dtype in FLOATS) == (want_dtype in FLOATS)
            if not ok:
                self.problems.append(f"{part}: {key} is {dtype}, LightX2V wants {want_dtype}")


def read_safetensors(path: Path) -> Layout:
    """Names, dtypes and shapes from a .safetensors header alone."""
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header: dict[str, Any] = json.loads(f.read(size))
    return {k: (v["dtype"], tuple(v["shape"])) for k, v in header.items() if k != "__metadata__"}


def read_torch(path: Path) -> Layout:
    """A torch.save'd state dict, memory-mapped the way LightX2V loads it (weights_only)."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return {k: (_st_dtype(v.dtype), tuple(v.shape)) for k, v in state.items()}


def _st_dtype(dtype: Any) -> str:
    import torch

    names = {torch.float8_e4m3fn: "F8_E4M3", torch.int8: "I8", torch.bfloat16: "BF16", torch.float16: "F16",
             torch.float32: "F32"}
    return names.get(dtype, str(dtype))


def _prepare_lightx2v() -> None:
    """Import LightX2V for reading only; without a GPU, point its device global at the CPU.

    Its weight classes make small tensors on `AI_DEVICE` ("cuda") and its offload manager makes streams while
    they are built; every module bound those names at import, so each module's copy is replaced.
    """
    os.environ.setdefault("SKIP_PLATFORM_CHECK", "1")
    import lightx2v  # noqa: F401  (registers every weight class)
    import torch

    if torch.cuda.is_available():
        return
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("lightx2v"):
            continue
        if getattr(module, "AI_DEVICE", None) == "cuda":
            setattr(module, "AI_DEVICE", "cpu")  # noqa: B010  (a module global bound at import)
        if getattr(module, "torch_device_module", None) is torch.cuda:
            setattr(module, "torch_device_module", torch.cpu)  # noqa: B010  (the offload manager's streams)


def requested_names(objects: Iterable[Any]) -> set[str]:
    """The checkpoint keys a tree of LightX2V weight objects asks for when it loads."""
    from lightx2v.common.modules.weight_module import WeightModule

    names: set[str] = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if isinstance(obj, WeightModule):
            stack += [m for m in [*obj._modules.values(), *obj._parameters.values()] if m is not None]
        elif hasattr(obj, "base_attrs"):
            names.update(name for name, _, _ in obj.base_attrs)
        elif isinstance(getattr(obj, "tensor_name", None), str):
            names.add(obj.tensor_name)
        elif isinstance(getattr(obj, "weight_name", None), str):
            names.add(obj.weight_name)
    return names


def _native_wan_shapes(cfg: dict[str, Any], text_dim: int) -> dict[str, tuple[int, ...]]:
    """Parameter shapes of the upstream Wan DiT (lightx2v_train's copy) built on the meta device.

    Its package __init__ files pull in training code that needs a GPU at import, so only the module itself is
    imported: the parent packages are registered empty, and the sequence-parallel helpers it names (used only
    in forward) are left as None.
    """
    import torch

    spec = importlib.util.find_spec("lightx2v_train")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec is not None else []
    model_file = Path("model_zoo/native/wan/modules/model.py")
    root = next((r for r in roots if (r / model_file).is_file()), None)
    if root is None:
        raise ModuleNotFoundError(f"no lightx2v_train package with {model_file} on the path (LightX2V's source tree)")
    for rel in ("", "runtime", "model_zoo", "model_zoo/native", "model_zoo/native/wan", "model_zoo/native/wan/modules"):
        name = "lightx2v_train" + ("." + rel.replace("/", ".") if rel else "")
        package = types.ModuleType(name)
        package.__path__ = [str(root / rel)]
        sys.modules.setdefault(name, package)
    helpers = types.ModuleType("lightx2v_train.runtime.sequence_parallel")
    for helper in ("all_gather_sequence", "all_to_all_4d", "is_sequence_parallel_enabled", "shrink_sequence"):
        setattr(helpers, helper, None)
    sys.modules.setdefault(helpers.__name__, helpers)
    native = importlib.import_module("lightx2v_train.model_zoo.native.wan.modules.model")
    keys = ("model_type", "text_len", "in_dim", "dim", "ffn_dim", "freq_dim", "out_dim", "num_heads", "num_layers",
            "eps")
    with torch.device("meta"):
        model = native.WanModel(text_dim=text_dim, **{k: cfg[k] for k in keys})
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def expected_dit(cfg: dict[str, Any], d: Dims, quant: QuantSet, scheme: str) -> tuple[Layout, set[str]]:
    """What LightX2V's Wan distill model loads for `scheme`, with the upstream model's shapes."""
    from lightx2v.models.networks.wan.weights.post_weights import WanPostWeights
    from lightx2v.models.networks.wan.weights.pre_weights import WanPreWeights
    from lightx2v.models.networks.wan.weights.transformer_weights import WanTransformerWeights

    run_cfg = {**cfg, "task": "t2v", "model_cls": "wan2.1_distill", "dit_quantized": True, "dit_quant_scheme": scheme,
               "cpu_offload": False, "lazy_load": False, "seq_parallel": False, "parallel": {},
               "self_attn_1_type": "torch_sdpa", "cross_attn_1_type": "torch_sdpa", "cross_attn_2_type": "torch_sdpa",
               "rope_type": "torch_complex_rope"}
    names = requested_names(cls(run_cfg) for cls in (WanPreWeights, WanTransformerWeights, WanPostWeights))
    shapes = _native_wan_shapes(cfg, d.t5_dim)
    expected: Layout = {}
    for name in names:
        if name.endswith(".weight_scale"):
            weight = name.removesuffix("_scale")
            expected[weight] = (QUANT_DTYPE[quant], shapes[weight])
            expected[name] = ("F32", (shapes[weight][0], 1))
        elif name not in expected:
            expected[name] = ("BF16", shapes.get(name, ()))
    quantized = {n for n in names if n.endswith(".weight_scale")}
    return expected, quantized | {n.removesuffix("_scale") for n in quantized}


def expected_t5(d: Dims, scheme: str, offload: bool) -> tuple[Layout, set[str]]:
    """(module state dict, names the offloaded blocks load) of LightX2V's quantized T5, built on the meta device.

    With `t5_cpu_offload` the blocks load by name into weight objects and only the rest goes through the strict
    `load_state_dict`; without it everything does.
    """
    import torch
    from lightx2v.models.input_encoders.hf.wan.t5.model import umt5_xxl

    # At full scale LightX2V's own umt5-xxl config is used untouched; tiny overrides only the sizes.
    sizes = {} if d == SCALES["full"] else {"vocab_size": d.t5_vocab, "dim": d.t5_dim, "dim_attn": d.t5_dim,
                                            "dim_ffn": d.t5_ffn, "num_heads": d.t5_heads,
                                            "encoder_layers": d.t5_layers}
    model = umt5_xxl(encoder_only=True, dtype=torch.bfloat16, device="meta", cpu_offload=offload, quantized=True,
                     quant_scheme=scheme, **sizes)
    state = {k: (_st_dtype(v.dtype), tuple(v.shape)) for k, v in model.state_dict().items()}
    return state, requested_names(model.blocks_weights.blocks) if offload else set()


def expected_vae(d: Dims) -> Layout:
    """LightX2V's Wan2.1 VAE (its own config) built on the meta device; it loads with strict assign."""
    import torch
    from lightx2v.models.video_encoders.hf.wan.vae import _video_vae

    sizes = {} if d == SCALES["full"] else {"dim": d.vae_dim}
    with torch.device("meta"):
        model = _video_vae(z_dim=d.z_dim, dummy_model=True, **sizes)
    return {k: (_st_dtype(v.dtype), tuple(v.shape)) for k, v in model.state_dict().items()}


def check_tokenizer(folder: Path, d: Dims, report: Report) -> None:
    """The tokenizer folder loads through LightX2V's own wrapper and its ids fit the T5 embedding."""
    from lightx2v.models.input_encoders.hf.wan.t5.tokenizer import HuggingfaceTokenizer

    tokenizer = HuggingfaceTokenizer(name=str(folder), seq_len=d.text_len, clean="whitespace")
    prompt = "A red fox runs through snow at dawn, cinematic."
    ids, mask = tokenizer([prompt], return_mask=True, add_special_tokens=True)
    report.checked["tokenizer (tokens of a prompt)"] = int(mask.sum())
    if tuple(ids.shape) != (1, d.text_len) or int(ids.max()) >= d.t5_vocab or int(ids[0, -1]) != 0:
        report.problems.append(f"tokenizer: ids {tuple(ids.shape)} up to {int(ids.max())}, want (1, {d.text_len}) "
                               f"padded with 0 and below {d.t5_vocab}")


@dataclass(frozen=True)
class FolderSource:
    """The layout of a model folder on disk."""

    root: Path

    def config(self) -> dict[str, Any]:
        return dict(json.loads((self.root / "config.json").read_text()))

    def layout(self, rel: str) -> Layout | None:
        path = self.root / rel
        if not path.exists():
            return None
        return read_safetensors(path) if rel.endswith(".safetensors") else read_torch(path)

    def tokenizer(self) -> Path:
        return self.root / "google" / "umt5-xxl"


@dataclass(frozen=True)
class PlanSource:
    """The layout `bench.synth_weights` would write, without writing it: checks the 22 GB plan on any CPU."""

    d: Dims
    quant: QuantSet
    scratch: Path

    def config(self) -> dict[str, Any]:
        return self.d.config_json()

    def layout(self, rel: str) -> Layout | None:
        files = plan_files(self.d, self.quant)
        for wf in [*files, single_file_plan(files, self.quant)]:
            if wf.relpath == rel:
                return {t.name: (t.dtype, t.shape) for t in wf.tensors}
        return None

    def tokenizer(self) -> Path:
        write_tokenizer(self.scratch, self.d)
        return self.scratch


def _need(source: FolderSource | PlanSource, rel: str, report: Report) -> Layout:
    layout = source.layout(rel)
    if layout is None:
        report.problems.append(f"{rel} is missing")
    return layout or {}


def _dit_files(source: FolderSource | PlanSource, sub: str, layers: int, report: Report) -> Layout:
    """The per-block DiT, with the split lazy_load relies on: block i's keys in block_i, the rest in non_block."""
    found: Layout = {}
    for i in range(layers):
        layout = _need(source, f"{sub}/block_{i}.safetensors", report)
        report.problems += [f"DiT: {k} is in block_{i}.safetensors" for k in layout if not k.startswith(f"blocks.{i}.")]
        found.update(layout)
    layout = _need(source, f"{sub}/non_block.safetensors", report)
    report.problems += [f"DiT: {k} is in non_block.safetensors" for k in layout if k.startswith("blocks.")]
    return {**found, **layout}


def check(source: FolderSource | PlanSource, quant: QuantSet, scale: ScaleName, scheme: str | None = None) -> Report:
    """Compare a layout with LightX2V's expectations for `quant` (kernel scheme `<quant>-triton` by default)."""
    _prepare_lightx2v()
    d, scheme, report = SCALES[scale], scheme or f"{quant}-triton", Report()
    cfg = source.config()
    report.problems += [f"config.json: {k} is {cfg.get(k)!r}, want {v!r}" for k, v in d.config_json().items()
                        if cfg.get(k) != v]
    sub = f"distill_{quant}"
    dit, exact = expected_dit(cfg, d, quant, scheme)
    report.compare("DiT per-block files", _dit_files(source, sub, cfg["num_layers"], report), dit, exact)
    single = source.layout(f"single/{SINGLE_FILE_NAMES[quant]}")
    if single is not None:
        report.compare("DiT single file", single, dit, exact)
    t5 = _need(source, f"{sub}/models_t5_umt5-xxl-enc-{quant}.pth", report)
    resident, _ = expected_t5(d, scheme, offload=False)
    t5_exact = {k for k, (dtype, _) in resident.items() if dtype not in FLOATS or k.endswith(".weight_scale")}
    report.compare("T5 resident (strict load_state_dict)", t5, resident, t5_exact)
    rest, blocks = expected_t5(d, scheme, offload=True)
    report.compare("T5 t5_cpu_offload: strict rest", {k: v for k, v in t5.items() if not k.startswith("blocks.")},
                   rest, t5_exact)
    by_name = {k: resident.get(k, ("not in the resident T5", ())) for k in blocks}
    report.compare("T5 t5_cpu_offload: blocks by name", {k: v for k, v in t5.items() if k.startswith("blocks.")},
                   by_name, t5_exact)
    vae = _need(source, f"{sub}/Wan2.1_VAE.pth", report)
    report.compare("VAE (strict load_state_dict)", vae, expected_vae(d), set())
    check_tokenizer(source.tokenizer(), d, report)
    return report


def main(argv: Iterable[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m bench.check_layout", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", type=Path, help="the model folder (model_path) to check")
    where.add_argument("--plan", action="store_true", help="check what bench.synth_weights would write, no files")
    parser.add_argument("--set", dest="quant", choices=["fp8", "int8"], default="fp8")
    parser.add_argument("--scale", choices=["full", "tiny"], default="full")
    parser.add_argument("--scheme", default=None, help="LightX2V quant scheme (default: <set>-triton)")
    args = parser.parse_args(None if argv is None else list(argv))
    with tempfile.TemporaryDirectory(prefix="check-layout-") as scratch:
        source = FolderSource(args.root) if args.root else PlanSource(SCALES[args.scale], args.quant, Path(scratch))
        report = check(source, args.quant, args.scale, args.scheme)
    for part, count in report.checked.items():
        logger.info("checked %s: %d keys", part, count)
    for problem in report.problems[:200]:
        logger.error("%s", problem)
    logger.info("%s: %d problems", "FAIL" if report.problems else "OK", len(report.problems))
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
