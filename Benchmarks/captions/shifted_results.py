"""The floor row of the human-agreement table: a COCO caption results file that gives image i
the first reference of image i + 1 (the last image gets the first image's), in the ground
truth's image order. Scored with `glimpse eval captions --pred OUT.json --without-first`, it
shows what the caption grammar's shared words alone reach (docs/eval-captions.md).

Usage: python3 Benchmarks/captions/shifted_results.py CAPTIONS.json OUT.json
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        gt = json.load(f)
    first = {}
    for annotation in gt["annotations"]:
        first.setdefault(annotation["image_id"], annotation["caption"])
    ids = [image["id"] for image in gt["images"]]
    results = [{"image_id": ids[k], "caption": first[ids[(k + 1) % len(ids)]]} for k in range(len(ids))]
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
