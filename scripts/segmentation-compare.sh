#!/usr/bin/env bash
# The FCN paper's table on the scene test split: pixel accuracy, mean class accuracy, mean IoU and
# frequency-weighted IoU of FCN-32s, FCN-16s and FCN-8s, and of FCN-8s with Float16 weights and
# activations, through the product path: glimpse run Pipelines/segment.yaml with each weights file
# over the split's images, then glimpse eval segmentation against its label maps. Speed: the
# segmenter stage's median time per image from the run's ledger (--jobs 1: one image at a time on
# one thread, as glimpse run's workers are; decoding and writing left out), as images per second.
# OpenBLAS variables unset (see the README's Speed section).
#
# usage: scripts/segmentation-compare.sh [--data DIR] [--images N] [--weights-dir DIR]
#   --data: a scene split with images/ and labels/ (default runs/scenes/test, generated when missing)
#   --weights-dir: where fcn32s-scenes, fcn16s-scenes and fcn8s-scenes.safetensors are (default datasets/weights)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=runs/scenes/test; IMAGES=0; WEIGHTS_DIR=datasets/weights
while [ $# -gt 0 ]; do
    case "$1" in
        --data) DATA="$2"; shift 2 ;;
        --images) IMAGES="$2"; shift 2 ;;
        --weights-dir) WEIGHTS_DIR="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for v in 32 16 8; do
    [ -f "$WEIGHTS_DIR/fcn${v}s-scenes.safetensors" ] || { echo "error: no $WEIGHTS_DIR/fcn${v}s-scenes.safetensors" >&2; exit 1; }
done
WEIGHTS_DIR=$(cd "$WEIGHTS_DIR" && pwd)
scripts/setup.sh
swift build -c release --product glimpse >&2
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
glimpse=.build/release/glimpse
if [ ! -d "$DATA/images" ]; then
    [ "$DATA" = runs/scenes/test ] || { echo "error: $DATA has no images/ folder" >&2; exit 1; }
    "$glimpse" datasets scenes --out runs/scenes >&2
fi
OUT=runs/segmentation-compare; rm -rf "$OUT"; mkdir -p "$OUT/images" "$OUT/gt"
mapfile -t names < <(find "$DATA/images" -maxdepth 1 -type f -name '*.png' -printf '%f\n' | sort)
[ "$IMAGES" -gt 0 ] && names=("${names[@]:0:$IMAGES}")
for name in "${names[@]}"; do
    cp "$DATA/images/$name" "$OUT/images/$name"
    cp "$DATA/labels/$name" "$OUT/gt/$name"
done
coco=(); [ -f "$DATA/instances.json" ] && coco=(--coco "$DATA/instances.json")
results="$OUT/results.txt"; : > "$results"
for row in "fcn-32s|fcn32s|false" "fcn-16s|fcn16s|false" "fcn-8s|fcn8s|false" "fcn-8s Float16|fcn8s|true"; do
    IFS='|' read -r label file half <<< "$row"
    run="$OUT/$(echo "$label" | tr ' ' '-')"
    sed -e "s|^\( *weights:\).*|\1 $WEIGHTS_DIR/$file-scenes.safetensors|" -e "s|^\( *half_precision:\).*|\1 $half|" \
        -e "s|^\( *previews:\).*|\1 false|" Pipelines/segment.yaml > "$run.yaml"
    echo "$label: ${#names[@]} images" >&2
    "$glimpse" run "$run.yaml" "$OUT/images" --output "$run" --jobs 1 --quiet
    mkdir -p "$run.pred"
    while IFS= read -r mask; do cp "$mask" "$run.pred/$(basename "$mask" .mask.png).png"; done < <(find "$run" -name '*.mask.png')
    "$glimpse" eval segmentation --gt "$OUT/gt" --pred "$run.pred" "${coco[@]}" --json "$run.eval.json" > /dev/null
    python3 - "$run.eval.json" "$run/ledger.jsonl" "$label" >> "$results" <<'PY'
import json, statistics, sys
metrics = json.load(open(sys.argv[1]))["metrics"]
ms = statistics.median(json.loads(line)["timings"]["segmenter"] for line in open(sys.argv[2]))
print("|".join([sys.argv[3]] + ["-" if metrics[k] is None else f"{metrics[k]:.4f}" for k in
      ("pixel_accuracy", "mean_class_accuracy", "mean_iou", "frequency_weighted_iou")] + [f"{ms:.1f}", f"{1000 / ms:.1f}"]))
PY
    tail -1 "$results" >&2
done
echo "FCN on ${#names[@]} images of $DATA (glimpse run --jobs 1, OpenBLAS variables unset; segmenter ms: median per image)"
echo "| net | pixel acc | mean acc | mIoU | fwIoU | segmenter ms | images/s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
while IFS='|' read -r label pixel mean miou fwiou ms rate; do
    echo "| $label | $pixel | $mean | $miou | $fwiou | $ms | $rate |"
done < "$results"
