"""Independent numpy computation of the FCN segmentation metrics (golden numbers for
SegmentationGoldenTests.swift).

Input: a JSON file {"class_count": n, "ignore": 255 or null,
                    "pairs": [{"height": h, "width": w, "gt": [h*w ids], "pred": [h*w ids]}, ...]}.
Output (stdout): one JSON object with the confusion matrix and the metrics.

Definitions (Long, Shelhamer, Darrell 2015, section 5; FCN's score.py): rows are ground truth,
columns predictions, pixels whose ground truth is the ignore label or outside [0, n) are dropped.
Unlike score.py's fast_hist, a prediction outside [0, n) is not allowed to spill into another
cell: it goes to an extra column n ("not a class"), which belongs to its row's total t_i (a miss)
and to no class's column. Undefined ratios are NaN and left out by nanmean, as in score.py; they
are printed as null.
"""
import json
import sys

import numpy as np


def confusion(pairs, n, ignore):
    hist = np.zeros((n, n + 1), dtype=np.int64)
    ignored = 0
    unknown = 0
    for pair in pairs:
        gt = np.asarray(pair["gt"], dtype=np.int64).reshape(pair["height"], pair["width"]).ravel()
        pred = np.asarray(pair["pred"], dtype=np.int64).reshape(pair["height"], pair["width"]).ravel()
        is_ignored = (gt == ignore) if ignore is not None else np.zeros_like(gt, dtype=bool)
        counted = (~is_ignored) & (gt >= 0) & (gt < n)
        ignored += int(is_ignored.sum())
        unknown += int(((~is_ignored) & ~counted).sum())
        column = np.where(pred[counted] < n, pred[counted], n)
        hist += np.bincount(gt[counted] * (n + 1) + column, minlength=n * (n + 1)).reshape(n, n + 1)
    return hist, ignored, unknown


def metrics(hist):
    n = hist.shape[0]
    square = hist[:, :n].astype(np.float64)
    t = hist.sum(axis=1).astype(np.float64)          # t_i: every pixel of class i, misses included
    diag = np.diag(square)
    predicted = square.sum(axis=0)                    # sum_j n_ji
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = diag / t
        iu = diag / (t + predicted - diag)
        freq = t / t.sum()
        return {
            "pixel_accuracy": diag.sum() / t.sum(),
            "mean_class_accuracy": np.nanmean(acc) if np.any(~np.isnan(acc)) else float("nan"),
            "mean_iou": np.nanmean(iu) if np.any(~np.isnan(iu)) else float("nan"),
            "frequency_weighted_iou": (freq[freq > 0] * iu[freq > 0]).sum(),
            "class_iou": iu.tolist(),
            "class_accuracy": acc.tolist(),
        }


def nulled(value):
    if isinstance(value, list):
        return [nulled(v) for v in value]
    value = float(value)
    return None if np.isnan(value) else value


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    hist, ignored, unknown = confusion(spec["pairs"], spec["class_count"], spec["ignore"])
    out = {key: nulled(value) for key, value in metrics(hist).items()}
    out["rows"] = hist[:, : spec["class_count"]].tolist()
    out["out_of_range_by_class"] = hist[:, spec["class_count"]].tolist()
    out["ignored_pixels"] = ignored
    out["unknown_ground_truth_pixels"] = unknown
    print(json.dumps(out))


if __name__ == "__main__":
    main()
