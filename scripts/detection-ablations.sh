#!/usr/bin/env bash
# The Fast R-CNN ablations of docs/detection.md, at a reduced budget (the first --limit training
# scenes, --epochs passes, constant learning rate, no warm-up) so that each row takes a few
# minutes on the 2-core machine, at 128 px with RoIs pooled from pool3 (the first shipped
# recipe, which the documented table used): an MNIST-pretrained, fine-tuned trunk, fc1 of 256,
# mean colour subtracted, against one change at a time: a frozen trunk, a trunk trained from
# scratch, no classifier transfer (a no-op at fc1 256, kept as the check), no mean subtraction.
# Every row is trained on the scene set's train split and measured on its 500-image test split
# through the product path (glimpse run with a detect pipeline, then glimpse eval detections).
#
# usage: scripts/detection-ablations.sh [--scenes DIR] [--limit 300] [--epochs 3] [--proposals 500]
set -euo pipefail
cd "$(dirname "$0")/.."
SCENES=runs/scenes; LIMIT=300; EPOCHS=3; PROPOSALS=500
while [ $# -gt 0 ]; do
    case "$1" in
        --scenes) SCENES="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        --epochs) EPOCHS="$2"; shift 2 ;;
        --proposals) PROPOSALS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
scripts/setup.sh
swift build -c release --product glimpse >&2
glimpse=.build/release/glimpse
[ -f "$SCENES/dataset.json" ] || "$glimpse" datasets scenes --out "$SCENES" >&2
OUT=runs/detection-ablations; mkdir -p "$OUT"
results="$OUT/results.txt"; : > "$results"
rows=(
    "baseline|"
    "frozen-trunk|--freeze conv"
    "scratch|--weights none"
    "no-classifier-transfer|--no-transfer-classifier"
    "no-mean-subtraction|--no-subtract-mean"
)
for row in "${rows[@]}"; do
    name="${row%%|*}"; read -r -a extra <<< "${row#*|}"
    weights="$OUT/$name.safetensors"
    start=$(date +%s)
    "$glimpse" train detector --data "$SCENES" --limit "$LIMIT" --epochs "$EPOCHS" --schedule constant --warmup-epochs 0 \
        --input-size 128 --feature-layer pool3 \
        --max-proposals 2000 --output "$weights" --quiet "${extra[@]}" >&2
    seconds=$(( $(date +%s) - start ))
    cat > "$OUT/$name.yaml" <<EOF
name: ablation-$name
stages:
  decoder: {use: image-file}
  proposer: {use: selective-search, mode: fast, max: $PROPOSALS}
  detector: {use: fast-rcnn, weights: $PWD/$weights, max_proposals: $PROPOSALS}
EOF
    rm -rf "$OUT/$name-test"
    "$glimpse" run "$OUT/$name.yaml" "$SCENES/test/images" --output "$OUT/$name-test" --quiet
    "$glimpse" eval detections --gt "$SCENES/test/instances.json" --pred "$OUT/$name-test/boxes.results.json" \
        --images "$OUT/$name-test/boxes.coco.json" --json "$OUT/$name-test.eval.json" > /dev/null
    python3 - "$OUT/$name-test.eval.json" "$name" "$seconds" >> "$results" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
print(sys.argv[2], sys.argv[3], *(f"{summary[k]['value']:.3f}" for k in ("AP", "AP50", "AP75")))
PY
    tail -1 "$results" >&2
done
echo "Fast R-CNN ablations: first $LIMIT training scenes, $EPOCHS epochs, test split of $SCENES, $PROPOSALS proposals"
printf '| %-24s | %9s | %6s | %6s | %6s |\n' row "train s" AP AP50 AP75
printf '| %-24s | %9s | %6s | %6s | %6s |\n' --- ---: ---: ---: ---:
while read -r name seconds ap ap50 ap75; do
    printf '| %-24s | %9s | %6s | %6s | %6s |\n' "$name" "$seconds" "$ap" "$ap50" "$ap75"
done < "$results"
