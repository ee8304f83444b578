#!/usr/bin/env bash
# The quality of whole scene pipelines on the test split, through the product path: each
# pipeline file runs as `glimpse run --jobs 2` over the split's images, then `glimpse eval
# detections` (its boxes at the file's score threshold), `glimpse eval segmentation` (its label
# maps) and `glimpse eval captions` (first reference held out) score the outputs. One table row
# per pipeline: AP, AP50, mIoU, pixel accuracy, BLEU-4, CIDEr-D, images/s of that run.
#
#   scripts/scenes-quality.sh [--scenes /tmp/sc] [--glimpse .build/release/glimpse] Pipelines/scenes.yaml Pipelines/scenes-fast.yaml
#
# Build first (`swift build -c release --product glimpse`); the scene set is made by
# `glimpse datasets scenes --out /tmp/sc`. Outputs go to runs/scenes-quality/.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENES=/tmp/sc
glimpse=.build/release/glimpse
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --scenes) SCENES="$2"; shift 2 ;;
        --glimpse) glimpse="$2"; shift 2 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) files+=("$1"); shift ;;
    esac
done
[ ${#files[@]} -gt 0 ] || { echo "usage: $0 [--scenes DIR] [--glimpse BIN] PIPELINE.yaml..." >&2; exit 2; }
[ -d "$SCENES/test/images" ] || { echo "error: no $SCENES/test/images (glimpse datasets scenes --out $SCENES)" >&2; exit 1; }
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
OUT=runs/scenes-quality; mkdir -p "$OUT"
echo "| pipeline | AP | AP50 | mIoU | pixel acc | BLEU-4 | CIDEr-D | images/s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for file in "${files[@]}"; do
    run="$OUT/$(basename "$file" .yaml)"
    rm -rf "$run" "$run.pred"
    speed=$("$glimpse" run "$file" "$SCENES/test/images" --output "$run" --jobs 2 2>&1 | sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' | tail -1)
    "$glimpse" eval detections --gt "$SCENES/test/instances.json" --pred "$run/boxes.results.json" \
        --images "$run/boxes.coco.json" --json "$run.detections.json" > /dev/null
    mkdir -p "$run.pred"
    while IFS= read -r mask; do cp "$mask" "$run.pred/$(basename "$mask" .mask.png).png"; done < <(find "$run" -name '*.mask.png')
    "$glimpse" eval segmentation --gt "$SCENES/test/labels" --pred "$run.pred" --coco "$SCENES/test/instances.json" \
        --json "$run.segmentation.json" > /dev/null
    "$glimpse" eval captions --gt "$SCENES/test/captions.json" --pred "$run/captions.jsonl" --without-first \
        --scenes "$SCENES/test/instances.json" --json "$run.captions.json" > /dev/null
    python3 - "$run" "$(basename "$file")" "$speed" <<'PY'
import json, sys
run, name, speed = sys.argv[1:]
d = json.load(open(run + ".detections.json"))["summary"]
s = json.load(open(run + ".segmentation.json"))["metrics"]
c = json.load(open(run + ".captions.json"))["scores"]
print(f"| {name} | {d['AP']['value']:.3f} | {d['AP50']['value']:.3f} | {s['mean_iou']:.4f} | {s['pixel_accuracy']:.4f} | {c['BLEU-4']:.4f} | {c['CIDEr-D']:.4f} | {speed} |")
PY
done
