#!/usr/bin/env python3
"""Loads a COCO instances file with pycocotools and prints, as JSON on stdout, what pycocotools
sees for every annotation, so the Swift tests can compare it with the project's own reading:

  {"images": N, "categories": N,
   "annotations": [{"id": ID, "bbox": [x, y, w, h] as stated, "area": stated area,
                    "mask_area": annToMask(ann).sum(), "mask_bbox": toBbox(annToRLE(ann)),
                    "mask_counts": compressed RLE string of annToMask(ann)}]}

Usage: check_coco.py INSTANCES.json
"""
import json
import sys

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO


def main(path):
    coco = COCO(path)  # prints "loading annotations..." on stdout; callers read the last line
    out = {"images": len(coco.getImgIds()), "categories": len(coco.getCatIds()), "annotations": []}
    for ann_id in sorted(coco.getAnnIds()):
        ann = coco.loadAnns(ann_id)[0]
        m = coco.annToMask(ann)
        rle = mask_utils.encode(np.asfortranarray(m))
        out["annotations"].append({
            "id": ann["id"],
            "bbox": [float(v) for v in ann["bbox"]],
            "area": float(ann["area"]),
            "mask_area": int(m.sum()),
            "mask_bbox": [float(v) for v in mask_utils.toBbox(coco.annToRLE(ann))],
            "mask_counts": rle["counts"].decode("ascii"),
        })
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
