#!/bin/sh
# Selective-search proposal quality: `glimpse propose` (single, fast, quality) next to OpenCV's
# fast and quality modes on the same images, scored by `glimpse eval proposals` (recall@0.5,
# recall@0.7, average recall over IoU 0.5:0.95, MABO) at 100, 500, 1000 and 2000 proposals.
# Sets: the scene generator's test split (500 scenes of MNIST digits on texture photos,
# `glimpse datasets scenes --count 500 --split test`, seed 1) and the three real PASCAL VOC
# photos of datasets/voc-mini (COCO annotations.json, 12 objects).
# Usage: Benchmarks/proposals/quality.sh   (OpenCV goes into Benchmarks/proposals/.venv)
set -eu
cd "$(dirname "$0")/../.."
OUT=.build-bench-proposals/quality
swift build -c release --product glimpse 2>&1 | tail -1
VENV=Benchmarks/proposals/.venv
if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c "import cv2.ximgproc" 2>/dev/null; then
  python3 -m venv $VENV && $VENV/bin/pip install --quiet opencv-contrib-python-headless
fi
G=.build/release/glimpse
rm -rf $OUT && mkdir -p $OUT
$G datasets scenes --out $OUT/scenes --count 500 --split test --seed 1 >/dev/null
mkdir -p $OUT/voc
cp -r datasets/voc-mini/JPEGImages $OUT/voc/images
cp datasets/voc-mini/annotations.json $OUT/voc/instances.json
for set in scenes/test voc; do
  images=$(ls $OUT/$set/images/*)
  echo "== $set"
  for mode in single fast quality; do
    $G propose $images --mode $mode --max 2000 --out $OUT/$set-glimpse-$mode
    echo "-- glimpse $mode"
    $G eval proposals --gt $OUT/$set/instances.json --pred $OUT/$set-glimpse-$mode --top 100,500,1000,2000
  done
  for mode in fast quality; do
    $VENV/bin/python Benchmarks/proposals/opencv_propose.py --mode $mode --max 2000 --out $OUT/$set-opencv-$mode $images 2>/dev/null
    echo "-- OpenCV $mode"
    $G eval proposals --gt $OUT/$set/instances.json --pred $OUT/$set-opencv-$mode --top 100,500,1000,2000
  done
done
