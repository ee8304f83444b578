#!/usr/bin/env bash
# The detection table of the README and docs/detection.md: the shipped detectors
# (datasets/weights/fast-rcnn-scenes.safetensors, rcnn-scenes.safetensors) on the scene set's
# 500-image test split through the product path (glimpse run, then glimpse eval detections):
# R-CNN in its four variants (SVM or softmax scores, with or without box regression) and Fast
# R-CNN, both on the same 400 proposals (R-CNN's training setting), then Fast R-CNN at 100, 500
# and 2000 proposals. Per row: AP, AP50, AP75, images/s of the whole run (decode + proposals +
# detector, --jobs 2) and the detector stage's median milliseconds per image from the ledger.
# Speed rows are measured with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (see the README).
#
# The last rows put the region proposal network (`rpn`, datasets/weights/rpn-scenes.safetensors)
# in front of the same Fast R-CNN, as Pipelines/detect-rpn.yaml does (its trunk is the
# detector's, so the run makes one trunk pass per image for both stages). The "rpn tiny" rows use
# the RPN on its own tiny trunk (datasets/weights/rpn-tiny-scenes.safetensors, pre-NMS 1000, as
# Pipelines/detect-rpn-tiny.yaml: two trunk passes, the tiny one about a millisecond). --rows
# REGEX runs only the rows whose name matches (e.g. --rows 'fast-rcnn').
#
# The `faster-rcnn` rows run Faster R-CNN (datasets/weights/faster-rcnn-scenes.safetensors, as
# Pipelines/detect-faster.yaml): no proposer stage, one network whose RPN head proposes (the
# row's number: its proposals kept after NMS) and whose Fast R-CNN head scores them on the same
# trunk pass. "proposer ms" is the proposer stage's median per image (-: no proposer stage).
#
# usage: scripts/detection-compare.sh [--scenes DIR] [--split test] [--no-build] [--rows REGEX]
set -euo pipefail
cd "$(dirname "$0")/.."
SCENES=runs/scenes; SPLIT=test; ROWS=.
while [ $# -gt 0 ]; do
    case "$1" in
        --scenes) SCENES="$2"; shift 2 ;;
        --split) SPLIT="$2"; shift 2 ;;
        --no-build) NOBUILD=1; shift ;;
        --rows) ROWS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "${NOBUILD:-}" ]; then   # --no-build: use the .build/release/glimpse already built
    scripts/setup.sh
    swift build -c release --product glimpse >&2
fi
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
glimpse=.build/release/glimpse
[ -f "$SCENES/dataset.json" ] || "$glimpse" datasets scenes --out "$SCENES" >&2
OUT=runs/detection-compare; mkdir -p "$OUT"
results="$OUT/results.txt"; : > "$results"
rows=(
    "rcnn svm+reg|rcnn|400|scoring: svm, box_regression: true"
    "rcnn svm|rcnn|400|scoring: svm, box_regression: false"
    "rcnn softmax+reg|rcnn|400|scoring: softmax, box_regression: true"
    "rcnn softmax|rcnn|400|scoring: softmax, box_regression: false"
    "fast-rcnn|fast-rcnn|400|"
    "fast-rcnn|fast-rcnn|100|"
    "fast-rcnn|fast-rcnn|500|"
    "fast-rcnn|fast-rcnn|2000|"
    "fast-rcnn on rpn|fast-rcnn|100||rpn"
    "fast-rcnn on rpn|fast-rcnn|300||rpn"
    "fast-rcnn on rpn|fast-rcnn|1000||rpn"
    "fast-rcnn on rpn tiny|fast-rcnn|100||rpn-tiny"
    "fast-rcnn on rpn tiny|fast-rcnn|300||rpn-tiny"
    "faster-rcnn|faster-rcnn|100||none"
    "faster-rcnn|faster-rcnn|300||none"
    "faster-rcnn|faster-rcnn|1000||none"
)
i=0
for row in "${rows[@]}"; do
    IFS='|' read -r name use proposals extra proposer <<< "$row"
    i=$((i + 1)); run="$OUT/row$i"
    grep -Eq "$ROWS" <<< "$name" || continue
    if [ "${proposer:-}" = rpn ]; then
        proposerLine="  proposer: {use: rpn, weights: $PWD/datasets/weights/rpn-scenes.safetensors, max: $proposals}"
    elif [ "${proposer:-}" = rpn-tiny ]; then
        proposerLine="  proposer: {use: rpn, weights: $PWD/datasets/weights/rpn-tiny-scenes.safetensors, max: $proposals, pre_nms: 1000}"
    elif [ "${proposer:-}" = none ]; then
        proposerLine=""
    else
        proposerLine="  proposer: {use: selective-search, mode: fast, max: $proposals}"
    fi
    cat > "$run.yaml" <<EOF
name: compare-$i
stages:
  decoder: {use: image-file}
$proposerLine
  detector: {use: $use, weights: $PWD/datasets/weights/$use-scenes.safetensors, max_proposals: $proposals${extra:+, $extra}}
EOF
    rm -rf "$run"
    speed=$("$glimpse" run "$run.yaml" "$SCENES/$SPLIT/images" --output "$run" --jobs 2 2>&1 | sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' | tail -1)
    "$glimpse" eval detections --gt "$SCENES/$SPLIT/instances.json" --pred "$run/boxes.results.json" \
        --images "$run/boxes.coco.json" --json "$run.eval.json" > /dev/null
    python3 - "$run.eval.json" "$run/ledger.jsonl" "$name" "$proposals" "$speed" >> "$results" <<'PY'
import json, statistics, sys
summary = json.load(open(sys.argv[1]))["summary"]
timings = [json.loads(line)["timings"] for line in open(sys.argv[2])]
ms = statistics.median(t["detector"] for t in timings)
proposer = f"{statistics.median(t['proposer'] for t in timings):.1f}" if all("proposer" in t for t in timings) else "-"
print("|".join([sys.argv[3], sys.argv[4]] + [f"{summary[k]['value']:.3f}" for k in ("AP", "AP50", "AP75")]
               + [sys.argv[5], proposer, f"{ms:.1f}"]))
PY
    tail -1 "$results" >&2
done
echo "Detectors on the $SPLIT split of $SCENES (glimpse run --jobs 2, OpenBLAS variables unset)"
printf '| %-18s | %9s | %6s | %6s | %6s | %8s | %11s | %11s |\n' detector proposals AP AP50 AP75 "images/s" "proposer ms" "detector ms"
printf '| %-18s | %9s | %6s | %6s | %6s | %8s | %11s | %11s |\n' --- ---: ---: ---: ---: ---: ---: ---:
while IFS='|' read -r name proposals ap ap50 ap75 speed pms ms; do
    printf '| %-18s | %9s | %6s | %6s | %6s | %8s | %11s | %11s |\n' "$name" "$proposals" "$ap" "$ap50" "$ap75" "$speed" "$pms" "$ms"
done < "$results"
