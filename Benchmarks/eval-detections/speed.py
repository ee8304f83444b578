"""Times `glimpse eval detections` and pycocotools' COCOeval on one synthetic 5,000-image set.

Usage: speed.py GLIMPSE REPS IMAGES IOU_TYPE (run by Benchmarks/eval-detections.sh).
The files are synthetic boxes (no pixels): 256x256 images, 1-8 ground-truth boxes each of
4-200 px sides in 20 categories, every 10th a crowd; each box detected 0-2 times with jitter,
10% relabelled, scores on a 0.01 grid; 0-3 random false positives per image. For `segm` the
boxes are also written as polygons (ground truth) and taken as box polygons (results).
"""
import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def make(images, seed=5):
    rng = random.Random(seed)
    gt = {"images": [], "categories": [{"id": c, "name": "c%d" % c} for c in range(1, 21)], "annotations": []}
    results = []
    for i in range(images):
        gt["images"].append({"id": i, "file_name": "%d.png" % i, "width": 256, "height": 256})
        for _ in range(rng.randint(1, 8)):
            w, h = rng.uniform(4, 200), rng.uniform(4, 200)
            x, y = rng.uniform(0, 256 - w), rng.uniform(0, 256 - h)
            a = {"id": len(gt["annotations"]) + 1, "image_id": i, "category_id": rng.randint(1, 20),
                 "bbox": [x, y, w, h], "area": w * h, "iscrowd": int(len(gt["annotations"]) % 10 == 9),
                 "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]]}
            gt["annotations"].append(a)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                c = a["category_id"] if rng.random() > 0.1 else rng.randint(1, 20)
                j = lambda v, s: v + rng.uniform(-s, s)
                results.append({"image_id": i, "category_id": c, "score": round(rng.random(), 2),
                                "bbox": [j(x, w / 8), j(y, h / 8), w * rng.uniform(0.8, 1.2), h * rng.uniform(0.8, 1.2)]})
        for _ in range(rng.randint(0, 3)):
            w, h = rng.uniform(4, 120), rng.uniform(4, 120)
            results.append({"image_id": i, "category_id": rng.randint(1, 20), "score": round(rng.random(), 2),
                            "bbox": [rng.uniform(0, 256 - w), rng.uniform(0, 256 - h), w, h]})
    return gt, results


def pycocotools(gt_file, results_file, iou_type):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_file)
        e = COCOeval(gt, gt.loadRes(results_file), iou_type)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return time.perf_counter() - start, [float(x) for x in e.stats]


def glimpse(binary, gt_file, results_file, iou_type, out):
    start = time.perf_counter()
    subprocess.run([binary, "eval", "detections", "--gt", gt_file, "--pred", results_file, "--iou-type", iou_type,
                    "--json", out], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(out) as f:
        return seconds, json.load(f)["stats"]


def main():
    binary, reps, images, iou_type = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    gt, results = make(images)
    with tempfile.TemporaryDirectory() as d:
        gt_file, results_file, out = d + "/gt.json", d + "/results.json", d + "/report.json"
        with open(gt_file, "w") as f:
            json.dump(gt, f)
        with open(results_file, "w") as f:
            json.dump(results, f)
        print("%d images, %d annotations, %d detections, iou type %s, %d repetitions (cpu count %d)" % (
            images, len(gt["annotations"]), len(results), iou_type, reps, os.cpu_count()))
        ours, theirs = [], []
        for _ in range(reps):
            s, glimpse_stats = glimpse(binary, gt_file, results_file, iou_type, out)
            ours.append(s)
            s, reference_stats = pycocotools(gt_file, results_file, iou_type)
            theirs.append(s)
        difference = max(abs(a - b) for a, b in zip(glimpse_stats, reference_stats))
        print("%-28s %10s %10s %10s" % ("", "median s", "min s", "max s"))
        for name, times in (("glimpse eval detections", ours), ("pycocotools COCOeval", theirs)):
            print("%-28s %10.3f %10.3f %10.3f" % (name, statistics.median(times), min(times), max(times)))
        print("speed-up (median pycocotools / median glimpse): %.1fx" % (statistics.median(theirs) / statistics.median(ours)))
        print("AP %.6f (pycocotools %.6f); largest difference over the 12 stats: %.2e" % (
            glimpse_stats[0], reference_stats[0], difference))


if __name__ == "__main__":
    main()
