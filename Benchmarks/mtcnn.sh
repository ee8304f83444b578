#!/usr/bin/env bash
# Benchmarks/mtcnn.sh: MTCNN face detection, Glimpse against the reference (facenet-pytorch 2.6.0's
# detect_face on PyTorch for the CPU, same weights and settings) side by side in one run, at 1 and 2
# threads: the whole cascade on each photo (pyramid and P-Net, R-Net and O-Net on crops, NMS,
# landmarks; decoding left out), medians over --reps after one warm-up. The photos: camera.png and
# 2011_000003.jpg from datasets/samples and astronaut.png, grace_hopper.jpg and obama.jpg fetched by
# scripts/mtcnn-fetch.sh. Unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; --coretype NAME sets
# OPENBLAS_CORETYPE for Glimpse's runs (see fast-rcnn.sh on OpenBLAS's kernel choice).
# usage: Benchmarks/mtcnn.sh [--reps 10] [--coretype NAME]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS=10; CORETYPE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --coretype) CORETYPE="$2"; shift 2 ;;
        *) echo "mtcnn.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
scripts/setup.sh
swift build -c release --product glimpse-bench >&2
BIN="$(swift build -c release --show-bin-path)/glimpse-bench"
PY="$(Benchmarks/torch-venv.sh)"
"$PY" -c 'import numpy, PIL' 2>/dev/null || "$PY" -m pip install -q numpy pillow >&2
scripts/mtcnn-fetch.sh "$PY" > /dev/null
IMAGES=(datasets/samples/camera.png datasets/samples/2011_000003.jpg .build-mtcnn/photos/astronaut.png
        .build-mtcnn/photos/grace_hopper.jpg .build-mtcnn/photos/obama.jpg)
mkdir -p out
results=out/mtcnn-bench.jsonl; : > "$results"
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for threads in 1 2; do
    if [ -n "$CORETYPE" ]; then
        OPENBLAS_CORETYPE="$CORETYPE" "$BIN" mtcnn --threads "$threads" --reps "$REPS" "${IMAGES[@]}" >> "$results"
    else
        "$BIN" mtcnn --threads "$threads" --reps "$REPS" "${IMAGES[@]}" >> "$results"
    fi
    "$PY" Benchmarks/pytorch_mtcnn.py --package .build-mtcnn/facenet-pytorch --threads "$threads" --repeat "$REPS" "${IMAGES[@]}" \
        > "out/mtcnn-bench-pytorch-$threads.json"
done
if [ -n "$CORETYPE" ]; then OPENBLAS_CORETYPE="$CORETYPE" "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"
else "$BIN" sgemm --threads 1 --reps 1 --sizes 256 >> "$results"; fi
python3 - "$results" out/mtcnn-bench-pytorch-1.json out/mtcnn-bench-pytorch-2.json <<'PY'
import json, os, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ours = {(r["image"], r["threads"]): r for r in rows if r.get("metric") == "mtcnn_ms"}
corename = next((r["value"] for r in rows if r.get("metric") == "corename"), "?")
reference = {}
for threads, path in ((1, sys.argv[2]), (2, sys.argv[3])):
    data = json.load(open(path))
    torch_version = data["torch"]
    for image, entry in data["images"].items():
        reference[(image, threads)] = entry
print(f"MTCNN per photo, whole cascade, medians; facenet-pytorch 2.6.0 on PyTorch {torch_version}; Glimpse on OpenBLAS's {corename} kernels")
print("| photo | faces (Glimpse / reference) | threads | Glimpse ms | reference ms | reference / Glimpse |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
totals = {1: [0, 0], 2: [0, 0]}
for (image, threads), r in sorted(ours.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    ref = reference[(image, threads)]
    g, p = r["median"], ref["seconds"] * 1000
    totals[threads][0] += g; totals[threads][1] += p
    print(f"| {os.path.basename(image)} | {r['faces']} / {len(ref['boxes'])} | {threads} | {g:.1f} | {p:.1f} | {p / g:.2f}x |")
for threads, (g, p) in totals.items():
    print(f"| all five | | {threads} | {g:.1f} | {p:.1f} | {p / g:.2f}x |")
PY
