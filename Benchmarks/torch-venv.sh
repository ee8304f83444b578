#!/usr/bin/env bash
# Prints the Python of the benchmarks' private venv Benchmarks/.venv (git-ignored) with PyTorch
# for the CPU, creating it on first use: the offline wheel in /opt/wheels matching the venv's
# Python when there is one, otherwise `pip install torch` from PyTorch's CPU index. Used by the
# side-by-side comparisons (fast-rcnn.sh, fcn.sh); run.sh has its own copy that records a failed
# install in its results instead of stopping.
set -euo pipefail
VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv"; PY="$VENV/bin/python"
[ -x "$PY" ] || python3 -m venv "$VENV" >&2
if ! "$PY" -c 'import torch' 2>/dev/null; then
    PYTAG="cp$("$PY" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
    WHEEL="$(ls /opt/wheels/torch-*-"$PYTAG"-"$PYTAG"-*.whl 2>/dev/null | head -1 || true)"
    if [ -n "$WHEEL" ]; then "$PY" -m pip install -q "$WHEEL" >&2
    else "$PY" -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu >&2; fi
fi
echo "$PY"
