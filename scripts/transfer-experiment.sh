#!/usr/bin/env bash
# The transfer-learning measurement of the README: DeepConvNet pretrained on MNIST (the shipped
# weights), fine-tuned on Fashion-MNIST with only the first 1,000 labelled training images,
# against the same network trained from scratch on the same 1,000 images, 3 seeds each; test
# accuracy on the full 10,000-image Fashion-MNIST test set. Same recipe for both (30 epochs,
# Adam 1e-3 with 1 warm-up epoch and cosine decay, shifts and rotations); the only difference is
# the starting point (and the fine-tuned network's new fc2 head).
#
# usage: scripts/transfer-experiment.sh [--seeds "1 2 3"] [--limit 1000] [--epochs 30] [--freeze PREFIXES]
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="1 2 3"; LIMIT=1000; EPOCHS=30; FREEZE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) SEEDS="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        --epochs) EPOCHS="$2"; shift 2 ;;
        --freeze) FREEZE="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
scripts/setup.sh
DATA=$(scripts/fashion-mnist.sh)
swift build -c release --product glimpse >&2
OUT=runs/transfer; mkdir -p "$OUT"
results="$OUT/results.txt"; : > "$results"
for seed in $SEEDS; do
    for mode in finetuned scratch; do
        extra=(); [ "$mode" = scratch ] && extra=(--from-scratch)
        [ -n "$FREEZE" ] && [ "$mode" = finetuned ] && extra+=(--freeze "$FREEZE")
        line=$(.build/release/glimpse finetune --data "$DATA" --limit "$LIMIT" --epochs "$EPOCHS" --warmup-epochs 1 --seed "$seed" \
            --output "$OUT/$mode-$seed.safetensors" --quiet "${extra[@]}")
        echo "$mode seed $seed: $line" >&2
        accuracy=$(echo "$line" | sed -n 's/^test accuracy \([0-9.]*\)%.*/\1/p')
        echo "$mode $seed $accuracy" >> "$results"
    done
done
python3 - "$results" "$LIMIT" "$EPOCHS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print(f"Fashion-MNIST test accuracy (10,000 images), DeepConvNet trained on the first {sys.argv[2]} labelled "
      f"training images for {sys.argv[3]} epochs:\n")
print("| start | mean | std (3 seeds) | per seed |")
print("| --- | ---: | ---: | --- |")
for mode, label in (("finetuned", "fine-tuned from the MNIST weights"), ("scratch", "from scratch")):
    values = [float(a) for m, s, a in rows if m == mode]
    seeds = ", ".join(f"{a}% (seed {s})" for m, s, a in rows if m == mode)
    print(f"| {label} | **{statistics.mean(values):.2f}%** | {statistics.stdev(values) if len(values) > 1 else 0:.2f} | {seeds} |")
PY
