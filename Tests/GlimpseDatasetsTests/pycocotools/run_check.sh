#!/bin/sh
# Runs check_coco.py on a COCO file inside the project's private venv with pycocotools
# (scripts/coco-venv.sh: .build/coco-venv or $GLIMPSE_COCO_VENV, created on first use).
# Exit status 77: python3 or its venv module is missing (the Swift suite is disabled without
# python3 and reports 77 as a failure naming the cause). pip needs PyPI on first use.
set -e
here=$(cd "$(dirname "$0")" && pwd)
venv=$("$here/../../../scripts/coco-venv.sh")
exec "$venv/bin/python" "$here/check_coco.py" "$1"
