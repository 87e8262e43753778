#!/usr/bin/env bash
# One call on an offline GPU box: set up (carried wheels and LightX2V source, synthetic weights; each only
# once per box), then run the named steps in order, each only while time is left. From the repository root:
#   bash bench/box.sh CARRY_DIR OUT_DIR DEADLINE_S STEP...
# Steps: weights, weights-int8, same (app vs bare frames, with the INT8 weights written beside it), probe,
# extras (the synthetic TAEHV preview decoder and rank-64 LoRA), plans=a,b,c (bench/run.py plans; a plan whose
# result is already there is skipped, so the same command run again goes on where a cut-off call stopped),
# gputest (the gpu-marked tests, once they passed), report (bench/report_cost.py on the runs so far).
# Everything lands in OUT_DIR/box.tgz.
set -u
carry=$1 out=$2 deadline=$3
shift 3
began=$SECONDS
left() { echo $((deadline - (SECONDS - began))); }
source bench/setup_box.sh "$carry"
if [ "$(findmnt -n -o FSTYPE --target /var/tmp 2>/dev/null)" = tmpfs ]; then W=/tmp/w; else W=/var/tmp/w; fi
work=/var/tmp/bench-work
mkdir -p "$work/runs" "$out"
if [ -d "$carry/prev" ]; then  # an earlier call's box.tgz, unpacked there: its finished steps are not run again
  cp -n "$carry"/prev/runs/*.json "$work/runs/" 2>/dev/null; cp -n "$carry/prev/gputest.log" "$work/" 2>/dev/null
fi
export BENCH_COMMIT=$(cat COMMIT 2>/dev/null || echo unknown)
log() { echo "$(date +%T) box [$(left) s left]: $*" | tee -a "$work/box.log"; }
synth() {  # $1 = fp8|int8
  [ -f "$W/distill_$1/block_39.safetensors" ] || python3 -m bench.synth_weights --out "$W" --set "$1" --device cuda \
    >"$work/synth-$1.log" 2>&1
}
log "commit $BENCH_COMMIT, weights in $W; $(nvidia-smi --query-gpu=name,memory.used,memory.total,driver_version --format=csv,noheader)"
incomplete=0
for step in "$@"; do
  if [ "$(left)" -lt 40 ]; then log "skip $step: too little time left"; incomplete=1; continue; fi
  log "start $step"
  case $step in
    weights) synth fp8 ;;
    weights-int8) synth int8 ;;
    extras)
      [ -f "$W/taehv/taew2_1.pth" ] && [ -f "$W/bench-lora/synthetic-r64.safetensors" ] || \
        python3 -m bench.synth_extras --out "$W" --taehv --check --lora >"$work/extras.log" 2>&1; tail -n 3 "$work/extras.log" ;;
    report) python3 -m bench.report_cost --runs "$work/runs" --out "$work/next" 2>>"$work/box.log" | tail -n 30 ;;
    same)
      mkdir -p "$work/same"
      (synth int8) &
      synth_pid=$!
      python3 -m bench.same_frames run --mode app --weights "$W" --out "$work/same" \
        --kernel-cache "$work/runs/kernel-choice.json" >"$work/same-app.log" 2>&1 &
      app_pid=$!
      timeout $(($(left) - 20)) python3 -m bench.same_frames run --mode bare --weights "$W" --out "$work/same" \
        >"$work/same-bare.log" 2>&1
      wait $app_pid
      python3 -m bench.same_frames compare --out "$work/same" --json "$work/same.json" >"$work/same.md" 2>>"$work/box.log"
      cat "$work/same.md"
      wait $synth_pid ;;
    probe) python3 -m backend.engine.kernels --json >"$work/probe.json" 2>"$work/probe.log"; tail -c 3000 "$work/probe.json" ;;
    plans=*)
      mkdir -p "$work/runs"
      python3 -m bench.run --weights "$W" --out "$work/runs" --plan "${step#plans=}" --deadline-s $(($(left) - 15)) --resume \
        2>&1 | grep -v "^\s*$" | tail -n 40
      python3 -c "import sys; from pathlib import Path; from bench.run import finished
sys.exit(not all(finished(Path('$work/runs') / f'{p}.json') for p in '${step#plans=}'.split(',')))" || incomplete=1 ;;
    gputest)
      if grep -qs " passed" "$work/gputest.log" && ! grep -qs "failed\|error" "$work/gputest.log"; then log "gputest already passed"
      else WAN_STUDIO_GPU_WEIGHTS=$W timeout $(($(left) - 10)) python3 -m pytest -m gpu tests/test_gpu_engine.py -q \
        -p no:cacheprovider >"$work/gputest.log" 2>&1; fi; tail -n 15 "$work/gputest.log"
      grep -qs " passed" "$work/gputest.log" && ! grep -qs "failed\|error" "$work/gputest.log" || incomplete=1 ;;
    *) log "unknown step $step" ;;
  esac
  log "end $step"
done
(cd "$work" && tar -czf "$out/box.tgz" --exclude='*.npz' --exclude='*.pt' --exclude='*.mp4' .)
log "packed $(du -h "$out/box.tgz" | cut -f1)"
if [ $incomplete = 0 ]; then log "all steps done"; else log "some steps are left: run the same command again"; fi
