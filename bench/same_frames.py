"""Same frames as bare LightX2V: the app's path and plain LightX2VPipeline, same keys, kernels, seed and
weights, compared at the T5 context, the final latents and the decoded frames.

python -m bench.same_frames run --mode app --weights DIR --out DIR [--presets 8gb,12gb,16gb,24gb]
python -m bench.same_frames run --mode bare --weights DIR --out DIR     # may run beside the app process
python -m bench.same_frames compare --out DIR [--json FILE]

Each run taps the Wan runner class (not an instance, so the app's own hooks stay in place): what
run_text_encoder returns, what run_vae_decoder receives (the final latents) and returns (the frames), saved
as DIR/<mode>-<preset>.npz (float32, exact for bf16) with a .json beside it. A bare run waits for the app's
first clip before its own first generate, so both read Triton's remembered tile choices for these shapes
instead of tuning them at the same moment.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPT = "A red fox runs through fresh snow in a pine forest at dawn, cinematic, soft light"
SEED = 42
KERNELS = {"quant_scheme": "fp8-triton", "attention": "torch_sdpa"}
FIRST_DONE = "app-first.done"
TAPPED: dict[str, Any] = {}


def install_tap() -> None:
    """Wrap the Wan distill runner's encoder and decoder calls to keep copies of their tensors."""
    from lightx2v.utils.registry_factory import RUNNER_REGISTER

    cls = RUNNER_REGISTER["wan2.1_distill"]
    encode, decode = cls.run_text_encoder, cls.run_vae_decoder

    def run_text_encoder(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = encode(self, *args, **kwargs)
        TAPPED["context"] = out["context"].detach().to("cpu", copy=True)
        return out

    def run_vae_decoder(self: Any, latents: Any) -> Any:
        TAPPED["latents"] = latents.detach().to("cpu", copy=True)
        images = decode(self, latents)
        TAPPED["video"] = images.detach().to("cpu", copy=True)
        return images

    cls.run_text_encoder, cls.run_vae_decoder = run_text_encoder, run_vae_decoder


def save_tapped(out: Path, name: str, extra: dict[str, Any]) -> None:
    """As float32 arrays (exact for bf16), so the comparison needs only numpy."""
    import numpy as np

    missing = {"context", "latents", "video"} - TAPPED.keys()
    if missing:
        raise RuntimeError(f"{name}: the tap saw no {sorted(missing)}")
    np.savez(out / f"{name}.npz", **{k: t.float().numpy() for k, t in TAPPED.items()})
    (out / f"{name}.json").write_text(json.dumps(extra, default=str))
    TAPPED.clear()


def run_app(args: argparse.Namespace) -> None:
    """Through the Studio, exactly as the page: one job per preset (each preset change rebuilds)."""
    from backend.engine.importer import import_pipeline_class
    from backend.engine.lightx2v import LightX2VEngine, set_engine_environment
    from backend.settings import Paths
    from backend.studio import Studio
    from backend.video import probe

    set_engine_environment()  # as app.py does at start
    import_pipeline_class()  # the engine's own lean import, done first so the tap can be installed
    install_tap()
    studio = Studio(Paths.default(Path(tempfile.mkdtemp(prefix="same-home-"))),
                    LightX2VEngine(kernel_cache=args.kernel_cache), preload=False)
    studio.update_settings(weights_dir=str(args.weights), low_ram="off", quant_scheme=KERNELS["quant_scheme"],
                           attention=KERNELS["attention"])
    studio.start()
    try:
        for preset in args.presets.split(","):
            (job,) = studio.submit(PROMPT, seed=SEED, preset=preset, width=args.width, height=args.height,
                                   frames=args.frames)
            done = studio.queue.wait_for(job.id, ("done", "failed", "cancelled"), 1200)
            if done.status != "done" or done.clip_id is None:
                raise RuntimeError(f"app {preset}: {done.status}: {done.error}")
            clip = studio.clip(done.clip_id)
            info = {"preset": preset, "preset_used": done.preset_used, "kernels": clip.record.to_json()["kernels"],
                    "engine_config": dict(clip.record.engine_config), "output": probe(clip.path),
                    "wall_s": round((done.finished_at or 0) - (done.started_at or 0), 2)}
            save_tapped(args.out, f"app-{preset}", info)
            (args.out / FIRST_DONE).touch()
            log(f"app {preset}: {info}")
    finally:
        studio.stop()


def run_bare(args: argparse.Namespace) -> None:
    """Plain LightX2VPipeline per distinct set of engine keys, with only the upstream fix it needs to run."""
    import torch

    from backend.engine.lightx2v import set_engine_environment
    from backend.engine.lightx2v_hooks import add_t5_bias_default
    from backend.engine.pinned import release_cached_pinned
    from backend.models import layout
    from backend.presets import load_presets

    set_engine_environment()  # the same allocator and Triton settings as the app: only the weights path differs
    from lightx2v import LightX2VPipeline

    install_tap()
    presets = load_presets()
    done: dict[str, str] = {}  # engine keys -> the preset whose bare run they are
    tmp = Path(tempfile.mkdtemp(prefix="same-bare-"))
    for name in args.presets.split(","):
        keys = presets[name].engine_config(False)
        signature = json.dumps(keys, sort_keys=True)
        if signature in done:
            log(f"bare {name}: the same engine keys as {done[signature]}, not run again")
            continue
        files = layout(args.weights, "fp8")
        pipe = LightX2VPipeline(task="t2v", model_cls="wan2.1_distill", model_path=str(files.root))
        pipe.enable_quantize(dit_quantized=True, dit_quantized_ckpt=str(files.dit_dir),
                             quant_scheme=KERNELS["quant_scheme"], text_encoder_quantized=True,
                             text_encoder_quantized_ckpt=str(files.t5_file))
        pipe.enable_offload(cpu_offload=keys.get("cpu_offload", False),
                            offload_granularity=keys.get("offload_granularity", "block"),
                            text_encoder_offload=keys.get("t5_cpu_offload", False),
                            vae_offload=keys.get("vae_cpu_offload", False))
        (tmp / "frames.json").write_text(json.dumps({"target_video_length": args.frames}))
        pipe.config_json = str(tmp / "frames.json")
        add_t5_bias_default(KERNELS["quant_scheme"])
        pipe.create_generator(attn_mode=KERNELS["attention"], infer_steps=4, num_frames=args.frames,
                              height=args.height, width=args.width, guidance_scale=1.0, sample_shift=5.0, fps=16)
        wait_for(args.out / FIRST_DONE, 300)
        started = time.monotonic()
        pipe.generate(seed=SEED, prompt=PROMPT, save_result_path=str(tmp / f"{name}.mp4"),
                      target_shape=[args.height, args.width])
        save_tapped(args.out, f"bare-{name}", {"preset": name, "engine_config": keys, "kernels": KERNELS,
                                               "wall_s": round(time.monotonic() - started, 2)})
        done[signature] = name
        log(f"bare {name}: done")
        del pipe
        gc.unfreeze()  # LightX2V freezes the object graph after a run
        gc.collect()
        torch.cuda.empty_cache()
        release_cached_pinned()


def wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def compare(out: Path) -> dict[str, Any]:
    """Each app run against the bare run with its engine keys; app presets against each other too."""
    import numpy as np

    runs = {p.stem: {**np.load(p), "info": json.loads(p.with_suffix(".json").read_text())}
            for p in sorted(out.glob("*.npz"))}
    bare_by_keys = {json.dumps(r["info"]["engine_config"], sort_keys=True): n for n, r in runs.items()
                    if n.startswith("bare-")}
    rows = []
    apps = sorted((n for n in runs if n.startswith("app-")), key=lambda n: int(n[4:].rstrip("gb") or 0))
    for name in apps:
        run = runs[name]
        bare = bare_by_keys.get(json.dumps(run["info"]["engine_config"], sort_keys=True))
        rows.append({"app": name, "bare": bare, "output": run["info"].get("output"),
                     **(diff(run, runs[bare]) if bare else {"error": "no bare run with these engine keys"})})
    across = [{"a": a, "b": b, **diff(runs[a], runs[b])} for a, b in itertools.pairwise(apps)]
    return {"rows": rows, "across_presets": across}


def diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Context bit-equality, latents max abs / relative error, frames PSNR (frames in [-1, 1])."""
    import numpy as np

    same_shape = a["context"].shape == b["context"].shape
    ctx = (a["context"] - b["context"]) if same_shape else None
    lat_a, lat_b = a["latents"].astype(np.float64), b["latents"].astype(np.float64)
    vid_a, vid_b = np.clip(a["video"], -1, 1), np.clip(b["video"], -1, 1)
    mse = float(np.mean(((vid_a.astype(np.float64) - vid_b) / 2) ** 2))
    return {
        "context_identical": bool(same_shape and np.array_equal(a["context"], b["context"])),
        "context_max_abs": float(np.abs(ctx).max()) if ctx is not None else math.inf,
        "latents_identical": bool(np.array_equal(a["latents"], b["latents"])),
        "latents_max_abs": float(np.abs(lat_a - lat_b).max()),
        "latents_rel": float(np.linalg.norm(lat_a - lat_b) / np.linalg.norm(lat_b)),
        "frames_psnr_db": math.inf if mse == 0 else round(10 * math.log10(1 / mse), 2),
        "frames_shape": list(a["video"].shape),
        "finite": bool(np.isfinite(lat_a).all() and np.isfinite(a["video"]).all()),
    }


def render(result: dict[str, Any]) -> str:
    def psnr(v: float) -> str:
        return "identical (∞)" if v == math.inf else f"{v:.1f}"

    lines = ["| app run | bare run | T5 context | latents max abs | latents rel | frames PSNR dB | frames |",
             "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        if "error" in r:
            lines.append(f"| {r['app']} | — | {r['error']} | | | | |")
            continue
        lines.append(f"| {r['app']} | {r['bare']} | {'identical' if r['context_identical'] else 'DIFFERS'} | "
                     f"{r['latents_max_abs']:.3g} | {r['latents_rel']:.3g} | {psnr(r['frames_psnr_db'])} | "
                     f"{(r.get('output') or {}).get('frames')} |")
    lines += ["", "App presets against each other (offload changes where weights live, not the arithmetic):", ""]
    for r in result["across_presets"]:
        lines.append(f"- {r['a']} vs {r['b']}: context {'identical' if r['context_identical'] else 'differs'}, "
                     f"latents max abs {r['latents_max_abs']:.3g}, frames PSNR {psnr(r['frames_psnr_db'])}")
    return "\n".join(lines) + "\n"


def log(text: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} same_frames: {text}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("run", "compare"))
    parser.add_argument("--mode", choices=("app", "bare"))
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--presets", default="8gb,12gb,16gb,24gb")
    parser.add_argument("--width", type=int, default=832)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--frames", type=int, default=81)
    parser.add_argument("--kernel-cache", type=Path)
    parser.add_argument("--json", type=Path, help="compare: also write the result here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.action == "compare":
        result = compare(args.out)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, default=str))
        sys.stdout.write(render(result))
        return 0
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    if args.weights is None or args.mode is None:
        parser.error("run needs --mode and --weights")
    run_app(args) if args.mode == "app" else run_bare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
