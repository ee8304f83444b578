#!/usr/bin/env bash
# Benchmarks/fast-rcnn.sh: the shipped Fast R-CNN scene detector, Glimpse against the same
# architecture in PyTorch (CPU) loading the same safetensors file, side by side in one run, at 1
# and 2 threads: one image's inference at the weights' input size (192 px) (trunk, RoI max pooling, heads) with 400 and 2000
# RoIs, medians over --reps. The PyTorch side first checks that its outputs equal Glimpse's
# within 1e-4 on the same inputs, and the run stops if they do not. Unsets OPENBLAS_CORETYPE
# and OPENBLAS_L2_SIZE (see the README's Speed section). PyTorch comes from the private venv
# Benchmarks/.venv that Benchmarks/run.sh also uses (the offline wheel in /opt/wheels when
# there is one). The table names the OpenBLAS kernel Glimpse ran with: OpenBLAS 0.3.21 does not
# recognise every AVX-512 CPU and may fall back to its Prescott (SSE3) kernels, a quarter of the
# speed; --coretype SkylakeX sets OPENBLAS_CORETYPE for Glimpse's runs to measure the AVX-512 ones.
#
# usage: Benchmarks/fast-rcnn.sh [--reps 30] [--coretype NAME]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS=30; CORETYPE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --coretype) CORETYPE="$2"; shift 2 ;;
        *) echo "fast-rcnn.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
scripts/setup.sh
swift build -c release --product glimpse-bench >&2
BIN="$(swift build -c release --show-bin-path)/glimpse-bench"
PY="$(Benchmarks/torch-venv.sh)"
mkdir -p out
results=out/fast-rcnn-bench.jsonl; : > "$results"
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for threads in 1 2; do
    if [ -n "$CORETYPE" ]; then
        OPENBLAS_CORETYPE="$CORETYPE" "$BIN" fast-rcnn --threads "$threads" --reps "$REPS" >> "$results"
    else
        "$BIN" fast-rcnn --threads "$threads" --reps "$REPS" >> "$results"
    fi
done
if [ -n "$CORETYPE" ]; then OPENBLAS_CORETYPE="$CORETYPE" "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"
else "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"; fi
"$PY" Benchmarks/pytorch_fast_rcnn.py --threads 1,2 --reps "$REPS" >> "$results"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
value = {(r["impl"], r["metric"], r.get("threads")): r.get("median", r.get("value")) for r in rows}
print(f"Fast R-CNN inference, one image at the shipped scene weights' input size; PyTorch {value[('pytorch', 'version', None)]};"
      f" Glimpse on OpenBLAS's {value[('openblas', 'corename', None)]} kernels")
diffs = [f"{r['metric'][13:]} {r['value']:.1e}" for r in rows if r["metric"].startswith("max_abs_diff")]
print("outputs equal within 1e-4 (max |difference|: " + ", ".join(diffs) + ")")
print("| RoIs | threads | Glimpse ms | PyTorch ms | PyTorch / Glimpse |")
print("| ---: | ---: | ---: | ---: | ---: |")
for rois in (400, 2000):
    for threads in (1, 2):
        g = value[("glimpse", f"fast_rcnn_r{rois}_ms", threads)]
        p = value[("pytorch", f"fast_rcnn_r{rois}_ms", threads)]
        print(f"| {rois} | {threads} | {g:.2f} | {p:.2f} | {p / g:.2f}x |")
PY
