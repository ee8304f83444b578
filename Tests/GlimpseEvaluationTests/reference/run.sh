#!/bin/sh
# Runs one of this folder's reference scripts inside the project's private venv with
# pycocoevalcap (scripts/coco-venv.sh: .build/coco-venv or $GLIMPSE_COCO_VENV, created on first
# use): `run.sh caption_scores.py CASES.json`. Exit status 77: python3 or its venv module is
# missing (the Swift suites are disabled without python3 and report 77 as a failure naming the
# cause). pip needs PyPI on first use.
set -e
here=$(cd "$(dirname "$0")" && pwd)
venv=$("$here/../../../scripts/coco-venv.sh")
script=$1
shift
exec "$venv/bin/python" "$here/$script" "$@"
