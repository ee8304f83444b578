"""Reference masks for Glimpse's PolygonRLE and MaskIoU, from pycocotools' mask API.

Usage: mask_ops.py CASES.json, where CASES.json is
  {"cases": [{"height": H, "width": W, "polygons": [[x1, y1, ...], ...]}, ...],
   "pairs": [{"a": i, "b": j, "crowd": 0 or 1}, ...]}
Prints {"counts": [compressed RLE of each case (frPyObjects + merge)], "bbox": [toBbox],
"area": [area], "iou": [iou(mask a as detection, mask b as ground truth, crowd)]}.
"""
import json
import sys

from pycocotools import mask as mask_utils


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    rles = []
    for case in spec["cases"]:
        parts = mask_utils.frPyObjects(case["polygons"], case["height"], case["width"])
        rles.append(mask_utils.merge(parts))
    ious = []
    for pair in spec["pairs"]:
        value = mask_utils.iou([rles[pair["a"]]], [rles[pair["b"]]], [pair["crowd"]])
        ious.append(float(value[0][0]))
    print(json.dumps({
        "counts": [r["counts"].decode("ascii") for r in rles],
        "bbox": [[float(v) for v in mask_utils.toBbox(r)] for r in rles],
        "area": [int(mask_utils.area(r)) for r in rles],
        "iou": ious,
    }))


if __name__ == "__main__":
    main()
