#!/usr/bin/env bash
# Fine-tuning on a folder of class subfolders, measured on real data: the first 1,000
# Fashion-MNIST training images (the same images scripts/transfer-experiment.sh uses) written as
# PNG files in one subfolder per class by an independent tool (scripts/idx-to-folder.py, Python's
# standard library), then SqueezeNet 1.1 with the shipped ImageNet weights fine-tuned with a new
# 10-class conv10 head and everything else frozen, 3 seeds; test accuracy on all 10,000 test
# images, written the same way. Each 28x28 gray image is resized to 227x227 and fed as BGR with
# the ImageNet mean subtracted (the preprocessing in the weights file's metadata).
#
# usage: scripts/folder-transfer-experiment.sh [--seeds "1 2 3"] [--limit 1000] [--epochs 10]
#            [--augment "--flip --crop-scale 0.6"]   (extra finetune options, e.g. photo augmentation)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="1 2 3"; LIMIT=1000; EPOCHS=10; AUGMENT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) SEEDS="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        --epochs) EPOCHS="$2"; shift 2 ;;
        --augment) AUGMENT="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
scripts/setup.sh
DATA=$(scripts/fashion-mnist.sh)
swift build -c release --product glimpse >&2
OUT=runs/folder-transfer; rm -rf "$OUT/train" "$OUT/test"; mkdir -p "$OUT"
NAMES=0-tshirt,1-trouser,2-pullover,3-dress,4-coat,5-sandal,6-shirt,7-sneaker,8-bag,9-ankle-boot
python3 scripts/idx-to-folder.py "$DATA/train-images-idx3-ubyte.gz" "$DATA/train-labels-idx1-ubyte.gz" "$OUT/train" \
    --limit "$LIMIT" --names "$NAMES" >&2
python3 scripts/idx-to-folder.py "$DATA/t10k-images-idx3-ubyte.gz" "$DATA/t10k-labels-idx1-ubyte.gz" "$OUT/test" \
    --names "$NAMES" >&2
results="$OUT/results.txt"; : > "$results"
for seed in $SEEDS; do
    start=$(date +%s)
    line=$(.build/release/glimpse finetune --model squeezenet --data "$OUT/train" --test "$OUT/test" --freeze all-but-head \
        --epochs "$EPOCHS" --warmup-epochs 1 --batch-size 50 --seed "$seed" $AUGMENT \
        --output "$OUT/squeezenet-$seed.safetensors" --quiet)
    echo "seed $seed: $line ($(( $(date +%s) - start )) s in all)" >&2
    echo "$seed $(echo "$line" | sed -n 's/^test accuracy \([0-9.]*\)%.*/\1/p')" >> "$results"
done
python3 - "$results" "$LIMIT" "$EPOCHS" "$AUGMENT" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
values = [float(a) for s, a in rows]
seeds = ", ".join(f"{a}% (seed {s})" for s, a in rows)
print(f"Fashion-MNIST test accuracy (10,000 PNG images), SqueezeNet 1.1 ImageNet weights, new conv10 head, "
      f"all else frozen, first {sys.argv[2]} training images as PNG class folders, {sys.argv[3]} epochs:\n")
print("| start | mean | std | per seed |")
print("| --- | ---: | ---: | --- |")
extra = f", {sys.argv[4]}" if sys.argv[4] else ""
print(f"| SqueezeNet 1.1 (ImageNet), head only, from a PNG folder{extra} | **{statistics.mean(values):.2f}%** | "
      f"{statistics.stdev(values) if len(values) > 1 else 0:.2f} | {seeds} |")
PY
