#!/bin/sh
# `glimpse eval detections` next to pycocotools' COCOeval on the same files: a synthetic
# 5,000-image ground truth (random boxes, 1-8 per image, 20 categories, some crowds) and a
# results file made from it by jittering, relabelling, dropping and duplicating the boxes plus
# random false positives (Benchmarks/eval-detections/speed.py, seeded). Both are timed end to
# end (reading the JSON, evaluating, the summary), alternating, REPS times each; prints the
# medians and the ratio, and checks that the 12 numbers agree. pycocotools runs in the project
# venv (scripts/coco-venv.sh). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this
# command only (the evaluation does not call BLAS; the benchmark habit keeps the environment
# the same for every benchmark).
# Usage: Benchmarks/eval-detections.sh [REPS] [IMAGES] [IOU_TYPE]   (defaults: 5, 5000, bbox)
set -eu
cd "$(dirname "$0")/.."
REPS=${1:-5}
IMAGES=${2:-5000}
IOU=${3:-bbox}
swift build -c release --product glimpse 2>&1 | tail -1
VENV=$(scripts/coco-venv.sh)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" Benchmarks/eval-detections/speed.py \
  .build/release/glimpse "$REPS" "$IMAGES" "$IOU"
