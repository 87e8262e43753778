"""One benchmark configuration in this (fresh) process: the product's path or bare LightX2V, under a
CUDA memory cap, printing one JSON object with times and memory peaks.

Run by bench/run.py; by hand: python -m bench.run_one --mode app --preset 8gb --cap-gib 7.3 --weights DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROMPT = "A red fox runs through fresh snow in a pine forest at dawn, cinematic, soft light"
GIB = 1024**3


class PeakSampler:
    """Samples this process's GPU memory (NVML, context included) and host RSS every 50 ms."""

    def __init__(self) -> None:
        import psutil
        import pynvml

        pynvml.nvmlInit()
        self._nvml, self._handle = pynvml, pynvml.nvmlDeviceGetHandleByIndex(0)
        self._proc = psutil.Process()
        self.gpu_mib = 0.0
        self.util: list[tuple[float, int]] = []  # (wall time, GPU utilisation %) at 10 Hz
        self.rss_gib = 0.0
        self.anon_gib = 0.0  # RSS without file-backed pages (safetensors maps count in RSS but are reclaimable)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(0.05):
            tick += 1
            if tick % 2 == 0:
                with contextlib.suppress(self._nvml.NVMLError):
                    self.util.append((time.time(), int(self._nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu)))
            try:
                procs = self._nvml.nvmlDeviceGetComputeRunningProcesses(self._handle)
                mine = sum(p.usedGpuMemory or 0 for p in procs if p.pid == os.getpid())
                self.gpu_mib = max(self.gpu_mib, mine / 2**20)
            except self._nvml.NVMLError:
                pass
            self.rss_gib = max(self.rss_gib, self._proc.memory_info().rss / GIB)
            self.anon_gib = max(self.anon_gib, _rss_kept_gib())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)

    def idle(self, start: float, end: float) -> dict[str, Any]:
        """GPU idle share between two wall times: 1 - mean utilisation (NVML's busy-time percentage)."""
        window = [u for t, u in self.util if start <= t <= end]
        if not window:
            return {}
        return {"samples": len(window), "idle_fraction": round(1 - sum(window) / len(window) / 100, 4),
                "zero_samples": sum(1 for u in window if u == 0)}


def _rss_kept_gib() -> float:
    """Resident memory the kernel cannot drop: anonymous plus shared (pinned buffers from cudaHostAlloc
    are shared mappings), without the file pages of memory-mapped checkpoints."""
    kept = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(("RssAnon:", "RssShmem:")):
                    kept += int(line.split()[1])
    except OSError:
        pass
    return kept / 1024**2


def emit(result: dict[str, Any], sampler: PeakSampler) -> None:
    """Print the result so far: a run cut off by its time limit still reports the clips it finished."""
    result["peak_nvml_mib"] = round(sampler.gpu_mib, 1)
    result["peak_rss_gib"] = round(sampler.rss_gib, 2)
    result["peak_anon_gib"] = round(sampler.anon_gib, 2)
    sys.stdout.write("BENCH_JSON " + json.dumps(result) + "\n")
    sys.stdout.flush()


ALLOC_STATS = ("num_alloc_retries", "num_ooms", "num_device_alloc", "num_device_free", "num_sync_all_streams")


def alloc_stats() -> dict[str, int]:
    """The caching allocator's counters that show memory pressure (retries free the cache and sync)."""
    import torch

    stats = torch.cuda.memory_stats()
    return {k: int(stats.get(k, 0)) for k in ALLOC_STATS}


def cap_memory(cap_gib: float) -> None:
    """Emulate a smaller card: cap torch's allocator (the CUDA context lives outside the cap)."""
    import torch

    if cap_gib > 0:
        total = torch.cuda.get_device_properties(0).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, cap_gib * GIB / total), 0)


def run_app(args: argparse.Namespace, partial: Any, sampler: PeakSampler) -> dict[str, Any]:
    """Through the Studio: queue, worker, engine adapter, clip writer, exactly as the page uses them."""
    from backend.engine.lightx2v import LightX2VEngine
    from backend.settings import Paths
    from backend.studio import Studio
    from bench.diagnose import leftovers, profiled

    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    if args.before:  # the start-up path before the lean import, T5 read-ahead and the caches
        engine = LightX2VEngine(fast_init=not args.no_fast_init, prefetch=False, lean_import=False)
    else:
        engine = LightX2VEngine(fast_init=not args.no_fast_init, kernel_cache=args.kernel_cache)
    studio = Studio(Paths.default(home), engine, preload=True)
    studio.update_settings(weights_dir=str(args.weights), preset=args.preset, low_ram="on" if args.low_ram else "off",
                           quant_scheme=args.quant, attention=args.attn)  # pinned kernels: like-for-like with bare
    studio.start()
    clips: list[dict[str, Any]] = []
    size = {"width": args.width, "height": args.height, "frames": args.frames}

    def one_clip(seed: int, **extra: Any) -> dict[str, Any]:
        before = alloc_stats()
        (job,) = studio.submit(PROMPT, seed=seed, preset=args.preset, **size, **extra)
        record = job_record(studio, studio.queue.wait_for(job.id, ("done", "failed", "cancelled"), 1800))
        after = alloc_stats()
        record["alloc_stats"] = {k: after[k] - before[k] for k in after}
        return record

    out: dict[str, Any] = {"clips": clips}
    if not args.variants:  # the previews setting as the plan says (the app's default is on)
        studio.update_settings(previews=args.previews)
    for i in range(args.clips):  # one at a time: the first pays for the build, the rest are warm
        clips.append(one_clip(42 + i))
        partial(out)
    if args.profile:  # one more warm clip under torch's profiler (kernels on every thread through CUPTI)
        out["profile"] = profiled(lambda: one_clip(42))
        partial(out)
    if args.variants:  # item 7: without and with each preview and a LoRA, interleaved
        from bench.cost import parse_variants, run_variants

        out["variants"] = run_variants(studio, args.weights, parse_variants(args.variants), args.repeat, one_clip,
                                       lambda records: partial({**out, "variants": records}), args.lora_file)
        partial(out)
    if args.queue:  # item 8: the GPU's idle share across queued clips (bench/gap.py)
        from bench.gap import keep_cache, queue_batch

        def batch() -> dict[str, Any]:
            return queue_batch(studio, lambda: studio.submit(PROMPT, seed=100, preset=args.preset, count=args.queue,
                                                             **size), sampler, lambda j: job_record(studio, j))

        out["queued"] = batch()
        partial(out)
        if args.keep_cache:
            out["queued_keep_cache"] = {"applied": keep_cache(studio), **batch()}
            partial(out)
    if args.reload:  # "Free GPU memory" on the page, then the next clip loads the model again
        asked, _ = studio.free_engine()
        deadline = time.monotonic() + 120
        while studio.engine_state.state != "idle" and time.monotonic() < deadline:
            time.sleep(0.05)
        out["reload"] = {"asked": asked, "state_before": studio.engine_state.state, "after_free": leftovers(),
                         "clip": one_clip(42)}
        partial(out)
    state = studio.engine_state
    studio.stop()
    return {**out, "engine_state": state.state, "engine_detail": state.detail}


def job_record(studio: Any, job: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"status": job.status, "error": job.error, "notes": list(job.notes),
                              "preset_used": job.preset_used, "started_at": job.started_at,
                              "wall_s": round((job.finished_at or 0) - (job.started_at or 0), 2),
                              "finished_at": job.finished_at, "timings": job.timings.to_json()}
    if job.clip_id:
        clip = studio.clip(job.clip_id)
        kept = clip.record.to_json()  # the clip's record as stored, in the benchmark's flat names
        build, peaks = kept["build"] or {}, kept["peaks"]
        record.update({"kernels": kept["kernels"], "peak_vram_mib": peaks["vram_mib"],
                       "peak_reserved_mib": peaks["reserved_mib"], "peak_allocated_mib": peaks["allocated_mib"],
                       "context_mib": peaks["context_mib"], "warm": kept["warm"], "vae_tiling": kept["vae_tiling"],
                       "lightx2v": kept["versions"]["lightx2v"], "torch": kept["versions"]["torch"],
                       "step_times_s": kept["timings"]["steps_s"], **{k: build.get(k) for k in (
                           "import_s", "build_s", "t5_read_ahead_s", "pinned_pool")}})
        from backend.video import probe

        record["output"] = probe(clip.path)
    return record


def run_bare(args: argparse.Namespace, partial: Any) -> dict[str, Any]:
    """Plain LightX2VPipeline with the preset's keys, plus only the two upstream fixes it needs to run."""
    import torch

    from backend.engine.configure import configure_pipeline
    from backend.engine.lightx2v_hooks import add_t5_bias_default
    from backend.models import layout
    from backend.presets import load_presets

    started = time.monotonic()
    from lightx2v import LightX2VPipeline

    import_s = time.monotonic() - started
    keys = load_presets()[args.preset].engine_config(args.low_ram)
    files = layout(args.weights, "fp8")
    tmp = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    pipe = LightX2VPipeline(task="t2v", model_cls="wan2.1_distill", model_path=str(files.root))
    configure_pipeline(pipe, files, keys, args.quant, tmp / "frames.json", frames=args.frames)  # as the app does
    add_t5_bias_default(args.quant)
    built = time.monotonic()
    pipe.create_generator(attn_mode=args.attn, infer_steps=4, num_frames=args.frames, height=args.height,
                          width=args.width, guidance_scale=1.0, sample_shift=5.0, fps=16)
    build_s = time.monotonic() - built
    clips = []
    for i in range(args.clips):
        torch.cuda.reset_peak_memory_stats()
        t0 = time.monotonic()
        pipe.generate(seed=42 + i, prompt=PROMPT, save_result_path=str(tmp / f"clip{i}.mp4"),
                      target_shape=[args.height, args.width])
        clips.append({"status": "done", "wall_s": round(time.monotonic() - t0, 2), "finished_at": time.time(),
                      "peak_reserved_mib": round(torch.cuda.max_memory_reserved() / 2**20, 1),
                      "peak_allocated_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1)})
        partial({"clips": clips, "import_s": round(import_s, 2), "build_s": round(build_s, 2)})
    return {"clips": clips, "import_s": round(import_s, 2), "build_s": round(build_s, 2)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("app", "bare"), default="app")
    parser.add_argument("--preset", default="16gb")
    parser.add_argument("--cap-gib", type=float, default=0.0, help="allocator cap; 0 = none")
    parser.add_argument("--low-ram", action="store_true")
    parser.add_argument("--width", type=int, default=832)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--frames", type=int, default=81)
    parser.add_argument("--clips", type=int, default=2)
    parser.add_argument("--queue", type=int, default=0, help="then queue this many clips at once")
    parser.add_argument("--quant", default="auto")
    parser.add_argument("--attn", default="auto")
    parser.add_argument("--no-fast-init", action="store_true")
    parser.add_argument("--before", action="store_true",
                        help="app mode as it was before the start-up work: full import, no read-ahead, no caches")
    parser.add_argument("--free-gib", type=float, default=0.0,
                        help="leave only this much of the card free: a ballast process takes the rest (no cap)")
    parser.add_argument("--profile", action="store_true", help="app mode: profile one more warm clip")
    parser.add_argument("--reload", action="store_true", help="app mode: free the model, then one more clip")
    parser.add_argument("--kernel-cache", type=Path, help="app mode: the remembered kernel choice (as the app keeps)")
    parser.add_argument("--keep-cache", action="store_true",
                        help="with --queue: the batch again with LightX2V's mid-clip cache emptying off")
    parser.add_argument("--previews", action="store_true", help="app mode: live previews on for the plain clips")
    parser.add_argument("--variants", default="", help="app mode, after --clips: base,linear,tiny,lora (bench/cost.py)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of --variants")
    parser.add_argument("--lora-file", type=Path, help="the lora variant's file (bench/synth_extras.py --lora)")
    parser.add_argument("--weights", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    process_start = time.time()
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    from backend.engine.lightx2v import set_engine_environment

    if args.mode == "bare" or args.before:  # without the start-up speed-ups: no autotune cache, cudaHostAlloc
        os.environ.update(TRITON_CACHE_AUTOTUNING="0", PYTORCH_CUDA_ALLOC_CONF="expandable_segments:True")
    set_engine_environment()  # as app.py does, before torch touches CUDA (the bare run gets the same allocator)
    held: dict[str, Any] = {}
    ballast_proc = None
    if args.free_gib > 0:  # before this process creates its CUDA context: the context must fit in what is left
        from bench import ballast

        ballast_proc, held = ballast.start(args.free_gib)
    import torch

    cap_memory(args.cap_gib)
    sampler = PeakSampler()
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "gpu": torch.cuda.get_device_name(0),
                              "commit": os.environ.get("BENCH_COMMIT", ""), "ballast": held}

    def partial(update: dict[str, Any]) -> None:
        emit({**result, **update}, sampler)

    try:
        result.update(run_app(args, partial, sampler) if args.mode == "app" else run_bare(args, partial))
        first_done = next((c["finished_at"] for c in result["clips"] if c["status"] == "done"), None)
        result["start_to_first_clip_s"] = round(first_done - process_start, 2) if first_done else None
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
    finally:
        sampler.stop()
        if ballast_proc is not None:
            from bench import ballast

            ballast.stop(ballast_proc)
    emit(result, sampler)
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
