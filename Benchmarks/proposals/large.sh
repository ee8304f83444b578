#!/bin/sh
# Selective search on a 4000x3000 photo: wall time and peak resident memory against the stated
# bound (about 80 bytes per pixel plus 60 MB: 1,020 MB at 12 megapixels). The image is
# datasets/samples/coffee.png upscaled with OpenCV (INTER_CUBIC), made once.
# Usage: Benchmarks/proposals/large.sh   (OpenCV goes into Benchmarks/proposals/.venv)
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --product glimpse 2>&1 | tail -1
VENV=Benchmarks/proposals/.venv
if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c "import cv2" 2>/dev/null; then
  python3 -m venv $VENV && $VENV/bin/pip install --quiet opencv-contrib-python-headless
fi
BIG=.build-bench-proposals/coffee-4000x3000.png
mkdir -p .build-bench-proposals
[ -f $BIG ] || $VENV/bin/python -c "
import cv2
image = cv2.imread('datasets/samples/coffee.png')
cv2.imwrite('$BIG', cv2.resize(image, (4000, 3000), interpolation=cv2.INTER_CUBIC))"
/usr/bin/time -f "wall %e s, peak resident %M KB" \
  .build/release/glimpse propose $BIG --mode fast --threads 2 --timing --out .build-bench-proposals/large
