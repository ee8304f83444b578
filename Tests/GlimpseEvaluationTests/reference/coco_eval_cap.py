"""End-to-end reference: coco-caption's own pipeline (PTBTokenizer, needs `java`, then Bleu(4),
Rouge(), Cider()) on a COCO captions file, each image's first reference held out.

Usage: python coco_eval_cap.py ARGS.json   with ARGS {"gt": path, "results": path or null}:
results null scores each image's first reference against the others (the human-agreement bar);
otherwise the results' captions ([{"image_id", "caption"}]) against the same remaining
references. Prints {"scores": [BLEU-1..4, ROUGE-L, CIDEr-D], "cider_images": [...]} (images in
the ground truth's order). Used by PTBTokenizerGoldenTests.swift.
"""
import json
import sys

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer


def main():
    with open(sys.argv[1]) as f:
        args = json.load(f)
    with open(args["gt"]) as f:
        gt = json.load(f)
    captions = {image["id"]: [] for image in gt["images"]}
    for annotation in gt["annotations"]:
        captions[annotation["image_id"]].append({"caption": annotation["caption"]})
    references = {k: v[1:] for k, v in captions.items()}
    if args["results"] is None:
        candidates = {k: v[:1] for k, v in captions.items()}
    else:
        with open(args["results"]) as f:
            candidates = {r["image_id"]: [{"caption": r["caption"]}] for r in json.load(f)}
    tokenizer = PTBTokenizer()
    references, candidates = tokenizer.tokenize(references), tokenizer.tokenize(candidates)
    candidates = {k: candidates[k] for k in references}  # same key order for every scorer
    bleu, _ = Bleu(4).compute_score(references, candidates, verbose=0)
    rouge, _ = Rouge().compute_score(references, candidates)
    cider, cider_images = Cider().compute_score(references, candidates)
    print(json.dumps({"scores": [float(x) for x in list(bleu) + [rouge, cider]],
                      "cider_images": [float(x) for x in cider_images]}))


if __name__ == "__main__":
    main()
