#!/usr/bin/env bash
# Benchmarks/fcn.sh: the FCN segmenter, Glimpse against the same network in PyTorch (CPU)
# loading the same safetensors file, side by side in one run, at 1 and 2 threads: the per-pixel
# scores `[1, K, S, S]` of one image at S = 128 and 256 px (padding, trunk, scoring layers,
# bilinear upsampling, crops), medians over --reps. The variant (fcn-32s, -16s, -8s) is the
# weights file's. The PyTorch side first checks that its padding and crop offsets are Glimpse's
# and its outputs equal Glimpse's within 1e-4 on the same inputs, and the run stops if they do
# not. Unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (see the README's Speed section). PyTorch
# comes from the private venv Benchmarks/.venv that Benchmarks/run.sh also uses (torch-venv.sh;
# the offline wheel in /opt/wheels when there is one). The table names the OpenBLAS kernel Glimpse ran with;
# --coretype SkylakeX sets OPENBLAS_CORETYPE for Glimpse's runs (see fast-rcnn.sh).
#
# usage: Benchmarks/fcn.sh [--reps 30] [--coretype NAME] [--weights datasets/weights/fcn8s-scenes.safetensors]
# Before trained weights exist: .build/release/glimpse-bench fcn --make-random out/fcn-8s-random.safetensors
# and then Benchmarks/fcn.sh --weights out/fcn-8s-random.safetensors.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS=30; CORETYPE=""; WEIGHTS="datasets/weights/fcn8s-scenes.safetensors"
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --coretype) CORETYPE="$2"; shift 2 ;;
        --weights) WEIGHTS="$2"; shift 2 ;;
        *) echo "fcn.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$WEIGHTS" ]; then
    echo "fcn.sh: no weights file $WEIGHTS; for random ones: glimpse-bench fcn --make-random FILE, then --weights FILE" >&2
    exit 1
fi
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
scripts/setup.sh
swift build -c release --product glimpse-bench >&2
BIN="$(swift build -c release --show-bin-path)/glimpse-bench"
PY="$(Benchmarks/torch-venv.sh)"
mkdir -p out
results=out/fcn-bench.jsonl; : > "$results"
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for threads in 1 2; do
    if [ -n "$CORETYPE" ]; then
        OPENBLAS_CORETYPE="$CORETYPE" "$BIN" fcn --weights "$WEIGHTS" --threads "$threads" --reps "$REPS" >> "$results"
    else
        "$BIN" fcn --weights "$WEIGHTS" --threads "$threads" --reps "$REPS" >> "$results"
    fi
done
if [ -n "$CORETYPE" ]; then OPENBLAS_CORETYPE="$CORETYPE" "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"
else "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"; fi
"$PY" Benchmarks/pytorch_fcn.py --weights "$WEIGHTS" --threads 1,2 --reps "$REPS" >> "$results"
python3 - "$results" "$WEIGHTS" <<'PY'
import json, struct, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
value = {(r["impl"], r["metric"], r.get("threads")): r.get("median", r.get("value")) for r in rows}
with open(sys.argv[2], "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    variant = json.loads(f.read(length))["__metadata__"]["segmenter.variant"]
print(f"{variant} per-pixel scores of one image, weights {sys.argv[2]}; PyTorch {value[('pytorch', 'version', None)]};"
      f" Glimpse on OpenBLAS's {value[('openblas', 'corename', None)]} kernels")
sides = sorted(int(r["metric"][len("max_abs_diff_s"):]) for r in rows if r["metric"].startswith("max_abs_diff_s"))
print("| size | threads | Glimpse ms | PyTorch ms | PyTorch / Glimpse | max abs difference |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for side in sides:
    diff = value[("pytorch", f"max_abs_diff_s{side}", None)]
    for threads in (1, 2):
        g = value[("glimpse", f"fcn_s{side}_ms", threads)]
        p = value[("pytorch", f"fcn_s{side}_ms", threads)]
        print(f"| {side} | {threads} | {g:.2f} | {p:.2f} | {p / g:.2f}x | {diff:.1e} |")
PY
