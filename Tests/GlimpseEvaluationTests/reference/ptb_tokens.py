"""Reference tokenization: pycocoevalcap's PTBTokenizer (Stanford CoreNLP 3.4.1 PTBTokenizer with
-preserveLines -lowerCase, then its PUNCTUATIONS list removed). Needs `java` on the PATH.

Usage: python ptb_tokens.py SENTENCES.json   (a JSON list of strings; prints a JSON list of the
tokenized sentences, tokens joined by single spaces). Used by PTBTokenizerGoldenTests.swift.
"""
import json
import sys

from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer


def main():
    with open(sys.argv[1]) as f:
        sentences = json.load(f)
    # One image per sentence, so the output keeps the input order.
    captions = {i: [{"caption": s}] for i, s in enumerate(sentences)}
    tokenized = PTBTokenizer().tokenize(captions)
    print(json.dumps([tokenized[i][0] for i in range(len(sentences))]))


if __name__ == "__main__":
    main()
