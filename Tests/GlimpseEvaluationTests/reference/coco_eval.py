"""Reference numbers for Glimpse's COCO detection evaluation, from pycocotools' COCOeval.

Usage: coco_eval.py GT.json RESULTS.json bbox|segm [MAXDETS, e.g. 1,10,100]
Prints one JSON object: the 12 `stats`, per-category AP@[.5:.95] and AP50 (area all, the last
maxDets; null where pycocotools has -1), the IoU and recall thresholds, and pycocotools'
evaluation time in seconds.
"""
import contextlib
import io
import json
import sys
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def mean_or_none(values):
    values = values[values > -1]
    return None if values.size == 0 else float(np.mean(values))


def main():
    gt_file, results_file, iou_type = sys.argv[1:4]
    max_dets = [int(x) for x in sys.argv[4].split(",")] if len(sys.argv) > 4 else [1, 10, 100]
    quiet = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(quiet):
        gt = COCO(gt_file)
        with open(results_file) as f:
            results = json.load(f)
        dt = gt.loadRes(results)
        evaluation = COCOeval(gt, dt, iou_type)
        evaluation.params.maxDets = max_dets
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    seconds = time.perf_counter() - start
    precision = evaluation.eval["precision"]  # [T, R, K, A, M]
    categories = []
    for k, category_id in enumerate(evaluation.params.catIds):
        categories.append({
            "id": int(category_id),
            "AP": mean_or_none(precision[:, :, k, 0, -1]),
            "AP50": mean_or_none(precision[0, :, k, 0, -1]),
        })
    print(json.dumps({
        "stats": [float(x) for x in evaluation.stats],
        "categories": categories,
        "ap_last_maxdet": mean_or_none(precision[:, :, :, 0, -1]),
        "iou_thresholds": [float(x) for x in evaluation.params.iouThrs],
        "recall_thresholds": [float(x) for x in evaluation.params.recThrs],
        "seconds": seconds,
    }))


if __name__ == "__main__":
    main()
