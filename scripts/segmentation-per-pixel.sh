#!/usr/bin/env bash
# FCN-32s against the naive per-pixel classifier it was made from, on the same images and the same
# weights (datasets/weights/fcn32s-scenes.safetensors), through the product path: glimpse run with
# Pipelines/segment-fcn32s.yaml and Pipelines/segment-per-pixel.yaml over the first N images of a
# scene split, then glimpse eval segmentation on each. Per row: pixel accuracy, mean class
# accuracy, mean IoU, frequency-weighted IoU (the FCN paper's four), the segmenter stage's mean
# seconds per image from the run's ledger (decoding and writing left out), and that time over the
# FCN's. Rows: fcn-32s; per-pixel with the 28 x 28 classifier window (the seed text's naive way);
# per-pixel with the 60 x 60 receptive-field window (the FCN's score_fr exactly, inside the
# image). --windows classifier leaves out the last, the slowest.
# Runs with --jobs 1 (one image at a time, single-threaded), OpenBLAS variables unset. Checked
# with random FCN-32s weights on the 128-pixel scenes (2 cores shared with a training run): the FCN
# took 0.03-0.05 s per image, the 28 px windows about 20 s, the 60 px ones about 85 s, so 20
# images take about 7 and 30 minutes per-pixel.
#
# usage: scripts/segmentation-per-pixel.sh [--images N] [--data DIR] [--weights FILE] [--windows classifier,receptive-field]
#   --data: a scene split folder with images/ and labels/ (default runs/scenes/test, generated
#   by glimpse datasets scenes when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES=20; DATA=runs/scenes/test; WEIGHTS=datasets/weights/fcn32s-scenes.safetensors; WINDOWS=classifier,receptive-field
while [ $# -gt 0 ]; do
    case "$1" in
        --images) IMAGES="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --weights) WEIGHTS="$2"; shift 2 ;;
        --windows) WINDOWS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[[ "$IMAGES" =~ ^[1-9][0-9]*$ ]] || { echo "--images must be a positive whole number, not $IMAGES" >&2; exit 2; }
if [ ! -f "$WEIGHTS" ]; then
    echo "error: no FCN-32s weights at $WEIGHTS (written by glimpse train segmenter --net fcn-32s; or give --weights FILE)" >&2
    exit 1
fi
WEIGHTS=$(cd "$(dirname "$WEIGHTS")" && pwd)/$(basename "$WEIGHTS")
scripts/setup.sh
swift build -c release --product glimpse >&2
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
glimpse=.build/release/glimpse
if [ ! -d "$DATA/images" ]; then
    if [ "$DATA" = runs/scenes/test ]; then
        "$glimpse" datasets scenes --out runs/scenes >&2
    else
        echo "error: $DATA has no images/ folder (a scene split: images/, labels/, instances.json)" >&2
        exit 1
    fi
fi
[ -d "$DATA/labels" ] || { echo "error: $DATA has no labels/ folder of ground-truth label maps" >&2; exit 1; }

OUT=runs/segmentation-per-pixel; rm -rf "$OUT"; mkdir -p "$OUT/images" "$OUT/gt"
# The first N images by name and their ground truth, copied so that both runs and the evaluation see exactly these.
mapfile -t names < <(find "$DATA/images" -maxdepth 1 -type f -name '*.png' -printf '%f\n' | sort | head -n "$IMAGES")
[ "${#names[@]}" -gt 0 ] || { echo "error: no .png images in $DATA/images" >&2; exit 1; }
for name in "${names[@]}"; do
    [ -f "$DATA/labels/$name" ] || { echo "error: no ground truth $DATA/labels/$name" >&2; exit 1; }
    cp "$DATA/images/$name" "$OUT/images/"; cp "$DATA/labels/$name" "$OUT/gt/"
done
coco=(); [ -f "$DATA/instances.json" ] && coco=(--coco "$DATA/instances.json")

rows=("fcn-32s|-|Pipelines/segment-fcn32s.yaml")
IFS=',' read -ra windows <<< "$WINDOWS"
for window in "${windows[@]}"; do
    case "$window" in
        classifier|receptive-field) rows+=("per-pixel|$window|Pipelines/segment-per-pixel.yaml") ;;
        *) echo "unknown window $window: classifier or receptive-field" >&2; exit 2 ;;
    esac
done
results="$OUT/results.txt"; : > "$results"
i=0
for row in "${rows[@]}"; do
    IFS='|' read -r name window pipeline <<< "$row"
    i=$((i + 1)); run="$OUT/row$i"
    # The shipped pipeline with this comparison's weights (and window).
    edits=(-e "s|^\( *weights:\).*|\1 $WEIGHTS|")
    [ "$window" = - ] || edits+=(-e "s|^\( *window:\).*|\1 $window|")
    sed "${edits[@]}" "$pipeline" > "$run.yaml"
    echo "$name ($window): $IMAGES images" >&2
    "$glimpse" run "$run.yaml" "$OUT/images" --output "$run" --jobs 1 --quiet
    mkdir -p "$run.pred"
    while IFS= read -r mask; do
        cp "$mask" "$run.pred/$(basename "$mask" .mask.png).png"
    done < <(find "$run" -name '*.mask.png')
    "$glimpse" eval segmentation --gt "$OUT/gt" --pred "$run.pred" "${coco[@]}" --json "$run.eval.json" > /dev/null
    python3 - "$run.eval.json" "$run/ledger.jsonl" "$name" "$window" >> "$results" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))["metrics"]
entries = [json.loads(line) for line in open(sys.argv[2])]
seconds = sum(e["timings"]["segmenter"] for e in entries) / len(entries) / 1000
print("|".join([sys.argv[3], sys.argv[4]] + ["-" if metrics[k] is None else f"{metrics[k]:.4f}" for k in
      ("pixel_accuracy", "mean_class_accuracy", "mean_iou", "frequency_weighted_iou")] + [f"{seconds:.4f}"]))
PY
    tail -1 "$results" >&2
done
echo "FCN-32s and per-pixel on the first ${#names[@]} images of $DATA, weights $WEIGHTS (glimpse run --jobs 1, OpenBLAS variables unset; s/image: the segmenter stage's mean)"
printf '| %-9s | %-15s | %9s | %8s | %6s | %6s | %9s | %9s |\n' segmenter window "pixel acc" "mean acc" mIoU fwIoU "s/image" "time/FCN"
printf '| %-9s | %-15s | %9s | %8s | %6s | %6s | %9s | %9s |\n' --- --- ---: ---: ---: ---: ---: ---:
fcn=$(head -1 "$results" | cut -d'|' -f7)
while IFS='|' read -r name window pixel mean miou fwiou seconds; do
    ratio=$(python3 -c "print(f'{$seconds / $fcn:.1f}x')")
    [ "$window" = - ] && window="whole image"
    [ "$window" = classifier ] && window="28 px window"
    [ "$window" = receptive-field ] && window="60 px window"
    printf '| %-9s | %-15s | %9s | %8s | %6s | %6s | %9s | %9s |\n' "$name" "$window" "$pixel" "$mean" "$miou" "$fwiou" "$seconds" "$ratio"
done < "$results"
