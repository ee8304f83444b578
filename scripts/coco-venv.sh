#!/bin/sh
# Prints the path of the project's private Python venv with pycocotools, pycocoevalcap (its
# BLEU, ROUGE-L and CIDEr scorers are pure Python) and numpy, creating it
# on first use: $GLIMPSE_COCO_VENV, or .build/coco-venv in the project. The test suites that
# check COCO files against pycocotools (datasets and pipeline) share it; creation holds a lock
# (flock) because they run in parallel. pip needs PyPI on first use.
# Exit status: 0 ready (path on stdout), 77 python3 or its venv module is missing, other: pip failed.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${GLIMPSE_COCO_VENV:-$root/.build/coco-venv}
command -v python3 >/dev/null 2>&1 || exit 77
if ! "$venv/bin/python" -c "import pycocotools, pycocoevalcap.cider.cider, numpy" >/dev/null 2>&1; then
    mkdir -p "$(dirname "$venv")"
    exec 9>"$venv.lock"
    flock 9
    # Another suite may have finished it while this one waited for the lock.
    if ! "$venv/bin/python" -c "import pycocotools, pycocoevalcap.cider.cider, numpy" >/dev/null 2>&1; then
        python3 -m venv "$venv" >/dev/null 2>&1 || exit 77
        "$venv/bin/pip" install --quiet pycocotools pycocoevalcap numpy >&2
    fi
fi
echo "$venv"
