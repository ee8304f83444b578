#!/usr/bin/env bash
# Loads a run's COCO files with pycocotools: DATASET (boxes.coco.json) with COCO(), RESULTS
# (boxes.results.json) with loadRes(), then evaluates the results against the dataset, which
# holds the same boxes, so every category with boxes must reach AP 1. pycocotools lives in the
# project's private venv (scripts/coco-venv.sh: .build/coco-venv or $GLIMPSE_COCO_VENV).
# Exit status: 0 valid, 1 invalid, 3 no python3.
set -euo pipefail
dataset="$1"
results="$2"
command -v python3 >/dev/null 2>&1 || { echo "check-coco: no python3" >&2; exit 3; }
status=0
venv="$("$(dirname "$0")/coco-venv.sh")" || status=$?
if [ "$status" -eq 77 ]; then echo "check-coco: python3 has no venv module" >&2; exit 3; fi
if [ "$status" -ne 0 ]; then echo "check-coco: installing pycocotools into the venv failed ($status)" >&2; exit 1; fi
"$venv/bin/python" - "$dataset" "$results" <<'PY'
import contextlib, io, json, sys
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
dataset_path, results_path = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(dataset_path)
    results = json.load(open(results_path))
    assert len(results) == len(gt.dataset["annotations"]), "results and dataset hold different box counts"
    assert len(results) > 0, "no boxes"
    dt = gt.loadRes(results_path)
    evaluation = COCOeval(gt, dt, "bbox")
    evaluation.evaluate(); evaluation.accumulate(); evaluation.summarize()
ap = evaluation.stats[0]
assert ap > 0.99, f"AP of the boxes against themselves is {ap}"
print(f"check-coco: ok, {len(gt.getImgIds())} images, {len(gt.getCatIds())} categories, {len(results)} boxes, AP {ap:.3f}")
PY
