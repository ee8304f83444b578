#!/bin/sh
# Selective search speed: `glimpse propose` (1 and 2 threads) next to OpenCV's
# createSelectiveSearchSegmentation (opencv-contrib-python-headless, one thread) on the same
# resized images, in one run, alternating implementations; prints medians of seconds/image,
# microseconds/pixel, proposals/image and peak resident memory (peak MB is the process's, so
# OpenCV's includes the Python interpreter and numpy, about 60 MB on its own).
# OpenCV goes into a private venv (Benchmarks/proposals/.venv, git-ignored).
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this command only (selective search does
# not call BLAS, but the benchmark habit keeps the environment the same for every benchmark).
# Usage: Benchmarks/proposals/run.sh [REPS] [SIDES] [IMAGES...]   (defaults: 3, 256,512,1000, three photos)
set -eu
cd "$(dirname "$0")/../.."
REPS=${1:-3}
SIDES=${2:-256,512,1000}
[ $# -ge 1 ] && shift
[ $# -ge 1 ] && shift
swift build -c release --product glimpse 2>&1 | tail -1
VENV=Benchmarks/proposals/.venv
if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c "import cv2.ximgproc" 2>/dev/null; then
  python3 -m venv $VENV && $VENV/bin/pip install --quiet opencv-contrib-python-headless
fi
$VENV/bin/python -c "import cv2; print('OpenCV', cv2.__version__)"
if [ $# -eq 0 ]; then
  set -- datasets/samples/chelsea.png datasets/samples/coffee.png datasets/samples/2011_000025.jpg
fi
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $VENV/bin/python Benchmarks/proposals/speed.py \
  .build/release/glimpse "$REPS" "$SIDES" "$@"
