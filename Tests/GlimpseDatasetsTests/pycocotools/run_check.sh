#!/bin/sh
# Runs check_coco.py on a COCO file inside a private virtual environment with pycocotools,
# created on first use under $GLIMPSE_PYCOCO_VENV (default /tmp/glimpse-pycocotools-venv).
# Exit status 77 means "skip": python3 (or its venv module) is missing.
set -e
here=$(cd "$(dirname "$0")" && pwd)
venv=${GLIMPSE_PYCOCO_VENV:-/tmp/glimpse-pycocotools-venv}
command -v python3 >/dev/null 2>&1 || exit 77
if ! "$venv/bin/python" -c "import pycocotools, numpy" >/dev/null 2>&1; then
    python3 -m venv "$venv" >/dev/null 2>&1 || exit 77
    "$venv/bin/pip" install --quiet pycocotools numpy >&2
fi
exec "$venv/bin/python" "$here/check_coco.py" "$1"
