#!/bin/sh
# Selective-search proposal quality: `glimpse propose` (single, fast, quality) next to OpenCV's
# fast and quality modes on the same images, scored by `glimpse eval proposals` (recall@0.5,
# recall@0.7, average recall over IoU 0.5:0.95, MABO) at 100, 500, 1000 and 2000 proposals.
# Sets: the scene generator's test split (500 scenes of MNIST digits on texture photos,
# `glimpse datasets scenes --count 500 --split test`, seed 1) and the three real PASCAL VOC
# photos of datasets/voc-mini (COCO annotations.json, 12 objects), the latter over 10 ranking
# draws per implementation (mean and range printed by seed_summary.py).
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
images=$(ls $OUT/scenes/test/images/*)
echo "== scenes/test (seed 0)"
for mode in single fast quality; do
  $G propose $images --mode $mode --max 2000 --out $OUT/scenes-glimpse-$mode
  echo "-- glimpse $mode"
  $G eval proposals --gt $OUT/scenes/test/instances.json --pred $OUT/scenes-glimpse-$mode --top 100,500,1000,2000
done
for mode in fast quality; do
  $VENV/bin/python Benchmarks/proposals/opencv_propose.py --mode $mode --max 2000 --out $OUT/scenes-opencv-$mode $images 2>/dev/null
  echo "-- OpenCV $mode"
  $G eval proposals --gt $OUT/scenes/test/instances.json --pred $OUT/scenes-opencv-$mode --top 100,500,1000,2000
done
# VOC: 12 objects, so one ranking draw decides a cap's figures; average 10 draws of each
# implementation's random ranking (glimpse --seed S; OpenCV's generator advanced S runs, see
# opencv_propose.py) and print mean (min-max) per cap.
images=$(ls $OUT/voc/images/*)
mkdir -p $OUT/voc-eval
for seed in 0 1 2 3 4 5 6 7 8 9; do
  for mode in single fast quality; do
    $G propose $images --mode $mode --max 2000 --seed $seed --out $OUT/voc-glimpse-$mode-$seed
    $G eval proposals --gt $OUT/voc/instances.json --pred $OUT/voc-glimpse-$mode-$seed --top 100,500,1000,2000 \
      > $OUT/voc-eval/glimpse-$mode.seed$seed.txt
  done
  for mode in fast quality; do
    $VENV/bin/python Benchmarks/proposals/opencv_propose.py --mode $mode --seed $seed --max 2000 \
      --out $OUT/voc-opencv-$mode-$seed $images 2>/dev/null
    $G eval proposals --gt $OUT/voc/instances.json --pred $OUT/voc-opencv-$mode-$seed --top 100,500,1000,2000 \
      > $OUT/voc-eval/opencv-$mode.seed$seed.txt
  done
done
echo "== voc (3 images, 12 objects; seeds 0-9)"
$VENV/bin/python Benchmarks/proposals/seed_summary.py $OUT/voc-eval
