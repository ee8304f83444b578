"""Reference caption scores: pycocoevalcap's Bleu(4), Rouge() and Cider() on tokenized captions.

Usage: python caption_scores.py CASES.json   (prints one JSON object on stdout)

CASES.json: {"cases": [{"name": str, "candidates": [str], "references": [[str]]}]}, each sentence
already tokenized (tokens joined by single spaces), as pycocoevalcap's scorers expect after its
PTBTokenizer. Output: {"NAME": {"bleu": [4 corpus], "bleu_images": [[4 per image]],
"rouge": corpus, "rouge_images": [...], "cider": corpus, "cider_images": [...]}}.
No Java: these scorers are pure Python. Used by CaptionScorerGoldenTests.swift.
"""
import json
import sys

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge


def score(case):
    # String keys in input order: the scorers iterate gts.keys(), so per-image lists keep it.
    gts = {str(i): list(refs) for i, refs in enumerate(case["references"])}
    res = {str(i): [c] for i, c in enumerate(case["candidates"])}
    bleu, bleu_images = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_images = Rouge().compute_score(gts, res)
    cider, cider_images = Cider().compute_score(gts, res)
    return {
        "bleu": [float(x) for x in bleu],
        # Bleu returns one list per order; transpose to one list of 4 per image.
        "bleu_images": [[float(bleu_images[k][i]) for k in range(4)] for i in range(len(gts))],
        "rouge": float(rouge),
        "rouge_images": [float(x) for x in rouge_images],
        "cider": float(cider),
        "cider_images": [float(x) for x in cider_images],
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    print(json.dumps({case["name"]: score(case) for case in cases}))


if __name__ == "__main__":
    main()
