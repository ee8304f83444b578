#!/usr/bin/env bash
# MTCNN parity: Glimpse's `mtcnn` detector (glimpse run Pipelines/faces.yaml) against the reference,
# facenet-pytorch 2.6.0's detect_face with the same weights, thresholds (0.6, 0.7, 0.7), minimum face
# 20 px and factor 0.709, on the same pixels: the sample photos and the nine photos with faces that
# scripts/mtcnn-fetch.sh fetches (sources and licences there). A reference face is at parity when the
# Glimpse face matched to it has every box corner and every landmark coordinate within 2 px; the
# script prints one line per image and exits 1 on any face missing, extra or off.
# usage: scripts/mtcnn-parity.sh [--tolerance PX]
set -euo pipefail
cd "$(dirname "$0")/.."
TOL=2
[ "${1:-}" = "--tolerance" ] && TOL="$2"
scripts/setup.sh
swift build -c release --product glimpse >&2
PY="$(Benchmarks/torch-venv.sh)"
"$PY" -c 'import numpy, PIL' 2>/dev/null || "$PY" -m pip install -q numpy pillow >&2
mapfile -t IMAGES < <(scripts/mtcnn-fetch.sh "$PY")
OUT=out/mtcnn-parity; rm -rf "$OUT"; mkdir -p "$OUT"
"$PY" Benchmarks/pytorch_mtcnn.py --package .build-mtcnn/facenet-pytorch "${IMAGES[@]}" > "$OUT/reference.json"
.build/release/glimpse run Pipelines/faces.yaml "${IMAGES[@]}" --output "$OUT/glimpse" --quiet
python3 scripts/mtcnn_compare.py "$OUT/reference.json" "$OUT/glimpse" --tolerance "$TOL"
