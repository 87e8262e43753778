"""Pinned-memory benchmark: how pinning the offloaded weights interacts with the LightX2V import, and
what a fork costs once they are pinned. Each case runs in a fresh process (as the app's start does).

python -m bench.pinning --weights DIR --out DIR [--cases import,import+slabs,import+t5,import+both,slabs]

Run it twice to compare torch's pinning modes: as is (the app's setting, malloc + cudaHostRegister on
Linux) and with PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True (cudaHostAlloc, torch's default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CASES = ("import", "import+slabs", "import+t5", "import+both", "slabs")


def run_case(case: str, weights: Path) -> dict[str, Any]:
    """One case in this process: helpers started as the engine starts them, then the lean import."""
    from backend.engine.lightx2v import set_engine_environment

    set_engine_environment()
    started = time.monotonic()
    import torch

    torch.cuda.get_device_capability(0)  # CUDA initialised before the helpers start, as in the engine
    out: dict[str, Any] = {"case": case, "alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF"),
                           "torch_s": round(time.monotonic() - started, 2)}
    from backend.engine import pinned
    from backend.engine.prefetch import CheckpointPrefetch

    dit = weights / "distill_fp8"
    pool = pinned.PinnedPool()
    if case == "slabs":
        return {**out, **pin_slabs(torch, pinned, pool, dit)}
    helper = threading.Thread(target=pool.reserve, args=(pinned.dit_pin_sizes(dit),))
    if "slabs" in case or "both" in case:
        helper.start()
    t5 = CheckpointPrefetch(dit / "models_t5_umt5-xxl-enc-fp8.pth") if "t5" in case or "both" in case else None
    began = time.monotonic()
    from backend.engine.importer import import_pipeline_class

    import_pipeline_class(lean=True)
    out["import_s"] = round(time.monotonic() - began, 2)
    if helper.ident is not None:
        helper.join()
    if t5 is not None:
        t5.wait()
        out["t5_read_s"] = t5.read_s
    out["helpers_done_s"] = round(time.monotonic() - began, 2)
    out["pool"] = pool.report()
    out.update(spawn_costs())
    return out


def pin_slabs(torch: Any, pinned: Any, pool: Any, dit: Path) -> dict[str, Any]:
    """Pin the 14B DiT's slabs alone; check a carved view is pinned and copies at full speed."""
    sizes = pinned.dit_pin_sizes(dit)
    began = time.monotonic()
    pool.reserve(sizes)
    out: dict[str, Any] = {"slabs_s": round(time.monotonic() - began, 2), "pool": pool.report()}
    buffer, offset = pool.take(5120 * 5120)
    view = pinned.carve(buffer, offset, (5120, 5120), torch.uint8)
    gpu = torch.empty((5120, 5120), dtype=torch.uint8, device="cuda")
    torch.cuda.synchronize()
    began = time.monotonic()
    for _ in range(20):
        gpu.copy_(view, non_blocking=True)
    torch.cuda.synchronize()
    seconds = time.monotonic() - began
    out.update(view_is_pinned=view.is_pinned(), copy_gbps=round(20 * view.numel() / seconds / 1e9, 1))
    out.update(spawn_costs())
    return out


def spawn_costs() -> dict[str, float]:
    """Starting a child with a pre-exec hook (a real fork, as imageio-ffmpeg does) and in a new session
    (vfork, as backend/video.py does), with the weights pinned."""
    costs = {}
    for name, kwargs in (("fork_s", {"preexec_fn": os.setpgrp}), ("new_session_s", {"start_new_session": True})):
        began = time.monotonic()
        subprocess.run(["true"], check=False, **kwargs)
        costs[name] = round(time.monotonic() - began, 3)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="folder for pinning.json (default: print only)")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.one:
        sys.stdout.write("PIN_JSON " + json.dumps(run_case(args.one, args.weights)) + "\n")
        return 0
    results = []
    for case in args.cases.split(","):
        proc = subprocess.run([sys.executable, "-m", "bench.pinning", "--weights", str(args.weights), "--one", case],
                              capture_output=True, text=True, timeout=300, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PIN_JSON ")]
        results.append(json.loads(lines[-1][9:]) if lines else {"case": case, "error": proc.stderr[-500:]})
    print("| case | pinning | import s | helpers done s | slabs s | T5 read s | fork s | new session s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        mode = "register" if "host_register:True" in (r.get("alloc_conf") or "") else "cudaHostAlloc"
        print(f"| {r['case']} | {mode} | {r.get('import_s', '—')} | {r.get('helpers_done_s', '—')} | "
              f"{r.get('slabs_s', (r.get('pool') or {}).get('reserve_s', '—'))} | {r.get('t5_read_s', '—')} | "
              f"{r.get('fork_s', '—')} | {r.get('new_session_s', '—')} |")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "pinning.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
