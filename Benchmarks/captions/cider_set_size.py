"""How CIDEr-D's set-size dependence looks on a captions file: the human-agreement bar (first
reference against the others) scored on disjoint chunks of k images, each chunk once with the
document frequencies of its own k images (what `glimpse eval captions` does) and once as the
mean of the same images' per-image CIDEr-D with the whole file's document frequencies.

Usage: python3 Benchmarks/captions/cider_set_size.py CAPTIONS.json [GLIMPSE]
(GLIMPSE defaults to .build/release/glimpse). Prints, per k, the mean and largest relative
difference between the two; the basis of CaptionEvaluation.ciderMinimumImages
(docs/eval-captions.md).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def human_scores(glimpse, gt, directory):
    path, out = os.path.join(directory, "gt.json"), os.path.join(directory, "out.json")
    with open(path, "w") as f:
        json.dump(gt, f)
    subprocess.run([glimpse, "eval", "captions", "--gt", path, "--human", "--json", out], check=True, capture_output=True)
    with open(out) as f:
        return json.load(f)


def main():
    captions = sys.argv[1]
    glimpse = sys.argv[2] if len(sys.argv) > 2 else ".build/release/glimpse"
    with open(captions) as f:
        gt = json.load(f)
    images = gt["images"]
    with tempfile.TemporaryDirectory() as directory:
        full = {i["image_id"]: i["CIDEr-D"] for i in human_scores(glimpse, gt, directory)["images"]}
        print(f"{len(images)} images; whole-file CIDEr-D {statistics.mean(full.values()):.4f}")
        print("   k  chunks  mean |own-df - whole-file-df| / whole-file-df   largest")
        for k in [2, 5, 10, 25, 50, 100, 250]:
            deviations = []
            for start in range(0, len(images) - k + 1, k):
                chunk = images[start:start + k]
                ids = {i["id"] for i in chunk}
                sub = {"images": chunk, "annotations": [a for a in gt["annotations"] if a["image_id"] in ids]}
                own = human_scores(glimpse, sub, directory)["scores"]["CIDEr-D"]
                whole = statistics.mean(full[i] for i in ids)
                deviations.append(abs(own - whole) / whole)
            print(f"{k:4d}  {len(deviations):6d}  {100 * statistics.mean(deviations):43.1f}%  {100 * max(deviations):7.1f}%")


if __name__ == "__main__":
    main()
