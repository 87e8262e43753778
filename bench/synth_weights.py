"""Synthetic random Wan2.1-T2V-14B weights in LightX2V's exact file layout, key names, dtypes and shapes.

Nobody building the product can download the real checkpoint, so the GPU benchmark proves the VRAM promise
with random weights that LightX2V loads through the same code paths as the real ones (memory and time are
real; the videos are noise). `python -m bench.synth_weights --out DIR` writes the layout of the Hub repo
lightx2v/Wan2.1-T2V-14B-StepDistill-CfgDistill-Lightx2v; `bench/check_layout.py` checks it against LightX2V.
Only the layout tables are plain Python; torch and tokenizers are imported where tensors are made, so the
tables can be read (and tested) where torch is not installed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import string
import struct
import time
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

QuantSet = Literal["fp8", "int8"]
ScaleName = Literal["full", "tiny"]
StoreDtype = Literal["F8_E4M3", "I8", "BF16", "F32"]
Init = Literal["normal", "uniform", "const", "fp8_codes", "int8_codes"]
FileFormat = Literal["safetensors", "torch"]

ITEM_BYTES: dict[StoreDtype, int] = {"F8_E4M3": 1, "I8": 1, "BF16": 2, "F32": 4}
# Codes × per-channel scale give an effective weight std of 0.02: FP8 codes N(0, 100²) clipped to the e4m3 range
# (±448), int8 codes uniform in [-127, 127] (std ≈ 73.3). With these, biases std 0.01, norm gains 1 and modulation
# std 0.05, activations stayed finite through 40 blocks × 4 steps in the first H100 baseline.
QUANT_CODES: dict[QuantSet, tuple[StoreDtype, Init, float]] = {
    "fp8": ("F8_E4M3", "fp8_codes", 0.02 / 100.0),
    "int8": ("I8", "int8_codes", 0.02 / 73.3),
}
SINGLE_FILE_NAMES: dict[QuantSet, str] = {
    "fp8": "wan2.1_t2v_14b_scaled_fp8_e4m3_lightx2v_4step.safetensors",
    "int8": "wan2.1_t2v_14b_int8_lightx2v_4step.safetensors",
}


@dataclass(frozen=True)
class Dims:
    """Model sizes at one scale. `full` is Wan2.1-T2V-14B with the umt5-xxl encoder and the Wan2.1 VAE."""

    dim: int
    ffn_dim: int
    freq_dim: int
    num_heads: int
    num_layers: int
    t5_vocab: int
    t5_dim: int
    t5_ffn: int
    t5_heads: int
    t5_layers: int
    vae_dim: int
    in_dim: int = 16
    out_dim: int = 16
    text_len: int = 512
    t5_buckets: int = 32
    z_dim: int = 16

    def config_json(self) -> dict[str, Any]:
        """The model folder's config.json: the keys of the official Wan2.1-T2V-14B config, nothing more."""
        return {"dim": self.dim, "eps": 1e-6, "ffn_dim": self.ffn_dim, "freq_dim": self.freq_dim, "in_dim": self.in_dim,
                "model_type": "t2v", "num_heads": self.num_heads, "num_layers": self.num_layers,
                "out_dim": self.out_dim, "text_len": self.text_len}


SCALES: dict[ScaleName, Dims] = {
    "full": Dims(dim=5120, ffn_dim=13824, freq_dim=256, num_heads=40, num_layers=40, t5_vocab=256384, t5_dim=4096,
                 t5_ffn=10240, t5_heads=64, t5_layers=24, vae_dim=96),
    "tiny": Dims(dim=64, ffn_dim=128, freq_dim=32, num_heads=2, num_layers=2, t5_vocab=512, t5_dim=32, t5_ffn=64,
                 t5_heads=2, t5_layers=2, vae_dim=8),
}


@dataclass(frozen=True)
class TensorSpec:
    """One tensor to write: `value` is the std (normal), the bound (uniform) or the fill (const/scale)."""

    name: str
    shape: tuple[int, ...]
    dtype: StoreDtype
    init: Init
    value: float

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * ITEM_BYTES[self.dtype]


@dataclass(frozen=True)
class WeightFile:
    """One file of the layout, relative to the output folder."""

    relpath: str
    fmt: FileFormat
    tensors: tuple[TensorSpec, ...]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)


def _bf16(name: str, shape: tuple[int, ...], init: Init = "normal", value: float = 0.02) -> TensorSpec:
    return TensorSpec(name, shape, "BF16", init, value)


def _linear(prefix: str, out: int, inp: int, quant: QuantSet | None, bias: bool = True) -> list[TensorSpec]:
    """A linear layer; quantized ones carry LightX2V's `<prefix>.weight_scale` F32 [out, 1] per output channel."""
    if quant is None:
        specs = [_bf16(f"{prefix}.weight", (out, inp))]
    else:
        dtype, init, scale = QUANT_CODES[quant]
        specs = [TensorSpec(f"{prefix}.weight", (out, inp), dtype, init, 0.0),
                 TensorSpec(f"{prefix}.weight_scale", (out, 1), "F32", "const", scale)]
    return specs + ([_bf16(f"{prefix}.bias", (out,), value=0.01)] if bias else [])


def dit_block_specs(d: Dims, i: int, quant: QuantSet) -> list[TensorSpec]:
    """Block i of the DiT: the ten linears quantized, norms and modulation as plain bf16 (t2v: no k_img/v_img)."""
    p = f"blocks.{i}"
    specs = [_bf16(f"{p}.modulation", (1, 6, d.dim), value=0.05)]
    for attn in ("self_attn", "cross_attn"):
        for proj in "qkvo":
            specs += _linear(f"{p}.{attn}.{proj}", d.dim, d.dim, quant)
        specs += [_bf16(f"{p}.{attn}.norm_{qk}.weight", (d.dim,), "const", 1.0) for qk in "qk"]
    specs += [_bf16(f"{p}.norm3.weight", (d.dim,), "const", 1.0), _bf16(f"{p}.norm3.bias", (d.dim,), value=0.01)]
    return specs + _linear(f"{p}.ffn.0", d.ffn_dim, d.dim, quant) + _linear(f"{p}.ffn.2", d.dim, d.ffn_dim, quant)


def dit_non_block_specs(d: Dims) -> list[TensorSpec]:
    """Embeddings, time projection and head; never quantized. The head emits out_dim × patch (1, 2, 2) values."""
    specs = [_bf16("patch_embedding.weight", (d.dim, d.in_dim, 1, 2, 2)),
             _bf16("patch_embedding.bias", (d.dim,), value=0.01)]
    for name, out, inp in (("text_embedding.0", d.dim, d.t5_dim), ("text_embedding.2", d.dim, d.dim),
                           ("time_embedding.0", d.dim, d.freq_dim), ("time_embedding.2", d.dim, d.dim),
                           ("time_projection.1", 6 * d.dim, d.dim), ("head.head", d.out_dim * 4, d.dim)):
        specs += _linear(name, out, inp, None)
    return [*specs, _bf16("head.modulation", (1, 2, d.dim), value=0.05)]


def t5_specs(d: Dims, quant: QuantSet) -> list[TensorSpec]:
    """The umt5 encoder as LightX2V's T5Encoder names it; per-block relative position tables (shared_pos=False)."""
    specs = [_bf16("token_embedding.weight", (d.t5_vocab, d.t5_dim), value=1.0)]
    for i in range(d.t5_layers):
        p = f"blocks.{i}"
        specs.append(_bf16(f"{p}.norm1.weight", (d.t5_dim,), "const", 1.0))
        for proj in "qkvo":
            specs += _linear(f"{p}.attn.{proj}", d.t5_dim, d.t5_dim, quant, bias=False)
        specs.append(_bf16(f"{p}.norm2.weight", (d.t5_dim,), "const", 1.0))
        specs += (_linear(f"{p}.ffn.gate.0", d.t5_ffn, d.t5_dim, quant, bias=False)
                  + _linear(f"{p}.ffn.fc1", d.t5_ffn, d.t5_dim, quant, bias=False)
                  + _linear(f"{p}.ffn.fc2", d.t5_dim, d.t5_ffn, quant, bias=False))
        specs.append(_bf16(f"{p}.pos_embedding.embedding.weight", (d.t5_buckets, d.t5_heads)))
    return [*specs, _bf16("norm.weight", (d.t5_dim,), "const", 1.0)]


def _conv(name: str, cout: int, cin: int, kernel: tuple[int, ...], zero_weight: bool = False) -> list[TensorSpec]:
    """A conv with PyTorch's default init (uniform ±1/√fan_in), which is what the VAE module starts from."""
    bound = (cin * math.prod(kernel)) ** -0.5
    weight = TensorSpec(f"{name}.weight", (cout, cin, *kernel), "F32", "const" if zero_weight else "uniform",
                        0.0 if zero_weight else bound)
    return [weight, TensorSpec(f"{name}.bias", (cout,), "F32", "uniform", bound)]


def _gamma(name: str, dim: int, images: bool) -> TensorSpec:
    return TensorSpec(f"{name}.gamma", (dim, 1, 1) if images else (dim, 1, 1, 1), "F32", "const", 1.0)


def _res(p: str, cin: int, cout: int) -> list[TensorSpec]:
    specs = [_gamma(f"{p}.residual.0", cin, False), *_conv(f"{p}.residual.2", cout, cin, (3, 3, 3)),
             _gamma(f"{p}.residual.3", cout, False), *_conv(f"{p}.residual.6", cout, cout, (3, 3, 3))]
    return specs + (_conv(f"{p}.shortcut", cout, cin, (1, 1, 1)) if cin != cout else [])


def _attn(p: str, dim: int) -> list[TensorSpec]:
    # The VAE's attention zeroes its output projection at init; kept so the "random init" matches the module's.
    return [_gamma(f"{p}.norm", dim, True), *_conv(f"{p}.to_qkv", 3 * dim, dim, (1, 1)),
            *_conv(f"{p}.proj", dim, dim, (1, 1), zero_weight=True)]


def _resample(p: str, dim: int, up: bool, temporal: bool) -> list[TensorSpec]:
    specs = _conv(f"{p}.resample.1", dim // 2 if up else dim, dim, (3, 3))
    return specs + (_conv(f"{p}.time_conv", 2 * dim if up else dim, dim, (3, 1, 1)) if temporal else [])


def vae_specs(d: Dims) -> list[TensorSpec]:
    """The Wan2.1 VAE state dict (dim_mult 1,2,4,4; 2 res blocks; temporal downsample F,T,T), fp32."""
    mult, temporal_down = (1, 2, 4, 4), (False, True, True)
    dims = [d.vae_dim * m for m in (1, *mult)]
    specs, stage = _conv("encoder.conv1", dims[0], 3, (3, 3, 3)), []
    for i in range(len(mult)):  # two res blocks per level, then a downsample except after the last
        stage += [("res", dims[i], dims[i + 1]), ("res", dims[i + 1], dims[i + 1])]
        stage += [("down", dims[i + 1], temporal_down[i])] if i < len(mult) - 1 else []
    specs += _stages("encoder.downsamples", stage)
    top = dims[-1]
    specs += _res("encoder.middle.0", top, top) + _attn("encoder.middle.1", top) + _res("encoder.middle.2", top, top)
    specs += [_gamma("encoder.head.0", top, False), *_conv("encoder.head.2", 2 * d.z_dim, top, (3, 3, 3))]
    specs += _conv("conv1", 2 * d.z_dim, 2 * d.z_dim, (1, 1, 1)) + _conv("conv2", d.z_dim, d.z_dim, (1, 1, 1))
    dims = [d.vae_dim * m for m in (mult[-1], *mult[::-1])]
    specs += _conv("decoder.conv1", dims[0], d.z_dim, (3, 3, 3))
    specs += (_res("decoder.middle.0", dims[0], dims[0]) + _attn("decoder.middle.1", dims[0])
              + _res("decoder.middle.2", dims[0], dims[0]))
    stage = []
    for i in range(len(mult)):  # three res blocks per level; each upsample halves the channels it hands on
        cin = dims[i] // 2 if i > 0 else dims[i]
        stage += [("res", cin, dims[i + 1]), ("res", dims[i + 1], dims[i + 1]), ("res", dims[i + 1], dims[i + 1])]
        stage += [("up", dims[i + 1], temporal_down[::-1][i])] if i < len(mult) - 1 else []
    specs += _stages("decoder.upsamples", stage)
    return [*specs, _gamma("decoder.head.0", dims[-1], False), *_conv("decoder.head.2", 3, dims[-1], (3, 3, 3))]


def _stages(prefix: str, stage: list[tuple[str, int, int | bool]]) -> list[TensorSpec]:
    """Number a VAE nn.Sequential: ("res", in, out) blocks and ("up"/"down", dim, temporal) resamples."""
    specs: list[TensorSpec] = []
    for n, (kind, a, b) in enumerate(stage):
        if kind == "res":
            specs += _res(f"{prefix}.{n}", a, int(b))
        else:
            specs += _resample(f"{prefix}.{n}", a, kind == "up", bool(b))
    return specs


def plan_files(d: Dims, quant: QuantSet) -> list[WeightFile]:
    """The weight files of one set, DiT blocks first (the single file keeps that order)."""
    sub = f"distill_{quant}"
    files = [WeightFile(f"{sub}/block_{i}.safetensors", "safetensors", tuple(dit_block_specs(d, i, quant)))
             for i in range(d.num_layers)]
    files.append(WeightFile(f"{sub}/non_block.safetensors", "safetensors", tuple(dit_non_block_specs(d))))
    files.append(WeightFile(f"{sub}/models_t5_umt5-xxl-enc-{quant}.pth", "torch", tuple(t5_specs(d, quant))))
    files.append(WeightFile(f"{sub}/Wan2.1_VAE.pth", "torch", tuple(vae_specs(d))))
    return files


def single_file_plan(files: Sequence[WeightFile], quant: QuantSet) -> WeightFile:
    """The whole DiT in one file, as the newer Hub repo ships it (and `dit_quantized_ckpt` may point at)."""
    dit = [t for f in files if f.fmt == "safetensors" for t in f.tensors]
    return WeightFile(f"single/{SINGLE_FILE_NAMES[quant]}", "safetensors", tuple(dit))


def seed_for(base_seed: int, name: str) -> int:
    """Each tensor's own seed, from its name: reruns are identical whatever order the tensors are made in."""
    return (base_seed * 0x9E3779B97F4A7C15 + zlib.crc32(name.encode())) % 2**63


def make_tensor(spec: TensorSpec, device: str, base_seed: int) -> torch.Tensor:
    """Draw one tensor on `device` (the GPU on the benchmark box: drawing 22 GB on the CPU takes minutes)."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(seed_for(base_seed, spec.name))
    if spec.init == "fp8_codes":
        codes = torch.randn(spec.shape, generator=gen, device=device, dtype=torch.float32)
        return codes.mul_(100.0).clamp_(-448.0, 448.0).to(torch.float8_e4m3fn)
    if spec.init == "int8_codes":
        return torch.randint(-127, 128, spec.shape, generator=gen, device=device, dtype=torch.int8)
    dtype = {"BF16": torch.bfloat16, "F32": torch.float32}[spec.dtype]
    if spec.init == "const":
        return torch.full(spec.shape, spec.value, dtype=dtype, device=device)
    if spec.init == "normal":
        values = torch.randn(spec.shape, generator=gen, device=device, dtype=torch.float32).mul_(spec.value)
    else:
        values = torch.rand(spec.shape, generator=gen, device=device, dtype=torch.float32)
        values = values.mul_(2 * spec.value).sub_(spec.value)
    return values.to(dtype)


class SafetensorsWriter:
    """Streams tensors into a .safetensors file whose header is written first from the specs.

    The single-file DiT is 14.5 GB: building it as one dict (what `safetensors.torch.save_file` needs) would
    hold it all in RAM, so the header (names, dtypes, shapes, offsets) goes out first and data follows in order.
    """

    def __init__(self, path: Path, specs: Sequence[TensorSpec]) -> None:
        header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
        offset = 0
        for spec in specs:
            end = offset + spec.nbytes
            header[spec.name] = {"dtype": spec.dtype, "shape": list(spec.shape), "data_offsets": [offset, end]}
            offset = end
        raw = json.dumps(header, separators=(",", ":")).encode()
        raw += b" " * (-len(raw) % 8)  # the format wants the data section 8-byte aligned
        self._specs = list(specs)
        self._next = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self._file.write(struct.pack("<Q", len(raw)) + raw)

    def append(self, spec: TensorSpec, tensor: torch.Tensor) -> None:
        """Write the next tensor; it must be the one the header announced next, as announced."""
        expected = self._specs[self._next] if self._next < len(self._specs) else None
        if expected != spec:
            raise RuntimeError(f"{self._file.name}: got {spec.name}, the header announced {expected}")
        self._file.write(_tensor_bytes(spec, tensor))
        self._next += 1

    def close(self) -> None:
        self._file.close()
        if self._next != len(self._specs):
            raise RuntimeError(f"{self._file.name}: wrote {self._next} of {len(self._specs)} tensors")

    def __enter__(self) -> SafetensorsWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self._file.close()


def _tensor_bytes(spec: TensorSpec, tensor: torch.Tensor) -> memoryview:
    """The tensor's raw little-endian bytes, after checking it is what the spec (and so the header) says."""
    import torch

    names = {torch.float8_e4m3fn: "F8_E4M3", torch.int8: "I8", torch.bfloat16: "BF16", torch.float32: "F32"}
    if names.get(tensor.dtype) != spec.dtype or tuple(tensor.shape) != spec.shape:
        raise RuntimeError(f"{spec.name}: {tensor.dtype} {list(tensor.shape)}, the spec says {spec.dtype} {spec.shape}")
    return memoryview(tensor.contiguous().reshape(-1).view(torch.uint8).numpy())


def _write_file(path: Path, wf: WeightFile, tensors: list[torch.Tensor], single: SafetensorsWriter | None) -> None:
    if wf.fmt == "torch":
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        # LightX2V reads these with torch.load(weights_only=True): a flat dict of CPU tensors, like the real files.
        torch.save(dict(zip((s.name for s in wf.tensors), tensors, strict=True)), path)
        return
    with SafetensorsWriter(path, wf.tensors) as writer:
        for spec, tensor in zip(wf.tensors, tensors, strict=True):
            writer.append(spec, tensor)
            if single is not None:
                single.append(spec, tensor)


# Enough English to make prompts tokenize into words; the ids only have to index the T5 embedding.
_WORDS = """a an the of and in on with at by from to into over under near through while as is are was be two
three one cat cats dog dogs bird fish horse man woman child people person girl boy robot car train boat city
street forest mountain river lake sea ocean beach sky sun moon star cloud rain snow fire water light dark night
day morning evening red blue green yellow white black golden silver small big tall old young happy fast slow
slowly quickly walking running flying swimming dancing playing fighting sitting standing looking smiling holding
camera shot view close up wide aerial cinematic video scene style realistic detailed soft bright warm cold
gentle stage gear gloves boxing comfy spotlighted intensely anthropomorphic"""


def write_tokenizer(folder: Path, d: Dims) -> None:
    """A small Unigram stand-in for google/umt5-xxl (<pad>=0, </s>=1, <unk>=2) that AutoTokenizer loads.

    The T5 always runs the prompt padded to 512 tokens, so compute does not depend on the real vocabulary.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    specials = ["<pad>", "</s>", "<unk>"]
    pieces = [(s, 0.0) for s in specials] + [("▁", -3.0)]
    pieces += [("▁" + w, -4.0) for w in dict.fromkeys(_WORDS.split())]
    pieces += [(c, -8.0) for c in string.ascii_letters + string.digits + string.punctuation]
    pieces += [("▁" + c, -9.0) for c in string.ascii_letters + string.digits]
    if len(pieces) > d.t5_vocab:
        raise RuntimeError(f"stand-in vocabulary ({len(pieces)}) exceeds the T5 embedding ({d.t5_vocab})")
    tok = Tokenizer(models.Unigram(pieces, unk_id=2, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                       special_tokens=[("</s>", 1)])
    tok.add_special_tokens([AddedToken(s, special=True) for s in specials])
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    special_map = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": d.text_len, "padding_side": "right",
              **special_map}
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2) + "\n")
    write_spiece(folder)


def write_spiece(folder: Path) -> None:
    """The Hub folder also ships spiece.model; the engine reads tokenizer.json, but the weights check wants the
    whole folder. Train a tiny SentencePiece model with the same specials (needs the sentencepiece package)."""
    try:
        import sentencepiece as spm
    except ImportError:
        logger.warning("sentencepiece is not installed: google/umt5-xxl/spiece.model not written")
        return
    import io

    model = io.BytesIO()
    lines = [" ".join(_WORDS.split()[i : i + 8]) for i in range(0, len(_WORDS.split()), 8)] * 20
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, vocab_size=64,
                                   model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   hard_vocab_limit=False, minloglevel=2)
    (folder / "spiece.model").write_bytes(model.getvalue())


@dataclass(frozen=True)
class SynthOptions:
    """What to write, where, and on which device."""

    out: Path
    quant: QuantSet = "fp8"
    scale: ScaleName = "full"
    single_file: bool = False
    device: str = "cuda"
    seed: int = 0


@dataclass(frozen=True)
class SynthSummary:
    """What was written: every file (relative path) with its size, and the wall time."""

    files: tuple[tuple[str, int], ...]
    seconds: float

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)


def synthesize(opts: SynthOptions) -> SynthSummary:
    """Write the whole layout under `opts.out`, one file at a time.

    Tensors are drawn on `opts.device` and copied to the CPU per file; a single writer thread saves the previous
    file while the next is drawn, so at most two files' tensors are in host RAM (the biggest, the T5, is 6.7 GB).
    """
    start = time.perf_counter()
    d = SCALES[opts.scale]
    opts.out.mkdir(parents=True, exist_ok=True)
    (opts.out / "config.json").write_text(json.dumps(d.config_json(), indent=2) + "\n")
    write_tokenizer(opts.out / "google" / "umt5-xxl", d)
    files = plan_files(d, opts.quant)
    single_plan = single_file_plan(files, opts.quant) if opts.single_file else None
    total, done = sum(f.nbytes for f in files), 0
    with (SafetensorsWriter(opts.out / single_plan.relpath, single_plan.tensors) if single_plan else nullcontext()
          ) as single, ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer") as pool:
        pending: Future[None] | None = None
        for wf in files:
            tensors = [make_tensor(spec, opts.device, opts.seed).cpu() for spec in wf.tensors]
            if pending is not None:
                pending.result()
            into_single = single if wf.fmt == "safetensors" else None
            pending = pool.submit(_write_file, opts.out / wf.relpath, wf, tensors, into_single)
            done += wf.nbytes
            logger.info("%s: %d tensors, %s (%.0f%% of %s, %.1f s)", wf.relpath, len(wf.tensors), _size(wf.nbytes),
                        100 * done / total, _size(total), time.perf_counter() - start)
        if pending is not None:
            pending.result()
    written = [f.relpath for f in files] + ([single_plan.relpath] if single_plan else [])
    written += ["config.json", "google/umt5-xxl/tokenizer.json", "google/umt5-xxl/tokenizer_config.json",
                "google/umt5-xxl/special_tokens_map.json"]
    written += [p for p in ("google/umt5-xxl/spiece.model",) if (opts.out / p).exists()]
    return SynthSummary(tuple((p, (opts.out / p).stat().st_size) for p in written), time.perf_counter() - start)


def _size(nbytes: int) -> str:
    return f"{nbytes / 1e9:.2f} GB" if nbytes >= 1e8 else f"{nbytes / 1e6:.2f} MB"


def parse_args(argv: Iterable[str] | None = None) -> SynthOptions:
    parser = argparse.ArgumentParser(prog="python -m bench.synth_weights",
                                     description="Write synthetic Wan2.1-T2V-14B weights in LightX2V's layout.")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write (model_path for LightX2V)")
    parser.add_argument("--set", dest="quant", choices=["fp8", "int8"], default="fp8", help="quantized weight set")
    parser.add_argument("--single-file", action="store_true", help="also write the DiT as one file under single/")
    parser.add_argument("--scale", choices=["full", "tiny"], default="full", help="tiny: same names, tiny dims")
    parser.add_argument("--device", default="cuda", help="where tensors are drawn (cuda, cuda:1, cpu)")
    parser.add_argument("--seed", type=int, default=0, help="base seed; the same seed rewrites identical files")
    args = parser.parse_args(None if argv is None else list(argv))
    return SynthOptions(args.out, args.quant, args.scale, args.single_file, args.device, args.seed)


def main(argv: Iterable[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    opts = parse_args(argv)
    logger.info("writing the %s %s set to %s on %s", opts.scale, opts.quant, opts.out, opts.device)
    summary = synthesize(opts)
    for rel, size in summary.files:
        logger.debug("%s %d", rel, size)
    logger.info("done: %d files, %s in %.1f s (%.2f GB/s)", len(summary.files), _size(summary.total_bytes),
                summary.seconds, summary.total_bytes / 1e9 / max(summary.seconds, 1e-9))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
