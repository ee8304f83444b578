"""Reference VOC AP at IoU 0.5 for Glimpse's VOCAveragePrecision: the algorithm of
py-faster-rcnn's lib/datasets/voc_eval.py (voc_eval + voc_ap) re-stated in numpy over COCO
files, with COCO boxes [x, y, w, h] as VOC pixel boxes (x, y, x + w - 1, y + h - 1) and crowd
regions as VOC's difficult objects. One deliberate choice: detections are ranked with a
stable sort (voc_eval's default quicksort leaves ties in an unspecified order).

Usage: voc_ap.py GT.json RESULTS.json
Prints {"categories": [{"id", "ap11", "ap"}...]} (null AP for categories without positives).
"""
import json
import sys

import numpy as np


def voc_ap(rec, prec, use_07_metric):
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap = ap + p / 11.0
        return ap
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def main():
    with open(sys.argv[1]) as f:
        gt = json.load(f)
    with open(sys.argv[2]) as f:
        results = json.load(f)
    out = []
    for category in sorted(c["id"] for c in gt["categories"]):
        recs = {}
        for a in gt["annotations"]:
            if a["category_id"] != category:
                continue
            x, y, w, h = a["bbox"]
            r = recs.setdefault(a["image_id"], {"bbox": [], "difficult": [], "det": []})
            r["bbox"].append([x, y, x + w - 1, y + h - 1])
            r["difficult"].append(bool(a.get("iscrowd", 0)))
            r["det"].append(False)
        npos = sum(sum(1 for d in r["difficult"] if not d) for r in recs.values())
        dets = [d for d in results if d["category_id"] == category]
        if npos == 0:
            out.append({"id": category, "ap11": None, "ap": None})
            continue
        confidence = np.array([d["score"] for d in dets], dtype=float)
        order = np.argsort(-confidence, kind="stable")
        tp = np.zeros(len(dets))
        fp = np.zeros(len(dets))
        for n, index in enumerate(order):
            d = dets[index]
            x, y, w, h = d["bbox"]
            bb = np.array([x, y, x + w - 1, y + h - 1])
            r = recs.get(d["image_id"])
            ovmax = -np.inf
            if r is not None and len(r["bbox"]) > 0:
                g = np.array(r["bbox"])
                ixmin = np.maximum(g[:, 0], bb[0])
                iymin = np.maximum(g[:, 1], bb[1])
                ixmax = np.minimum(g[:, 2], bb[2])
                iymax = np.minimum(g[:, 3], bb[3])
                iw = np.maximum(ixmax - ixmin + 1.0, 0.0)
                ih = np.maximum(iymax - iymin + 1.0, 0.0)
                inters = iw * ih
                uni = ((bb[2] - bb[0] + 1.0) * (bb[3] - bb[1] + 1.0)
                       + (g[:, 2] - g[:, 0] + 1.0) * (g[:, 3] - g[:, 1] + 1.0) - inters)
                overlaps = inters / uni
                ovmax = np.max(overlaps)
                jmax = np.argmax(overlaps)
            if ovmax > 0.5:
                if not r["difficult"][jmax]:
                    if not r["det"][jmax]:
                        tp[n] = 1.0
                        r["det"][jmax] = True
                    else:
                        fp[n] = 1.0
            else:
                fp[n] = 1.0
        fp = np.cumsum(fp)
        tp = np.cumsum(tp)
        rec = tp / float(npos)
        prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        out.append({"id": category, "ap11": float(voc_ap(rec, prec, True)), "ap": float(voc_ap(rec, prec, False))})
    print(json.dumps({"categories": out}))


if __name__ == "__main__":
    main()
